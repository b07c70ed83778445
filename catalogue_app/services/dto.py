"""Plain results handed to the CLI and the GUI: no ORM objects cross this line."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from catalogue_app.domain.purchases import BuyerRef, Route


class Row:
    """Mixin: stable, JSON-friendly dict of the fields (money and dates as text, routes and
    buyers in their written form)."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def _plain(value: Any) -> Any:
    if isinstance(value, Route | BuyerRef):
        return str(value)
    if isinstance(value, Row):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ForceRow(Row):
    code: str
    name: str
    short_name: str
    welsh_name: str | None
    kind: str
    region: str | None
    officer_fte: Decimal | None


@dataclass(frozen=True)
class CollaborationRow(Row):
    code: str
    name: str
    lead_force: str | None
    members: list[str]
    description: str


@dataclass(frozen=True)
class FrameworkRow(Row):
    reference: str
    title: str
    owner: str
    start_date: date
    end_date: date
    effective_end: date
    extensions_left: int
    max_value: Decimal | None
    lots: int
    status: str
    illustrative: bool
    days_left: int  # days from today until the effective end; negative once ended
    headroom: Decimal | None  # maximum value less the spend recorded on its lots


@dataclass(frozen=True)
class ProductRow(Row):
    code: str
    name: str
    supplier: str
    category: str
    status: str
    unit: str
    list_price: Decimal
    accredited_to: date | None
    tags: list[str]


@dataclass(frozen=True)
class PriceBreakInfo(Row):
    min_quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OfferInfo(Row):
    framework: str
    framework_title: str
    lot: str
    lot_title: str
    ceiling_unit_price: Decimal
    valid_from: date
    valid_to: date | None
    framework_end: date
    price_breaks: list[PriceBreakInfo]


@dataclass(frozen=True)
class ProductDetail(Row):
    code: str
    name: str
    description: str
    supplier: str
    supplier_status: str
    category: str
    cpv_code: str
    status: str
    unit: str
    list_price: Decimal
    accredited_from: date | None
    accredited_to: date | None
    tags: list[str]
    source: str
    illustrative: bool
    offers: list[OfferInfo]


@dataclass(frozen=True)
class Page:
    """A window onto an ordered result: rows plus the total that matched."""

    rows: list[Any]
    total: int
