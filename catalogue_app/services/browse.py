"""What the catalogue browser's detail panes show, beyond the product record itself."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, extract, func, or_, select, text, type_coerce
from sqlalchemy.orm import Session, selectinload

from catalogue_app.db import models as m
from catalogue_app.db.types import Money
from catalogue_app.domain.enums import BuyerKind, PurchaseStatus
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.domain.money import round_money
from catalogue_app.domain.periods import FinancialYear
from catalogue_app.services.database import Database
from catalogue_app.services.dto import Row
from catalogue_app.services.ledger.queries import SAVING, SPEND, Buyer, find_buyer

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
    withdrawn_on: date | None = None


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
    withdrawn_on: date | None = None
    withdrawn_reason: str = ""


@dataclass(frozen=True)
class SupplierRow(Row):
    code: str
    name: str
    status: str
    products: int
    lots: int
    illustrative: bool


@dataclass(frozen=True)
class MemberInfo(Row):
    """A force in a collaboration: when it joined (and left) and its officers."""

    code: str
    name: str
    joined_on: date
    left_on: date | None
    officer_fte: Decimal | None


@dataclass(frozen=True)
class Membership(Row):
    """A collaboration a force belongs to, or belonged to."""

    code: str
    name: str
    joined_on: date
    left_on: date | None


@dataclass(frozen=True)
class TargetYear(Row):
    """One financial year of a savings target: saved in the year and so far."""

    year: str
    saved: Decimal
    cumulative: Decimal


@dataclass(frozen=True)
class TargetProgress(Row):
    """A savings target and the savings recorded against it in its period."""

    buyer: str  # name of the force or collaboration whose target it is
    description: str
    period_start: date
    period_end: date
    amount: Decimal
    amount_upper: Decimal | None
    saved: Decimal
    years: list[TargetYear]
    source: str


@dataclass(frozen=True)
class Adoption(Row):
    """A champion product in use, and whose purchases put it in use: the buyer's own
    (``own``) and the collaborations it belongs to (``through``)."""

    code: str
    name: str
    own: bool
    through: list[str]


@dataclass(frozen=True)
class BuyerDetail(Row):
    code: str
    name: str
    kind: str
    members: list[MemberInfo] = field(default_factory=list)
    years: list[tuple[str, int, Decimal, Decimal]] = field(default_factory=list)
    # (financial year, purchases, spend, savings) of its own purchases, every year from
    # the first purchase to this one, newest first
    champions_adopted: list[Adoption] = field(default_factory=list)
    champions_not_adopted: list[str] = field(default_factory=list)
    region: str | None = None
    officer_fte: Decimal | None = None  # a force's officers; a collaboration's current members'
    memberships: list[Membership] = field(default_factory=list)
    joint_shares: dict[str, Decimal] = field(default_factory=dict)
    # a force's share of its collaborations' joint purchases, by financial year
    targets: list[TargetProgress] = field(default_factory=list)
    current_year: str = ""  # the financial year that is not yet over
    force_kind: str | None = None  # territorial, national or special
    lead_force: str | None = None  # a collaboration's lead force, by name
    description: str = ""


@dataclass(frozen=True)
class SupplierLot(Row):
    framework: str
    framework_title: str
    lot: str
    lot_title: str
    ends: date


@dataclass(frozen=True)
class SupplierBuyer(Row):
    name: str
    purchases: int
    spend: Decimal


@dataclass(frozen=True)
class SupplierDetail(Row):
    code: str
    name: str
    status: str
    companies_house_number: str | None
    source: str
    illustrative: bool
    products: list[tuple[str, str, str]]  # (code, name, catalogue status)
    lots: list[SupplierLot]
    buyers: list[SupplierBuyer]  # the forces and collaborations buying most, by spend
    buyer_count: int
    years: list[tuple[str, int, Decimal]]  # (financial year, purchases, spend), newest first
    current_year: str
    status_reason: str = ""
    status_since: date | None = None


ZERO = Decimal("0.00")
BUYERS_LISTED = 10


def _financial_year(day: Any) -> Any:
    """The year a financial year starts in (1 April to 31 March), computed in SQL."""
    return extract("year", day) - case((extract("month", day) < 4, 1), else_=0)


def _year_label(start_year: int) -> str:
    return FinancialYear(start_year).label


def _year_span(first: int | None, last: int) -> list[int]:
    """Every financial year from ``first`` to ``last``, newest first."""
    return list(range(last, (last if first is None else min(first, last)) - 1, -1))


def _server_price_stats(s: Session, product_id: int) -> PriceStats:
    """What every force paid, from the server's own function (migration 0012): a login
    that may read only its own forces' purchases still gets the figures for all."""
    row = s.execute(
        text("SELECT * FROM catalogue_price_stats(:product)"), {"product": product_id}
    ).one()
    if not row.purchases:
        return PriceStats(0, 0, None, None, None, None)
    return PriceStats(
        int(row.purchases),
        int(row.forces),
        Decimal(row.lowest).scaleb(-2),  # whole pence to pounds
        round_money(Decimal(row.median).scaleb(-2)),
        Decimal(row.highest).scaleb(-2),
        row.last_purchase,
    )


class BrowseService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def price_stats(self, product_code: str) -> PriceStats:
        with self.db.reading() as s:
            product_id = s.scalar(select(m.Product.id).where(m.Product.code == product_code))
            if product_id is None:
                raise NotFoundError(f"no product has the code “{product_code}”")
            if self.db.backend == "postgresql":
                return _server_price_stats(s, product_id)
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
                        lot.withdrawn_on,
                    )
                    for lot in fw.lots
                ],
                [(c, n) for c, n in products],
                product_count,
                fw.withdrawn_on,
                fw.withdrawn_reason or "",
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

    def supplier_detail(self, code: str, today: date | None = None) -> SupplierDetail:
        """A supplier with its products, the framework lots it is on, who buys from it
        and what they spent with it each financial year."""
        fy = FinancialYear.containing(today or date.today())
        with self.db.reading() as s:
            supplier = s.scalar(select(m.Supplier).where(m.Supplier.code == code))
            if supplier is None:
                raise NotFoundError(f"no supplier has the code “{code}”")
            products = [
                (c, n, st)
                for c, n, st in s.execute(
                    select(m.Product.code, m.Product.name, m.Product.status)
                    .where(m.Product.supplier_id == supplier.id)
                    .order_by(m.Product.name)
                )
            ]
            lots = []
            for fw, number, title in s.execute(
                select(m.Framework, m.Lot.number, m.Lot.title)
                .join(m.Lot, m.Lot.framework_id == m.Framework.id)
                .join(m.lot_suppliers, m.lot_suppliers.c.lot_id == m.Lot.id)
                .where(m.lot_suppliers.c.supplier_id == supplier.id)
                .order_by(m.Framework.reference, m.Lot.number)
            ):
                lots.append(
                    SupplierLot(fw.reference, fw.title, number, title, fw.term.effective_end)
                )
            bought = P.product_id.in_(
                select(m.Product.id).where(m.Product.supplier_id == supplier.id)
            )
            active = P.status == PurchaseStatus.ACTIVE
            buyer_name = func.coalesce(m.Force.name, m.Collaboration.name)
            by_buyer = (
                select(buyer_name.label("buyer"), func.count().label("n"), SPEND.label("spend"))
                .outerjoin(m.Force, P.buyer_force_id == m.Force.id)
                .outerjoin(m.Collaboration, P.buyer_collaboration_id == m.Collaboration.id)
                .where(bought, active)
                .group_by(buyer_name)
                .subquery("by_buyer")
            )
            buyer_count = s.scalar(select(func.count()).select_from(by_buyer)) or 0
            buyers = [
                SupplierBuyer(name, n, spend or ZERO)
                for name, n, spend in s.execute(
                    select(by_buyer.c.buyer, by_buyer.c.n, by_buyer.c.spend)
                    .order_by(by_buyer.c.spend.desc(), by_buyer.c.buyer)
                    .limit(BUYERS_LISTED)
                )
            ]
            year = _financial_year(P.order_date)
            per_year = {
                int(y): (n, spend or ZERO)
                for y, n, spend in s.execute(
                    select(year, func.count(), SPEND).where(bought, active).group_by(year)
                )
            }
        years = (
            [
                (_year_label(y), *per_year.get(y, (0, ZERO)))
                for y in _year_span(min(per_year), fy.start_year)
            ]
            if per_year
            else []
        )
        return SupplierDetail(
            supplier.code,
            supplier.name,
            supplier.status,
            supplier.companies_house_number,
            supplier.source,
            supplier.illustrative,
            products,
            lots,
            buyers,
            buyer_count,
            years,
            fy.label,
            supplier.status_reason or "",
            supplier.status_since,
        )

    def buyer_detail(self, code: str, today: date | None = None) -> BuyerDetail:
        """A force or collaboration: members or memberships, its purchases in every
        financial year, its savings targets' progress and the champions it uses."""
        today = today or date.today()
        fy = FinancialYear.containing(today)
        with self.db.reading() as s:
            buyer = find_buyer(s, code)
            is_force = buyer.kind is BuyerKind.FORCE
            members = [] if is_force else self._members(s, buyer.id)
            memberships = self._memberships(s, buyer.id) if is_force else []
            region, officers, force_kind, lead, description = None, None, None, None, ""
            if is_force:
                region, officers, force_kind = s.execute(
                    select(m.Region.name, m.Force.officer_fte, m.Force.kind)
                    .select_from(m.Force)
                    .outerjoin(m.Region, m.Force.region_id == m.Region.id)
                    .where(m.Force.id == buyer.id)
                ).one()
            else:
                lead, description = s.execute(
                    select(m.Force.name, m.Collaboration.description)
                    .select_from(m.Collaboration)
                    .outerjoin(m.Force, m.Collaboration.lead_force_id == m.Force.id)
                    .where(m.Collaboration.id == buyer.id)
                ).one()
                current = [
                    x.officer_fte for x in members if x.left_on is None or x.left_on >= today
                ]
                if current and all(v is not None for v in current):
                    officers = sum((v for v in current if v is not None), Decimal("0"))
            own = buyer.purchases_column == buyer.id
            per_year = self._by_year(s, own)
            shares: dict[int, Decimal] = {}
            if is_force:
                year = _financial_year(P.order_date)
                shares = {
                    int(y): amount or ZERO
                    for y, amount in s.execute(
                        select(year, type_coerce(func.sum(m.PurchaseShare.amount), Money()))
                        .join(P, P.id == m.PurchaseShare.purchase_id)
                        .where(
                            m.PurchaseShare.force_id == buyer.id,
                            P.status == PurchaseStatus.ACTIVE,
                            P.buyer_collaboration_id.is_not(None),
                        )
                        .group_by(year)
                    )
                }
            targets = self._targets(s, buyer, [x.code for x in memberships])
            adopted = self._adoption(s, buyer)
            champions = s.execute(
                select(m.Product.code, m.Product.name)
                .where(m.Product.status == "champion")
                .order_by(m.Product.name)
            ).all()
        first = min([*per_year, *shares], default=None)
        years = [
            (_year_label(y), *per_year.get(y, (0, ZERO, ZERO)))
            for y in _year_span(first, fy.start_year)
        ]
        return BuyerDetail(
            buyer.code,
            buyer.name,
            buyer.kind,
            members,
            years,
            [Adoption(c, n, adopted[c][0], adopted[c][1]) for c, n in champions if c in adopted],
            [n for c, n in champions if c not in adopted],
            region,
            officers,
            memberships,
            {_year_label(y): amount for y, amount in shares.items()},
            targets,
            fy.label,
            force_kind,
            lead,
            description or "",
        )

    @staticmethod
    def _members(s: Session, collaboration_id: int) -> list[MemberInfo]:
        return [
            MemberInfo(code, name, joined, left, fte)
            for code, name, joined, left, fte in s.execute(
                select(
                    m.Force.code,
                    m.Force.name,
                    m.CollaborationMember.joined_on,
                    m.CollaborationMember.left_on,
                    m.Force.officer_fte,
                )
                .join(m.CollaborationMember, m.CollaborationMember.force_id == m.Force.id)
                .where(m.CollaborationMember.collaboration_id == collaboration_id)
                .order_by(m.CollaborationMember.joined_on, m.Force.name)
            )
        ]

    @staticmethod
    def _memberships(s: Session, force_id: int) -> list[Membership]:
        return [
            Membership(code, name, joined, left)
            for code, name, joined, left in s.execute(
                select(
                    m.Collaboration.code,
                    m.Collaboration.name,
                    m.CollaborationMember.joined_on,
                    m.CollaborationMember.left_on,
                )
                .join(
                    m.CollaborationMember,
                    m.CollaborationMember.collaboration_id == m.Collaboration.id,
                )
                .where(m.CollaborationMember.force_id == force_id)
                .order_by(m.Collaboration.name)
            )
        ]

    @staticmethod
    def _by_year(s: Session, *where: Any) -> dict[int, tuple[int, Decimal, Decimal]]:
        """Active purchases' count, spend and savings by financial year."""
        year = _financial_year(P.order_date)
        return {
            int(y): (n, spend or ZERO, saving or ZERO)
            for y, n, spend, saving in s.execute(
                select(year, func.count(), SPEND, SAVING)
                .where(P.status == PurchaseStatus.ACTIVE, *where)
                .group_by(year)
            )
        }

    def _targets(self, s: Session, buyer: Buyer, collaborations: list[str]) -> list[TargetProgress]:
        """The buyer's savings targets and, for a force, its collaborations': each with
        the savings its own buyer recorded in the target's period, year by year."""
        T = m.SavingsTarget
        owner = func.coalesce(m.Force.name, m.Collaboration.name)
        stmt = (
            select(T, owner)
            .outerjoin(m.Force, T.buyer_force_id == m.Force.id)
            .outerjoin(m.Collaboration, T.buyer_collaboration_id == m.Collaboration.id)
            .order_by(T.period_start, owner)
        )
        if buyer.kind is BuyerKind.FORCE:
            stmt = stmt.where(
                or_(T.buyer_force_id == buyer.id, m.Collaboration.code.in_(collaborations))
            )
        else:
            stmt = stmt.where(T.buyer_collaboration_id == buyer.id)
        result = []
        for target, name in s.execute(stmt).all():
            own = (
                P.buyer_force_id == target.buyer_force_id
                if target.buyer_force_id is not None
                else P.buyer_collaboration_id == target.buyer_collaboration_id
            )
            per_year = self._by_year(
                s, own, P.order_date >= target.period_start, P.order_date <= target.period_end
            )
            first = FinancialYear.containing(target.period_start).start_year
            last = FinancialYear.containing(target.period_end).start_year
            years, running = [], ZERO
            for y in range(first, last + 1):
                saved = per_year.get(y, (0, ZERO, ZERO))[2]
                running += saved
                years.append(TargetYear(_year_label(y), saved, running))
            result.append(
                TargetProgress(
                    name,
                    target.description,
                    target.period_start,
                    target.period_end,
                    target.amount,
                    target.amount_upper,
                    running,
                    years,
                    target.source,
                )
            )
        return result

    @staticmethod
    def _adoption(s: Session, buyer: Buyer) -> dict[str, tuple[bool, list[str]]]:
        """Champion products in use by the buyer: bought by itself, or for a force also
        bought jointly with it or by a collaboration while it was a member.
        Returns product code -> (bought itself, collaborations that bought it)."""
        champion = and_(P.status == PurchaseStatus.ACTIVE, m.Product.status == "champion")
        stmt = (
            select(m.Product.code, m.Collaboration.name)
            .distinct()
            .join(P, P.product_id == m.Product.id)
            .outerjoin(m.Collaboration, P.buyer_collaboration_id == m.Collaboration.id)
        )
        if buyer.kind is BuyerKind.FORCE:
            Member = m.CollaborationMember
            member_then = exists().where(
                Member.collaboration_id == P.buyer_collaboration_id,
                Member.force_id == buyer.id,
                Member.joined_on <= P.order_date,
                or_(Member.left_on.is_(None), Member.left_on >= P.order_date),
            )
            shared = exists().where(
                m.PurchaseShare.purchase_id == P.id, m.PurchaseShare.force_id == buyer.id
            )
            stmt = stmt.where(champion, or_(P.buyer_force_id == buyer.id, shared, member_then))
        else:
            stmt = stmt.where(champion, P.buyer_collaboration_id == buyer.id)
        adopted: dict[str, tuple[bool, list[str]]] = {}
        for code, collaboration in s.execute(stmt):
            own, through = adopted.get(code, (False, []))
            if collaboration is None or buyer.kind is BuyerKind.COLLABORATION:
                own = True
            elif collaboration not in through:
                through = sorted([*through, collaboration])
            adopted[code] = (own, through)
        return adopted
