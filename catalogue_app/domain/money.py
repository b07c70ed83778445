"""Money: Decimal pounds sterling, rounded in exactly one place."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.numbers import (
    MAX_QUANTITY,
    NumberKind,
    describe_type,
    lex_number,
    shown,
)

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY = NumberKind(noun="an amount of money", example="1234.50 or £1,234.50", currency="£")

MAX_UNIT_PRICE = Decimal("1000000000.00")
# The largest line a purchase can make (10,000,000 at £1,000,000,000.00): 10^18
# pence, which fits a signed 64-bit integer (up to about 9.2 × 10^18).
MAX_AMOUNT = MAX_UNIT_PRICE * MAX_QUANTITY


def round_money(value: Decimal) -> Decimal:
    """Round to the penny, half up. The only place money is rounded."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def parse_money(
    value: object,
    *,
    field: str = "amount",
    minimum: Decimal = ZERO,
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal:
    """An amount of money typed by a person or read from a file, exact to the penny.

    Text follows the strict grammar of :mod:`catalogue_app.domain.numbers`
    with an optional leading "£" and at most two decimal places: "1234.5",
    "£1,234.50". ``Decimal`` and ``int`` values (spreadsheet cells) are taken as
    they are; a ``float`` cell is accepted only when it is a whole number of
    pence, so that nothing is rounded on the way in. The result lies between
    ``minimum`` and ``maximum`` and is quantized to the penny.
    """
    amount = _exact_amount(value, field)
    if amount < minimum:
        floor = (
            "must not be negative" if minimum == 0 else f"must be at least {format_gbp(minimum)}"
        )
        raise ValidationError(f"{field} {floor} (got {shown(value)})", field=field)
    if amount > maximum:
        raise ValidationError(
            f"{field} “{shown(value)}” is more than the largest allowed, {format_gbp(maximum)}",
            field=field,
        )
    if amount != amount.quantize(PENNY):
        raise ValidationError(
            f"{field} “{shown(value)}” has fractions of a penny; use at most two decimal places",
            field=field,
        )
    pennies = amount.quantize(PENNY)
    return ZERO if pennies == 0 else pennies  # never "-0.00"


def parse_unit_price(value: object, *, field: str = "unit price") -> Decimal:
    """A price for one item: £0.00 to £1,000,000,000.00."""
    return parse_money(value, field=field, maximum=MAX_UNIT_PRICE)


def _exact_amount(value: object, field: str) -> Decimal:
    """The value as an exact, finite Decimal, not yet bounded or checked for pennies."""
    if value is None:
        raise ValidationError(f"{field} is blank, not an amount of money", field=field)
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(
            f"{field} must be an amount of money, not {describe_type(value)}", field=field
        )
    if isinstance(value, str):
        number = lex_number(value, field=field, kind=MONEY)
        if number.fraction is not None and len(number.fraction) > 2:
            why = (
                "has more than two decimal places; write at most two, like 12.50"
                if not number.fraction[2:].strip("0")
                else "has fractions of a penny; use at most two decimal places"
            )
            raise ValidationError(f"{field} “{shown(value)}” {why}", field=field)
        return number.to_decimal()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(
                f"{field} “{shown(value)}” is not an amount of money", field=field
            )
        # repr() is the shortest text that reads back as this very float: a price
        # typed as 12.30 into a spreadsheet cell comes back as "12.3" here, while
        # a float that is not the nearest one to a whole number of pence shows
        # more digits and is refused as fractions of a penny.
        return Decimal(repr(value))
    if not value.is_finite():
        raise ValidationError(f"{field} “{shown(value)}” is not an amount of money", field=field)
    return value


def to_pence(value: Decimal) -> int:
    """Exact conversion to whole pence; refuses sub-penny values."""
    pence = value * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{value} has fractions of a penny")
    return int(pence)


def from_pence(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(PENNY)


def format_gbp(value: Decimal) -> str:
    """£1,234.50 (negative amounts as −£1,234.50)."""
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"


def split_largest_remainder(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` pro rata to ``weights`` so that every penny is allocated.

    Each share is its exact ideal rounded down to the penny; the pennies left
    over go one each to the shares with the largest remainders (ties to the
    earlier share). The shares always add up to ``total`` and none differs from
    its ideal by a penny or more.
    """
    if not weights:
        raise ValueError("a split needs at least one share")
    if any(w < 0 for w in weights):
        raise ValueError("split weights must not be negative")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise ValueError("split weights must not all be zero")
    total_pence = to_pence(total)
    if total_pence < 0:
        raise ValueError("cannot split a negative total")
    ideals = [Decimal(total_pence) * w / weight_sum for w in weights]
    floors = [int(i) for i in ideals]  # ideals are non-negative: int() floors
    left = total_pence - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(ideals[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [from_pence(p) for p in floors]


def format_gbp_short(value: Decimal) -> str:
    """A figure for a tile: £2.4m, £101k, or pounds and pence below £10,000."""
    sign, size = ("-" if value < 0 else ""), abs(value)
    if size >= 1_000_000:
        return f"{sign}£{size / 1_000_000:,.1f}m"
    if size >= 10_000:
        return f"{sign}£{size / 1_000:,.0f}k"
    return format_gbp(value)
