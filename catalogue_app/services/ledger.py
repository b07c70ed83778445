"""Reading the purchase ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import aliased

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.services.database import Database
from catalogue_app.services.dto import Row

P = m.Purchase


@dataclass(frozen=True)
class LedgerLine(Row):
    id: str
    order_date: date
    order_reference: str
    buyer: str
    product_code: str
    product: str
    supplier: str
    route: str
    quantity: int
    unit_price: Decimal
    baseline_unit_price: Decimal
    status: str

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def saving(self) -> Decimal:
        return (self.baseline_unit_price - self.unit_price) * self.quantity


@dataclass(frozen=True)
class Buyer:
    kind: str  # "force" or "collaboration"
    id: int
    code: str
    name: str


def find_buyer(session, code: str) -> Buyer:  # type: ignore[no-untyped-def]
    force = session.execute(
        select(m.Force.id, m.Force.name).where(m.Force.code == code)
    ).one_or_none()
    if force:
        return Buyer("force", force.id, code, force.name)
    collab = session.execute(
        select(m.Collaboration.id, m.Collaboration.name).where(m.Collaboration.code == code)
    ).one_or_none()
    if collab:
        return Buyer("collaboration", collab.id, code, collab.name)
    raise NotFoundError(f"no force or collaboration has the code “{code}”")


def ledger_statement(
    buyer: Buyer | None, start: date | None, end: date | None, status: str = "active"
) -> Select:
    fw = aliased(m.Framework)
    buyer_name = func.coalesce(m.Force.name, m.Collaboration.name)
    route = func.coalesce(fw.reference + literal(" lot ") + m.Lot.number, literal("off-framework"))
    stmt = (
        select(
            P.id,
            P.order_date,
            P.order_reference,
            buyer_name,
            m.Product.code,
            m.Product.name,
            m.Supplier.name,
            route,
            P.quantity,
            P.unit_price,
            P.baseline_unit_price,
            P.status,
        )
        .join(m.Product, P.product_id == m.Product.id)
        .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
        .outerjoin(m.Force, P.buyer_force_id == m.Force.id)
        .outerjoin(m.Collaboration, P.buyer_collaboration_id == m.Collaboration.id)
        .outerjoin(m.Lot, P.lot_id == m.Lot.id)
        .outerjoin(fw, m.Lot.framework_id == fw.id)
        .order_by(P.order_date, P.order_reference, P.id)
    )
    if status != "all":
        stmt = stmt.where(P.status == status)
    if start is not None:
        stmt = stmt.where(P.order_date >= start)
    if end is not None:
        stmt = stmt.where(P.order_date <= end)
    if buyer is not None and buyer.kind == "force":
        # a force's own purchases, and the joint purchases it has a share of
        shared = select(m.PurchaseShare.purchase_id).where(m.PurchaseShare.force_id == buyer.id)
        stmt = stmt.where(or_(P.buyer_force_id == buyer.id, P.id.in_(shared)))
    elif buyer is not None:
        stmt = stmt.where(P.buyer_collaboration_id == buyer.id)
    return stmt


class LedgerService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def lines(
        self,
        buyer_code: str | None = None,
        start: date | None = None,
        end: date | None = None,
        *,
        status: str = "active",
        limit: int | None = None,
    ) -> list[LedgerLine]:
        with self.db.transaction() as s:
            buyer = find_buyer(s, buyer_code) if buyer_code else None
            stmt = ledger_statement(buyer, start, end, status)
            if limit is not None:
                stmt = stmt.limit(limit)
            return [LedgerLine(*row) for row in s.execute(stmt)]
