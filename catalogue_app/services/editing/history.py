"""A catalogue record's history: its audit events in plain words, and its price versions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.pricing import PriceBreak
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database
from catalogue_app.services.editing import store
from catalogue_app.services.editing.records import (
    SPECS,
    FieldType,
    Kind,
    format_breaks,
)

_ACTIONS = {
    "create": "Added",
    "edit": "Changed",
    "withdraw": "Withdrawn",
    "reinstate": "Reinstated",
    "suspend": "Suspended",
    "exclude": "Excluded",
    "extend": "Extension taken",
    "undo": "Undone",
    "redo": "Redone",
    "import": "Imported",
}


@dataclass(frozen=True)
class HistoryEntry:
    occurred_at: datetime
    actor: str
    action: str
    kind: Kind
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def summary(self) -> str:
        """What happened, in plain words: "Changed: list price £900.00 → £950.00"."""
        verb = _ACTIONS.get(self.action, self.action.capitalize())
        what = self.subject
        changes = describe_changes(self.kind, self.before, self.after)
        if self.before is None or self.after is None:
            return f"{verb} {what}"
        return f"{verb} {what}: {changes}" if changes else f"{verb} {what}"

    @property
    def subject(self) -> str:
        """The record in words: "product BWC-X1", "prices of BWC-X1 on RM6060 lot 2 from
        1 Dec 2026"."""
        values = self.after or self.before or {}
        if self.kind is Kind.OFFER and {"product", "framework", "lot", "valid_from"} <= set(values):
            day = day_text(date.fromisoformat(str(values["valid_from"])))
            return (
                f"prices of {values['product']} on {values['framework']} lot {values['lot']} "
                f"from {day}"
            )
        return f"{self.kind.label} {self.key}"

    def as_json(self) -> dict[str, Any]:
        return {
            "occurred_at": self.occurred_at.isoformat(timespec="seconds"),
            "actor": self.actor,
            "action": self.action,
            "kind": self.kind.value,
            "key": self.key,
            "summary": self.summary,
            "before": self.before,
            "after": self.after,
        }


def describe_changes(
    kind: Kind, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> str:
    """ "list price: £900.00 → £950.00; status: approved → champion"."""
    if before is None or after is None:
        return ""
    parts = []
    for spec in SPECS[kind]:
        old, new = before.get(spec.name), after.get(spec.name)
        if old != new:
            parts.append(
                f"{spec.label.lower()} {_shown(spec.type, old)} → {_shown(spec.type, new)}"
            )
    return "; ".join(parts)


def _shown(kind: FieldType, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    if kind in (FieldType.MONEY, FieldType.OPTIONAL_MONEY):
        return format_gbp(Decimal(str(value)))
    if kind in (FieldType.DATE, FieldType.OPTIONAL_DATE):
        return day_text(date.fromisoformat(str(value)))
    if kind is FieldType.YES_NO:
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return f"“{value}”" if kind in (FieldType.TEXT, FieldType.LONG_TEXT) else str(value)


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _events_clause(kind: Kind, key: str) -> Any:
    own = and_(m.AuditEvent.entity_type == kind.value, m.AuditEvent.entity_id == key)
    if kind is Kind.PRODUCT:
        # the product's prices on every lot offering it
        return or_(
            own,
            and_(
                m.AuditEvent.entity_type == Kind.OFFER.value,
                m.AuditEvent.entity_id.like(f"% · {_like(key)} from %", escape="\\"),
            ),
        )
    if kind is Kind.FRAMEWORK:
        inner = f"{_like(key)} lot %"
        return or_(
            own,
            and_(
                m.AuditEvent.entity_type.in_((Kind.LOT.value, Kind.OFFER.value)),
                m.AuditEvent.entity_id.like(inner, escape="\\"),
            ),
        )
    return own


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def history_of(s: Session, kind: Kind, key: str) -> list[HistoryEntry]:
    rows = s.scalars(
        select(m.AuditEvent)
        .where(_events_clause(kind, key))
        .order_by(m.AuditEvent.occurred_at, m.AuditEvent.id)
    ).all()
    return [
        HistoryEntry(
            e.occurred_at if e.occurred_at.tzinfo else e.occurred_at.replace(tzinfo=UTC),
            e.actor,
            e.action,
            Kind(e.entity_type),
            e.entity_id,
            json.loads(e.before) if e.before else None,
            json.loads(e.after) if e.after else None,
        )
        for e in rows
    ]


@dataclass(frozen=True)
class ListPriceVersion:
    effective_from: date
    until: date | None
    list_price: Decimal


@dataclass(frozen=True)
class OfferPriceVersion:
    framework: str
    lot: str
    valid_from: date
    valid_to: date | None
    ceiling_price: Decimal
    price_breaks: str  # "1000:440.00, 3000:425.00"


@dataclass(frozen=True)
class PriceHistory:
    product: str
    list_prices: tuple[ListPriceVersion, ...]
    offers: tuple[OfferPriceVersion, ...]

    def list_price_on(self, day: date) -> Decimal | None:
        found = store.version_on([(v.effective_from, v.list_price) for v in self.list_prices], day)
        return found[1] if found else None


def _until(days: Sequence[date]) -> list[date | None]:
    return [later - timedelta(days=1) for later in days[1:]] + [None]


def price_history_of(s: Session, code: str) -> PriceHistory:
    row = store.product_row(s, code)
    if row is None:
        raise NotFoundError(f"no product has the code “{code}”")
    versions = store.price_versions(s, row.id)
    ends = _until([d for d, _ in versions])
    offers = s.execute(
        select(m.Framework.reference, m.Lot.number, m.Offer)
        .join(m.Lot, m.Offer.lot_id == m.Lot.id)
        .join(m.Framework, m.Lot.framework_id == m.Framework.id)
        .where(m.Offer.product_id == row.id)
        .order_by(m.Framework.reference, m.Lot.number, m.Offer.valid_from)
    ).all()
    return PriceHistory(
        code,
        tuple(ListPriceVersion(d, end, p) for (d, p), end in zip(versions, ends, strict=True)),
        tuple(
            OfferPriceVersion(
                ref,
                number,
                o.valid_from,
                o.valid_to,
                o.ceiling_unit_price,
                format_breaks([PriceBreak(b.min_quantity, b.unit_price) for b in o.price_breaks]),
            )
            for ref, number, o in offers
        ),
    )


class CatalogueHistory:
    """Reads a record's audit history and a product's price versions."""

    def __init__(self, source: Database | AppContext) -> None:
        self.db = source.db if isinstance(source, AppContext) else source

    def history(self, kind: Kind, key: str) -> list[HistoryEntry]:
        with self.db.reading() as s:
            if store.load(s, kind, _key_parts(kind, key), date.max) is None and kind not in (
                Kind.LOT,
                Kind.OFFER,
            ):
                raise NotFoundError(f"there is no {kind.label} {key}")
            return history_of(s, kind, key)

    def prices(self, code: str) -> PriceHistory:
        with self.db.reading() as s:
            return price_history_of(s, code)


def _key_parts(kind: Kind, key: str) -> tuple[str, ...]:
    if kind is Kind.LOT:
        framework, _, number = key.rpartition(" lot ")
        return (framework, number) if framework else (key, "")
    return (key,)
