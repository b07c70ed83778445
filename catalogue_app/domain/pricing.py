"""Price breaks and framework terms."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from catalogue_app.domain.errors import ValidationError

# The first list-price version of a product with no accreditation date starts here:
# before any purchase the catalogue records.
FIRST_PRICE_DAY = date(2000, 4, 1)


@dataclass(frozen=True, slots=True)
class PriceBreak:
    min_quantity: int
    unit_price: Decimal


def validate_price_breaks(ceiling: Decimal, breaks: Sequence[PriceBreak]) -> None:
    """Breaks must start above one unit, rise in quantity and never rise in price."""
    previous_qty = 1
    previous_price = ceiling
    for n, b in enumerate(breaks, start=1):
        if b.min_quantity <= previous_qty:
            raise ValidationError(
                f"price break {n}: quantity {b.min_quantity} must be greater than {previous_qty}",
                field="min_quantity",
            )
        if b.unit_price > previous_price:
            raise ValidationError(
                f"price break {n}: unit price {b.unit_price} is higher than {previous_price} "
                "for a smaller quantity",
                field="unit_price",
            )
        previous_qty, previous_price = b.min_quantity, b.unit_price


def unit_price_for_quantity(
    ceiling: Decimal, breaks: Sequence[PriceBreak], quantity: int
) -> Decimal:
    """The unit price for ``quantity``: the deepest break it reaches, else the ceiling."""
    if quantity <= 0:
        raise ValidationError("quantity must be more than zero", field="quantity")
    price = ceiling
    for b in sorted(breaks, key=lambda b: b.min_quantity):
        if quantity >= b.min_quantity:
            price = min(price, b.unit_price)
        else:
            break
    return price


def add_months(day: date, months: int) -> date:
    """``day`` moved on by whole months, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


@dataclass(frozen=True, slots=True)
class FrameworkTerm:
    start_date: date
    end_date: date
    extension_count: int
    extension_months: int
    extensions_taken: int

    @property
    def effective_end(self) -> date:
        """End date including the extensions already taken."""
        return add_months(self.end_date, self.extensions_taken * self.extension_months)

    @property
    def extensions_left(self) -> int:
        return max(0, self.extension_count - self.extensions_taken)

    @property
    def latest_possible_end(self) -> date:
        return add_months(self.end_date, self.extension_count * self.extension_months)

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day <= self.effective_end
