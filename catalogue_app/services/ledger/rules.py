"""What makes a purchase valid. The checks that need no database take plain values;
:func:`validate` applies them all to a draft, looking codes up through :class:`Lookups`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from uuid6 import uuid7

from catalogue_app.domain.enums import BuyerKind, PurchaseStatus
from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.numbers import shown
from catalogue_app.domain.pricing import unit_price_for_quantity
from catalogue_app.domain.purchases import (
    Route,
    SplitRule,
    parse_optional_unit_price,
    parse_order_date,
    parse_quantity,
)
from catalogue_app.services.ledger.model import (
    PurchaseDraft,
    RecordedPurchase,
    Share,
    custom_split,
)
from catalogue_app.services.ledger.queries import (
    Buyer,
    Lookups,
    LotInfo,
    OfferInfo,
    ProductInfo,
)

MAX_REFERENCE = 80


def order_reference(text: str | None) -> str:
    reference = (text or "").strip()
    if not reference:
        raise ValidationError("the order reference is missing", field="order_reference")
    if len(reference) > MAX_REFERENCE:
        raise ValidationError(
            f"the order reference is longer than {MAX_REFERENCE} characters",
            field="order_reference",
        )
    _no_control_characters(reference, "order reference", "order_reference")
    return reference


def notes(text: str | None) -> str:
    """Free text; line breaks and tabs are kept, other control characters refused."""
    written = (text or "").strip()
    _no_control_characters(written, "the notes", "notes", layout=True)
    return written


# Unicode's control characters (category Cc): C0, DEL and C1, the same 65 in every version.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# the same, less tab and the line breaks that notes may hold
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control_characters(text: str, what: str, field: str, *, layout: bool = False) -> None:
    """Refuse invisible control characters (a NUL byte, an escape), which no one types and
    which PostgreSQL cannot even store; with ``layout``, tabs and line breaks are kept."""
    match = (_CONTROL_IN_TEXT if layout else _CONTROL).search(text)
    if match is not None:
        found = match.group()
        raise ValidationError(
            f"{what} contains the control character U+{ord(found):04X}; remove it",
            field=field,
        )


def purchase_id(text: str | None) -> str:
    """The id given (as a canonical UUID), or a new time-ordered one (UUIDv7).

    Time-ordered ids need no coordination between devices and keep new rows together
    at the end of the primary-key index.
    """
    given = (text or "").strip()
    if not given:
        return str(uuid7())
    try:
        return str(uuid.UUID(given))
    except ValueError:
        raise ValidationError(f"“{text}” is not a purchase id (a UUID)", field="id") from None


def lot_open_on(route: Route, lot: LotInfo, day: date) -> None:
    """Refused unless the framework was running on the order date."""
    if lot.start <= day <= lot.effective_end:
        return
    early = day < lot.start
    raise ValidationError(
        f"framework {route.framework} {'had not started' if early else 'had expired'} on "
        f"{day.isoformat()} ({'starts' if early else 'ended'} "
        f"{(lot.start if early else lot.effective_end).isoformat()}); choose an active "
        "framework or record the purchase off-framework",
        field="framework",
    )


def offered_price(
    route: Route, product: str, offers: list[OfferInfo], quantity: int, day: date
) -> Decimal:
    """The unit price the lot's latest offer open on ``day`` gives for ``quantity``."""
    if not offers:
        raise ValidationError(
            f"lot {route.lot} of {route.framework} does not offer {product} on {day.isoformat()}",
            field="lot",
        )
    offer = offers[-1]
    return unit_price_for_quantity(offer.ceiling, offer.breaks, quantity)


def shares(buyer: Buyer, split: str | None, total: Decimal, day: date) -> dict[str, Decimal]:
    """A collaboration's shares of ``total`` among its members on ``day``; none for a force."""
    if buyer.kind is BuyerKind.FORCE:
        if split and split.strip():
            raise ValidationError("only a collaboration's purchase is split", field="split")
        return {}
    members = [(mb.code, mb.officer_fte) for mb in buyer.members_on(day)]
    return SplitRule.parse(split).allocate(total, members)


@dataclass(frozen=True)
class ValidPurchase:
    """A draft that passed every rule, ready to store."""

    id: str
    buyer: Buyer
    product: ProductInfo
    lot: LotInfo | None
    quantity: int
    unit_price: Decimal
    baseline: Decimal
    overridden: bool
    order_date: date
    order_reference: str
    notes: str
    shares: dict[str, Decimal]

    @property
    def route(self) -> Route:
        return self.lot.route if self.lot else Route()

    def snapshot(self) -> dict[str, Any]:
        """The values the audit log keeps (money as text, so JSON holds it exactly)."""
        return {
            "order_reference": self.order_reference,
            "buyer": self.buyer.code,
            "product": self.product.code,
            "route": str(self.route),
            "quantity": self.quantity,
            "unit_price": f"{self.unit_price:.2f}",
            "baseline_unit_price": f"{self.baseline:.2f}",
            "order_date": self.order_date.isoformat(),
            "notes": self.notes,
            "shares": {code: f"{amount:.2f}" for code, amount in self.shares.items()},
            "status": PurchaseStatus.ACTIVE.value,
        }

    def recorded(self) -> RecordedPurchase:
        return RecordedPurchase(
            self.id,
            self.order_reference,
            self.buyer.code,
            self.product.code,
            self.route,
            self.quantity,
            self.unit_price,
            self.baseline,
            self.unit_price * self.quantity,
            (self.baseline - self.unit_price) * self.quantity,
            self.overridden,
            [Share(code, amount) for code, amount in self.shares.items()],
        )


def validate(lookups: Lookups, d: PurchaseDraft, today: date) -> ValidPurchase:
    """``d`` checked against every rule, or the first broken one (a ValidationError naming
    its field)."""
    buyer = lookups.buyer(d.buyer or "")
    product = lookups.product(d.product or "")
    quantity = parse_quantity(d.quantity)
    day = parse_order_date(d.order_date, today)
    unit = parse_optional_unit_price(d.unit_price, "unit_price")
    baseline = parse_optional_unit_price(d.baseline_unit_price, "baseline_unit_price")
    route = Route.of(d.framework, d.lot)
    lot = None
    list_price = lookups.list_price_on(product, day)  # the version in force on the order date
    if route.is_off_framework:
        proposed = list_price
    else:
        lot = lookups.lot(route)
        lot_open_on(route, lot, day)
        proposed = offered_price(
            route, product.code, lookups.offers_on(lot, product, day), quantity, day
        )
    reference = order_reference(d.order_reference)
    overridden = unit is not None and unit != proposed
    unit = proposed if unit is None else unit
    return ValidPurchase(
        purchase_id(d.id),
        buyer,
        product,
        lot,
        quantity,
        unit,
        list_price if baseline is None else baseline,
        overridden,
        day,
        reference,
        notes(d.notes),
        shares(buyer, d.split, unit * quantity, day),
    )


# -- comparing a purchase with one already recorded -------------------------------------------

# What makes two purchases the same purchase, in the terms of their audit snapshots.
_COMPARED = {
    "buyer": "buyer",
    "order_reference": "order reference",
    "product": "product",
    "route": "route",
    "quantity": "quantity",
    "unit_price": "unit price",
    "baseline_unit_price": "baseline unit price",
    "order_date": "order date",
    "shares": "split",
    "notes": "notes",
}


def differences(recorded: Mapping[str, Any], other: Mapping[str, Any]) -> list[str]:
    """How ``other`` differs from ``recorded`` (both snapshots, as :meth:`ValidPurchase.
    snapshot` makes them), as "quantity 5, not 6"; empty when they are the same purchase."""
    return [
        f"{label} {_as_text(key, recorded[key])}, not {_as_text(key, other[key])}"
        for key, label in _COMPARED.items()
        if recorded[key] != other[key]
    ]


def _as_text(key: str, value: Any) -> str:
    if key in ("unit_price", "baseline_unit_price"):
        return format_gbp(Decimal(value))
    if key == "quantity":
        return f"{value:,}"
    if key == "shares":
        return custom_split({code: Decimal(a) for code, a in value.items()}) or "none"
    if key == "notes":
        return f"“{shown(value)}”" if value else "none"
    return str(value)
