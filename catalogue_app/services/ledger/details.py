"""Everything recorded about one purchase, for its details pane: the fields with names
beside the codes, the route with its framework, the members' shares and the history in
plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.enums import PurchaseStatus
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.domain.purchases import Route
from catalogue_app.services.database import Database
from catalogue_app.services.dto import Row
from catalogue_app.services.ledger import queries
from catalogue_app.services.ledger.history import describe_history, purchase_history


@dataclass(frozen=True)
class ShareLine(Row):
    code: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class PurchaseDetails(Row):
    id: str
    order_reference: str
    order_date: date
    status: PurchaseStatus
    void_reason: str | None
    buyer_code: str
    buyer_name: str
    joint: bool  # bought by a collaboration and shared among its members
    product_code: str
    product_name: str
    supplier: str
    route: Route
    framework_title: str | None
    lot_title: str | None
    quantity: int
    unit_price: Decimal
    baseline_unit_price: Decimal
    notes: str
    recorded_by: str
    recorded_at: datetime
    shares: list[ShareLine]
    history: list[str]  # oldest first

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def saving(self) -> Decimal:
        return (self.baseline_unit_price - self.unit_price) * self.quantity


def _names(s: Session, codes: set[str]) -> dict[str, str]:
    """Names of the forces, collaborations and products with these codes."""
    wanted = sorted(c for c in codes if c)
    found: dict[str, str] = {}
    for model in (m.Product, m.Collaboration, m.Force):
        found.update(s.execute(select(model.code, model.name).where(model.code.in_(wanted))).all())
    return found


class PurchaseReader:
    """One purchase, everything recorded about it, in one read."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def details(self, purchase_id: str) -> PurchaseDetails:
        with self.db.reading() as s:
            stored = queries.stored(s, purchase_id)
            row = s.execute(
                select(
                    m.Product.name,
                    m.Supplier.name,
                    m.Purchase.recorded_by,
                    m.Purchase.recorded_at,
                    m.Purchase.buyer_collaboration_id,
                )
                .join(m.Product, m.Purchase.product_id == m.Product.id)
                .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
                .where(m.Purchase.id == purchase_id)
            ).one_or_none()
            if row is None:
                raise NotFoundError(f"no purchase has the id {purchase_id}")
            product_name, supplier, recorded_by, recorded_at, collaboration = row
            titles: tuple[str | None, str | None] = (None, None)
            if not stored.route.is_off_framework:
                found = s.execute(
                    select(m.Framework.title, m.Lot.title)
                    .join(m.Lot, m.Lot.framework_id == m.Framework.id)
                    .where(m.Framework.reference == stored.framework, m.Lot.number == stored.lot)
                ).first()
                titles = (found[0], found[1]) if found else titles
            entries = purchase_history(s, purchase_id)
            codes = {stored.buyer, stored.product, *stored.shares}
            for entry in entries:
                for values in (entry.before or {}, entry.after or {}):
                    codes.update(str(values.get(k) or "") for k in ("buyer", "product"))
                    codes.update(values.get("shares") or {})
            names = _names(s, codes)
        return PurchaseDetails(
            stored.id,
            stored.order_reference,
            stored.order_date,
            stored.status,
            stored.void_reason,
            stored.buyer,
            names.get(stored.buyer, stored.buyer),
            collaboration is not None,
            stored.product,
            product_name,
            supplier,
            stored.route,
            titles[0],
            titles[1],
            stored.quantity,
            stored.unit_price,
            stored.baseline_unit_price,
            stored.notes,
            recorded_by,
            recorded_at,
            [ShareLine(c, names.get(c, c), a) for c, a in stored.shares.items()],
            describe_history(entries, names),
        )
