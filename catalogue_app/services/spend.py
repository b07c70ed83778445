"""Spend and savings summaries over the purchase ledger, computed in SQL.

Spend is quantity × unit price; a saving is quantity × (baseline − unit price),
both summed in whole pence by the database, so totals are exact. Only active
(not voided) purchases count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, literal, select, union_all

from catalogue_app.db import models as m
from catalogue_app.domain.enums import BuyerKind, PurchaseStatus
from catalogue_app.services.database import Database
from catalogue_app.services.dto import Row
from catalogue_app.services.ledger.queries import SAVING, SPEND

P = m.Purchase


@dataclass(frozen=True)
class SpendLine(Row):
    code: str
    name: str
    kind: str
    purchases: int
    spend: Decimal
    savings: Decimal


def _active_between(stmt: Select, start: date | None, end: date | None) -> Select:
    stmt = stmt.where(P.status == PurchaseStatus.ACTIVE)
    if start is not None:
        stmt = stmt.where(P.order_date >= start)
    if end is not None:
        stmt = stmt.where(P.order_date <= end)
    return stmt


def spend_by_buyer_statement(start: date | None, end: date | None) -> Select:
    """One row per buyer (force or collaboration), biggest spend first."""
    per_buyer = _active_between(
        select(
            P.buyer_force_id.label("force_id"),
            P.buyer_collaboration_id.label("collaboration_id"),
            func.count().label("purchases"),
            SPEND.label("spend"),
            SAVING.label("savings"),
        ).group_by(P.buyer_force_id, P.buyer_collaboration_id),
        start,
        end,
    ).subquery()
    names = union_all(
        select(
            m.Force.id.label("force_id"),
            literal(None).label("collaboration_id"),
            m.Force.code,
            m.Force.name,
            literal(BuyerKind.FORCE.value).label("kind"),
        ),
        select(
            literal(None),
            m.Collaboration.id,
            m.Collaboration.code,
            m.Collaboration.name,
            literal(BuyerKind.COLLABORATION.value),
        ),
    ).subquery()
    return (
        select(
            names.c.code,
            names.c.name,
            names.c.kind,
            per_buyer.c.purchases,
            per_buyer.c.spend,
            per_buyer.c.savings,
        )
        .join(
            names,
            (func.coalesce(per_buyer.c.force_id, -1) == func.coalesce(names.c.force_id, -1))
            & (
                func.coalesce(per_buyer.c.collaboration_id, -1)
                == func.coalesce(names.c.collaboration_id, -1)
            ),
        )
        .order_by(per_buyer.c.spend.desc(), names.c.code)
    )


def spend_by_category_statement(start: date | None, end: date | None) -> Select:
    return _active_between(
        select(
            m.Category.cpv_code.label("code"),
            m.Category.label.label("name"),
            m.Category.group_name.label("kind"),
            func.count().label("purchases"),
            SPEND.label("spend"),
            SAVING.label("savings"),
        )
        .select_from(P)
        .join(m.Product, P.product_id == m.Product.id)
        .join(m.Category, m.Product.category_id == m.Category.id)
        .group_by(m.Category.cpv_code, m.Category.label, m.Category.group_name)
        .order_by(SPEND.desc(), m.Category.cpv_code),
        start,
        end,
    )


class SpendService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def by_buyer(self, start: date | None = None, end: date | None = None) -> list[SpendLine]:
        with self.db.reading() as s:
            return [SpendLine(*row) for row in s.execute(spend_by_buyer_statement(start, end))]

    def by_category(self, start: date | None = None, end: date | None = None) -> list[SpendLine]:
        with self.db.reading() as s:
            return [SpendLine(*row) for row in s.execute(spend_by_category_statement(start, end))]
