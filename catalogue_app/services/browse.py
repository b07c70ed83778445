"""What the catalogue browser's detail panes show, beyond the product record itself."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalogue_app.db import models as m
from catalogue_app.domain.enums import BuyerKind, PurchaseStatus
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.domain.money import round_money
from catalogue_app.domain.periods import FinancialYear
from catalogue_app.services.database import Database
from catalogue_app.services.dto import Row
from catalogue_app.services.ledger.queries import SAVING, SPEND, find_buyer

P = m.Purchase


@dataclass(frozen=True)
class PriceStats(Row):
    """What forces paid for a product: aggregates only, never another force's line items."""

    purchases: int
    forces: int
    lowest: Decimal | None
    median: Decimal | None
    highest: Decimal | None
    last_purchase: date | None


@dataclass(frozen=True)
class LotInfo(Row):
    number: str
    title: str
    direct_award: bool
    further_competition: bool
    suppliers: list[str]
    offers: int


@dataclass(frozen=True)
class FrameworkDetail(Row):
    reference: str
    title: str
    owner: str
    agreement_type: str
    start_date: date
    end_date: date
    effective_end: date
    latest_possible_end: date
    days_left: int
    extensions_left: int
    extension_months: int
    max_value: Decimal | None
    call_off_spend: Decimal
    headroom: Decimal | None
    description: str
    source: str
    illustrative: bool
    lots: list[LotInfo]
    products: list[tuple[str, str]]  # (code, name), first few
    product_count: int


@dataclass(frozen=True)
class SupplierRow(Row):
    code: str
    name: str
    status: str
    products: int
    lots: int
    illustrative: bool


@dataclass(frozen=True)
class BuyerDetail(Row):
    code: str
    name: str
    kind: str
    members: list[tuple[str, str, date]] = field(default_factory=list)  # code, name, joined
    years: list[tuple[str, int, Decimal, Decimal]] = field(default_factory=list)
    # (financial year, purchases, spend, savings): this year and the last complete one
    champions_adopted: list[str] = field(default_factory=list)
    champions_not_adopted: list[str] = field(default_factory=list)


class BrowseService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def price_stats(self, product_code: str) -> PriceStats:
        with self.db.reading() as s:
            product_id = s.scalar(select(m.Product.id).where(m.Product.code == product_code))
            if product_id is None:
                raise NotFoundError(f"no product has the code “{product_code}”")
            rows = s.execute(
                select(P.unit_price, P.order_date, P.buyer_force_id, P.id).where(
                    P.product_id == product_id, P.status == PurchaseStatus.ACTIVE
                )
            ).all()
            forces = {r.buyer_force_id for r in rows if r.buyer_force_id is not None}
            joint = [r.id for r in rows if r.buyer_force_id is None]
            for start in range(0, len(joint), 500):
                forces.update(
                    s.scalars(
                        select(m.PurchaseShare.force_id)
                        .where(m.PurchaseShare.purchase_id.in_(joint[start : start + 500]))
                        .distinct()
                    )
                )
        if not rows:
            return PriceStats(0, 0, None, None, None, None)
        prices = sorted(r.unit_price for r in rows)
        return PriceStats(
            len(rows),
            len(forces),
            prices[0],
            round_money(statistics.median(prices)),
            prices[-1],
            max(r.order_date for r in rows),
        )

    def framework_detail(self, reference: str, today: date | None = None) -> FrameworkDetail:
        today = today or date.today()
        with self.db.reading() as s:
            fw = s.scalar(
                select(m.Framework)
                .where(m.Framework.reference == reference)
                .options(selectinload(m.Framework.lots).selectinload(m.Lot.suppliers))
            )
            if fw is None:
                raise NotFoundError(f"no framework has the reference “{reference}”")
            lot_ids = [lot.id for lot in fw.lots]
            offers = dict(
                s.execute(
                    select(m.Offer.lot_id, func.count())
                    .where(m.Offer.lot_id.in_(lot_ids))
                    .group_by(m.Offer.lot_id)
                ).all()
            )
            spend = s.scalar(
                select(SPEND).where(P.lot_id.in_(lot_ids), P.status == PurchaseStatus.ACTIVE)
            ) or Decimal("0.00")
            offered = (
                select(m.Offer.product_id).where(m.Offer.lot_id.in_(lot_ids)).distinct()
            ).subquery()
            product_count = s.scalar(select(func.count()).select_from(offered)) or 0
            products = s.execute(
                select(m.Product.code, m.Product.name)
                .where(m.Product.id.in_(select(offered)))
                .order_by(m.Product.name)
                .limit(25)
            ).all()
            term = fw.term
            return FrameworkDetail(
                fw.reference,
                fw.title,
                fw.owner,
                fw.agreement_type,
                fw.start_date,
                fw.end_date,
                term.effective_end,
                term.latest_possible_end,
                (term.effective_end - today).days,
                term.extensions_left,
                fw.extension_months,
                fw.max_value,
                spend,
                fw.max_value - spend if fw.max_value is not None else None,
                fw.description,
                fw.source,
                fw.illustrative,
                [
                    LotInfo(
                        lot.number,
                        lot.title,
                        lot.direct_award,
                        lot.further_competition,
                        sorted(sup.name for sup in lot.suppliers),
                        offers.get(lot.id, 0),
                    )
                    for lot in fw.lots
                ],
                [(c, n) for c, n in products],
                product_count,
            )

    def list_suppliers(self) -> list[SupplierRow]:
        with self.db.reading() as s:
            products = dict(
                s.execute(
                    select(m.Product.supplier_id, func.count()).group_by(m.Product.supplier_id)
                ).all()
            )
            lots = dict(
                s.execute(
                    select(m.lot_suppliers.c.supplier_id, func.count()).group_by(
                        m.lot_suppliers.c.supplier_id
                    )
                ).all()
            )
            return [
                SupplierRow(
                    sup.code,
                    sup.name,
                    sup.status,
                    products.get(sup.id, 0),
                    lots.get(sup.id, 0),
                    sup.illustrative,
                )
                for sup in s.scalars(select(m.Supplier).order_by(m.Supplier.name))
            ]

    def buyer_detail(self, code: str, today: date | None = None) -> BuyerDetail:
        fy = FinancialYear.containing(today or date.today())
        with self.db.reading() as s:
            buyer = find_buyer(s, code)
            members: list[tuple[str, str, date]] = []
            if buyer.kind is BuyerKind.COLLABORATION:
                members = [
                    (f.code, f.name, joined)
                    for f, joined in s.execute(
                        select(m.Force, m.CollaborationMember.joined_on)
                        .join(m.CollaborationMember, m.CollaborationMember.force_id == m.Force.id)
                        .where(m.CollaborationMember.collaboration_id == buyer.id)
                        .order_by(m.CollaborationMember.joined_on, m.Force.name)
                    )
                ]
            own = buyer.purchases_column
            years = []
            for year in (fy, FinancialYear(fy.start_year - 1)):
                count, spend, savings = s.execute(
                    select(func.count(), SPEND, SAVING).where(
                        own == buyer.id,
                        P.status == PurchaseStatus.ACTIVE,
                        P.order_date >= year.start,
                        P.order_date <= year.end,
                    )
                ).one()
                zero = Decimal("0.00")
                years.append((year.label, count, spend or zero, savings or zero))
            adopted = set(
                s.scalars(
                    select(m.Product.code)
                    .distinct()
                    .join(P, P.product_id == m.Product.id)
                    .where(
                        own == buyer.id,
                        P.status == PurchaseStatus.ACTIVE,
                        m.Product.status == "champion",
                    )
                )
            )
            champions = s.execute(
                select(m.Product.code, m.Product.name)
                .where(m.Product.status == "champion")
                .order_by(m.Product.name)
            ).all()
        return BuyerDetail(
            buyer.code,
            buyer.name,
            buyer.kind,
            members,
            years,
            [name for c, name in champions if c in adopted],
            [name for c, name in champions if c not in adopted],
        )
