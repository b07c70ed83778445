"""The Home dashboard's figures for one buyer and period, as plain data.

The key figures are the briefing's summary (:func:`~catalogue_app.services.briefing.
summary_figures`) and the savings against target follow the briefing's rule (every target
whose period overlaps the one chosen), so the dashboard and a briefing for the same buyer
and period agree to the penny. Everything else is summed by the database over the same
purchases a ledger export gives: a force's own purchases and the joint purchases it shares.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    case,
    extract,
    func,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.db.types import Money
from catalogue_app.domain.enums import BuyerKind, PurchaseStatus
from catalogue_app.domain.money import round_money
from catalogue_app.domain.periods import FinancialYear
from catalogue_app.domain.pricing import add_months
from catalogue_app.services.briefing import (
    BriefingService,
    SummaryFigures,
    TargetProgress,
    day_text,
    previous_period,
    scope_parts,
    summary_figures,
)
from catalogue_app.services.database import Database
from catalogue_app.services.ledger import SPEND, Buyer, find_buyer

P = m.Purchase
ZERO = Decimal("0.00")
TOP_CATEGORIES = 8  # the rest of the spend is one "Other" band
YEARS_SHOWN = 5  # financial years in the spend chart, ending with the period's
HORIZON_MONTHS = 24  # how far ahead the renewal horizon looks
TOP_SUPPLIERS = 10
# A force depends on a supplier for a category when the supplier has at least this share
# of the force's spend on the category in the period (and that spend is not trivial).
DEPENDENCY_SHARE = Decimal("0.5")
DEPENDENCY_FLOOR = Decimal("1000.00")
OTHER = "Other"


@dataclass(frozen=True)
class Figure:
    """A key-figure tile: this period, the previous one of the same length."""

    label: str
    value: Decimal
    previous: Decimal
    kind: str  # "money", "count" or "percent"

    @property
    def change(self) -> Decimal:
        return self.value - self.previous


@dataclass(frozen=True)
class CategoryBand:
    code: str | None  # CPV code; None for "Other"
    label: str


@dataclass(frozen=True)
class SpendByYear:
    """Spend per financial year, one band per category (the top eight, then "Other")."""

    years: list[FinancialYear]
    bands: list[CategoryBand]
    spend: list[list[Decimal]]  # [year][band]

    def largest(self, year: FinancialYear) -> CategoryBand | None:
        """The category with the most spend in ``year`` ("Other" never counts)."""
        row = self.spend[self.years.index(year)]
        named = [(v, n) for n, (v, b) in enumerate(zip(row, self.bands, strict=True)) if b.code]
        value, index = max(named, default=(ZERO, -1))
        return self.bands[index] if value > 0 else None


@dataclass(frozen=True)
class SavingsAgainstTarget:
    """The target in force in the period, or the sentence saying there is none."""

    target: TargetProgress | None
    trajectory: list[tuple[date, Decimal]]  # the target spread evenly, month by month
    others: int  # further targets overlapping the period
    message: str


@dataclass(frozen=True)
class Renewal:
    """A framework the buyer has bought through: its term, options and headroom."""

    reference: str
    title: str
    lots: tuple[str, ...]
    start: date
    ends: date  # with the extensions already taken
    latest_end: date  # if every remaining extension is taken
    extensions_left: int
    extension_months: int
    max_value: Decimal | None
    spent: Decimal  # by every buyer through the framework
    last_bought: date  # by this buyer
    expired_in_use: bool  # ended, yet the buyer bought through it in the period

    @property
    def headroom(self) -> Decimal | None:
        return None if self.max_value is None else self.max_value - self.spent


@dataclass(frozen=True)
class SupplierShare:
    code: str
    name: str
    spend: Decimal
    share: Decimal  # percent of the buyer's spend, to 0.1


@dataclass(frozen=True)
class Dependency:
    """A supplier that several forces depend on for one category."""

    supplier: str
    category: str
    forces: tuple[str, ...]  # force names


@dataclass(frozen=True)
class Concentration:
    spend: Decimal
    top: list[SupplierShare]
    hhi: int  # Herfindahl–Hirschman index, 0 to 10,000
    dependencies: list[Dependency]
    dependent_forces: int  # how many forces make "several" here

    @property
    def top_share(self) -> Decimal:
        return sum((s.share for s in self.top), Decimal("0.0"))

    @property
    def hhi_label(self) -> str:
        """The usual reading of the index (competition authorities' thresholds)."""
        if self.hhi >= 2500:
            return "highly concentrated"
        if self.hhi >= 1500:
            return "moderately concentrated"
        return "not concentrated"


@dataclass(frozen=True)
class ForceAdoption:
    code: str
    name: str
    purchases: int  # of the champion, in the period
    spend: Decimal  # the force's own spend and shares, in the period
    first_bought: date | None  # None: not adopted by the end of the period


@dataclass(frozen=True)
class Adoption:
    product_code: str | None
    product_name: str
    champions: list[tuple[str, str]]  # (code, name) of every champion product
    forces: list[ForceAdoption]
    buyer_forces: tuple[str, ...]  # codes of the forces the buyer is or contains

    @property
    def adopted(self) -> int:
        return sum(1 for f in self.forces if f.first_bought is not None)


@dataclass
class Dashboard:
    buyer_code: str
    buyer_name: str
    buyer_kind: str
    start: date
    end: date
    today: date
    summary: SummaryFigures
    figures: list[Figure] = field(default_factory=list)
    spend_by_year: SpendByYear | None = None
    savings: SavingsAgainstTarget | None = None
    renewals: list[Renewal] = field(default_factory=list)
    concentration: Concentration | None = None
    adoption: Adoption | None = None

    @property
    def period_label(self) -> str:
        return period_label(self.start, self.end)

    def with_panels(self, panels: Panels) -> Dashboard:
        """This board with the slower half filled in (read for the same buyer and period)."""
        self.renewals = panels.renewals
        self.concentration = panels.concentration
        self.adoption = panels.adoption
        return self

    def matches(self, panels: Panels) -> bool:
        """Whether ``panels`` were read for this board's buyer and period."""
        return (panels.buyer_code, panels.start, panels.end) == (
            self.buyer_code,
            self.start,
            self.end,
        )

    @property
    def previous_label(self) -> str:
        return period_label(*previous_period(self.start, self.end))


def period_label(start: date, end: date) -> str:
    """ "2025/26" for a whole financial year, else "1 Apr 2025 to 30 Nov 2025"."""
    fy = FinancialYear.containing(start)
    if (start, end) == (fy.start, fy.end):
        return fy.label
    return f"{day_text(start)} to {day_text(end)}"


def financial_year_of(day: Any) -> ColumnElement[int]:
    return extract("year", day) - case((extract("month", day) < 4, 1), else_=0)


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal("0.0")


@dataclass(frozen=True)
class Panels:
    """Home's slower half: the renewal horizon, supplier concentration and champion map."""

    buyer_code: str
    start: date
    end: date
    renewals: list[Renewal]
    concentration: Concentration
    adoption: Adoption


class DashboardService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._briefing = BriefingService(db)

    def build(
        self, buyer_code: str, start: date, end: date, *, today: date, champion: str | None = None
    ) -> Dashboard:
        """Every figure and chart of Home for the buyer and period, read in one transaction."""
        with self.db.reading() as s:
            board = self._overview(s, buyer_code, start, end, today)
            panels = self._panels(s, buyer_code, start, end, today, champion)
        return board.with_panels(panels)

    def overview(self, buyer_code: str, start: date, end: date, *, today: date) -> Dashboard:
        """The key figures, spend by year and savings against target (the quick half)."""
        with self.db.reading() as s:
            return self._overview(s, buyer_code, start, end, today)

    def panels(
        self, buyer_code: str, start: date, end: date, *, today: date, champion: str | None = None
    ) -> Panels:
        """Renewals, supplier concentration and champion adoption (the slower half)."""
        with self.db.reading() as s:
            return self._panels(s, buyer_code, start, end, today, champion)

    def _overview(
        self, s: Session, buyer_code: str, start: date, end: date, today: date
    ) -> Dashboard:
        buyer = find_buyer(s, buyer_code, with_members=True)
        summary = summary_figures(s, buyer, start, end)
        board = Dashboard(
            buyer.code, buyer.name, buyer.kind, start, end, today, summary, _figures(summary)
        )
        board.spend_by_year = _spend_by_year(s, buyer, end)
        board.savings = self._savings(s, buyer, start, end)
        return board

    def _panels(
        self,
        s: Session,
        buyer_code: str,
        start: date,
        end: date,
        today: date,
        champion: str | None,
    ) -> Panels:
        buyer = find_buyer(s, buyer_code, with_members=True)
        return Panels(
            buyer.code,
            start,
            end,
            _renewals(s, buyer, start, end, today),
            _concentration(s, buyer, start, end),
            _adoption(s, buyer, start, end, champion),
        )

    def adoption(self, buyer_code: str, start: date, end: date, champion: str | None) -> Adoption:
        """The champion tile map alone (when another champion is chosen)."""
        with self.db.reading() as s:
            buyer = find_buyer(s, buyer_code, with_members=True)
            return _adoption(s, buyer, start, end, champion)

    def _savings(self, s: Session, buyer: Buyer, start: date, end: date) -> SavingsAgainstTarget:
        # the briefing's rule and figures: every target whose period overlaps this one
        targets = self._briefing._targets(s, buyer, start, end, set())
        if not targets:
            return SavingsAgainstTarget(
                None,
                [],
                0,
                f"No savings target covers {period_label(start, end)} for {buyer.name}.",
            )
        target = targets[-1]  # the latest to start is the one in force at the period's end
        days = (target.end - target.start).days + 1
        trajectory = [(target.start, ZERO)]
        for month_end, _ in target.cumulative:
            elapsed = (month_end - target.start).days + 1
            trajectory.append((month_end, round_money(target.amount * elapsed / days)))
        return SavingsAgainstTarget(target, trajectory, len(targets) - 1, "")


def _figures(f: SummaryFigures) -> list[Figure]:
    return [
        Figure("Spend", f.spend, f.previous_spend, "money"),
        Figure("Savings realised", f.savings, f.previous_savings, "money"),
        Figure(
            "Through frameworks",
            _percent(f.framework_spend, f.spend),
            _percent(f.previous_framework_spend, f.previous_spend),
            "percent",
        ),
        Figure("Purchases", Decimal(f.purchases), Decimal(f.previous_purchases), "count"),
    ]


def _rows(
    s: Session, stmt: Select[Any] | Any, buyer: Buyer, start: date | None, end: date | None
) -> list[Any]:
    """``stmt`` run over each part of the buyer's purchases in the period (see
    :func:`~catalogue_app.services.briefing.scope_parts`), the rows of every part together."""
    return [row for part in scope_parts(buyer, start, end) for row in s.execute(stmt.where(part))]


def _spend_by_year(s: Session, buyer: Buyer, end: date) -> SpendByYear:
    last = FinancialYear.containing(end)
    years = [
        FinancialYear(y) for y in range(last.start_year - YEARS_SHOWN + 1, last.start_year + 1)
    ]
    year = financial_year_of(P.order_date)
    rows = _rows(
        s,
        select(year, m.Product.category_id, SPEND)
        .join(m.Product, P.product_id == m.Product.id)
        .group_by(year, m.Product.category_id),
        buyer,
        years[0].start,
        years[-1].end,
    )
    by_category: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for _y, category, spend in rows:
        by_category[category] += spend or ZERO
    ranked = sorted(by_category, key=lambda c: -by_category[c])
    top = [c for c in ranked if by_category[c] > 0][:TOP_CATEGORIES]
    named = {
        cid: CategoryBand(code, label)
        for cid, code, label in s.execute(
            select(m.Category.id, m.Category.cpv_code, m.Category.label).where(
                m.Category.id.in_(top)
            )
        )
    }
    bands = [named[c] for c in top]
    has_other = len(ranked) > len(top)
    if has_other:
        bands.append(CategoryBand(None, OTHER))
    index = {c: n for n, c in enumerate(top)}
    spend = [[ZERO] * len(bands) for _ in years]
    starts = [y.start_year for y in years]
    for fy, category, amount in rows:
        column = index.get(category, len(top))
        spend[starts.index(int(fy))][column] += amount or ZERO
    return SpendByYear(years, bands, spend)


def _renewals(s: Session, buyer: Buyer, start: date, end: date, today: date) -> list[Renewal]:
    """The frameworks the buyer has bought through that end within the horizon, and those
    that have ended yet were bought through in the period."""
    # grouped by lot over the index the buyer's purchases are read from: a condition on
    # the lot column, or grouping by it bare, makes SQLite read them through the lot
    # index instead, every buyer's; purchases off framework are group 0
    lot = func.coalesce(P.lot_id, 0)
    by_lot: dict[int, date] = {}
    for lot_id, latest in _rows(
        s, select(lot, func.max(P.order_date)).group_by(lot), buyer, None, None
    ):
        if lot_id:
            by_lot[lot_id] = max(latest, by_lot.get(lot_id, latest))
    lots: dict[int, list[str]] = defaultdict(list)
    last: dict[int, date] = {}
    framework_of: dict[Any, int] = {}
    for lot_id, framework_id, number in s.execute(
        select(m.Lot.id, m.Lot.framework_id, m.Lot.number)
    ):
        framework_of[lot_id] = framework_id
        if lot_id in by_lot:
            latest = by_lot[lot_id]
            lots[framework_id].append(number)
            last[framework_id] = max(latest, last.get(framework_id, latest))
    horizon = add_months(today, HORIZON_MONTHS)
    chosen = []
    for fw in s.scalars(select(m.Framework).where(m.Framework.id.in_(list(lots)))):
        term = fw.term
        ending = today <= term.effective_end <= horizon
        expired_in_use = term.effective_end < today and last[fw.id] >= start
        if ending or expired_in_use:
            chosen.append((fw, term, expired_in_use))
    # all spend through each capped framework, lot by lot from the (lot, status) index
    capped = {fw.id for fw, _, _ in chosen if fw.max_value is not None}
    spent: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for capped_lot, amount in s.execute(
        select(P.lot_id, SPEND)
        .where(
            P.lot_id.in_([lot for lot, fw in framework_of.items() if fw in capped]),
            P.status == PurchaseStatus.ACTIVE,
        )
        .group_by(P.lot_id)
    ):
        spent[framework_of[capped_lot]] += amount or ZERO
    result = [
        Renewal(
            fw.reference,
            fw.title,
            tuple(sorted(lots[fw.id], key=lambda n: (len(n), n))),
            fw.start_date,
            term.effective_end,
            term.latest_possible_end,
            term.extensions_left,
            fw.extension_months,
            fw.max_value,
            spent.get(fw.id) or ZERO,
            last[fw.id],
            expired,
        )
        for fw, term, expired in chosen
    ]
    return sorted(result, key=lambda r: (r.ends, r.reference))


def _concentration(s: Session, buyer: Buyer, start: date, end: date) -> Concentration:
    summed: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for code, name, spend in _rows(
        s,
        select(m.Supplier.code, m.Supplier.name, SPEND)
        .select_from(P)
        .join(m.Product, P.product_id == m.Product.id)
        .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
        .group_by(m.Supplier.code, m.Supplier.name),
        buyer,
        start,
        end,
    ):
        summed[(code, name)] += spend or ZERO
    rows = [(code, name, spend) for (code, name), spend in summed.items()]
    total = sum((spend or ZERO for _c, _n, spend in rows), ZERO)
    ranked = sorted(rows, key=lambda r: (-(r[2] or ZERO), r[1]))
    top = [SupplierShare(c, n, v or ZERO, _percent(v or ZERO, total)) for c, n, v in ranked]
    hhi = 0
    if total > 0:
        squares = sum((((v or ZERO) * 100 / total) ** 2 for _c, _n, v in rows), ZERO)
        hhi = int(round_money(squares).to_integral())
    members = (
        {mb.force_id for mb in buyer.members} if buyer.kind is BuyerKind.COLLABORATION else None
    )
    several = 2 if members is not None else 3
    # a force: the dependencies it shares with other forces
    of = buyer.id if members is None else None
    dependencies = _dependencies(s, start, end, members, several, of)
    return Concentration(total, top[:TOP_SUPPLIERS], hhi, dependencies, several)


def _dependent(
    s: Session, start: date, end: date, forces: set[int] | None, categories: set[int] | None
) -> dict[tuple[int, int], list[int]]:
    """(supplier id, category id) → the forces (of ``forces``, None for all) that spent at
    least :data:`DEPENDENCY_FLOOR` on the category in the period, at least
    :data:`DEPENDENCY_SHARE` of it with the supplier. Summed and ranked by the database:
    each buyer's purchases come from its (buyer, order date, …) index, one buyer after
    another, and only each force's largest supplier per category comes back."""
    product, share = m.Product, m.PurchaseShare
    in_period = [P.status == PurchaseStatus.ACTIVE, P.order_date >= start, P.order_date <= end]
    if categories is not None:
        in_period.append(
            P.product_id.in_(select(product.id).where(product.category_id.in_(categories)))
        )
    ids = set(s.scalars(select(m.Force.id))) if forces is None else forces
    own = select(
        P.buyer_force_id.label("force_id"),
        P.product_id.label("product_id"),
        (P.quantity * P.unit_price).label("pence"),
    ).where(P.buyer_force_id.in_(ids), *in_period)
    # the forces' shares of joint purchases, found from the collaborations' purchases
    shared = (
        select(share.force_id, P.product_id, share.amount)
        .select_from(P)
        .join(share, share.purchase_id == P.id)
        .where(
            P.buyer_collaboration_id.in_(select(m.Collaboration.id).scalar_subquery()),
            *in_period,
            share.force_id.in_(ids),
        )
    )
    bought = union_all(own, shared).subquery()
    grouped = (
        select(
            bought.c.force_id,
            product.category_id,
            product.supplier_id,
            type_coerce(func.sum(bought.c.pence), BigInteger()).label("pence"),
        )
        .join(product, product.id == bought.c.product_id)
        .group_by(bought.c.force_id, product.category_id, product.supplier_id)
        .subquery()
    )
    per_category = (grouped.c.force_id, grouped.c.category_id)
    ranked = select(
        grouped,
        func.sum(grouped.c.pence).over(partition_by=per_category).label("total"),
        func.row_number()
        .over(
            partition_by=per_category,
            order_by=(grouped.c.pence.desc(), grouped.c.supplier_id),
        )
        .label("place"),
    ).subquery()
    share_1000 = int(DEPENDENCY_SHARE * 1000)
    stmt = select(ranked.c.supplier_id, ranked.c.category_id, ranked.c.force_id).where(
        ranked.c.place == 1,
        ranked.c.total >= int(DEPENDENCY_FLOOR * 100),
        ranked.c.pence * 1000 >= ranked.c.total * share_1000,
    )
    dependent: dict[tuple[int, int], list[int]] = defaultdict(list)
    for supplier, category, force in s.execute(stmt):
        dependent[(supplier, category)].append(force)
    return dependent


def _dependencies(
    s: Session, start: date, end: date, forces: set[int] | None, several: int, of: int | None
) -> list[Dependency]:
    """Suppliers holding at least :data:`DEPENDENCY_SHARE` of each of ``several`` or more
    forces' spend on one category in the period (a force's own purchases and its shares
    of joint purchases); ``forces`` None means every force. With ``of`` (a force), only
    the dependencies that force is one of: its own are read first, then every force's
    spend on just those categories."""
    if of is not None:
        mine = _dependent(s, start, end, {of}, None)
        if not mine:
            return []
        dependent = _dependent(s, start, end, forces, {category for _s, category in mine})
        dependent = {key: ids for key, ids in dependent.items() if key in mine}
    else:
        dependent = _dependent(s, start, end, forces, None)
    found = {key: ids for key, ids in dependent.items() if len(ids) >= several}
    if not found:
        return []
    force_names = dict(s.execute(select(m.Force.id, m.Force.name)).all())
    supplier_names = dict(
        s.execute(
            select(m.Supplier.id, m.Supplier.name).where(m.Supplier.id.in_({k[0] for k in found}))
        ).all()
    )
    category_names = dict(
        s.execute(
            select(m.Category.id, m.Category.label).where(m.Category.id.in_({k[1] for k in found}))
        ).all()
    )
    result = [
        Dependency(
            supplier_names[supplier],
            category_names[category],
            tuple(sorted(force_names[f] for f in ids)),
        )
        for (supplier, category), ids in found.items()
    ]
    return sorted(result, key=lambda d: (-len(d.forces), d.supplier, d.category))


def _most_bought(s: Session, products: dict[str, int], start: date, end: date) -> str | None:
    """The code of the product of ``products`` (code → id) bought most often in the period
    (the first code of those bought as often). Counted buyer by buyer from the buyers'
    (buyer, order date, …) indexes, which hold the product: no purchase row is read."""
    if not products:
        return None
    counted: dict[int, int] = defaultdict(int)
    chosen = (
        P.status == PurchaseStatus.ACTIVE,
        P.order_date >= start,
        P.order_date <= end,
        P.product_id.in_(products.values()),
    )
    for column, table in ((P.buyer_force_id, m.Force), (P.buyer_collaboration_id, m.Collaboration)):
        for product, n in s.execute(
            select(P.product_id, func.count())
            .where(column.in_(select(table.id).scalar_subquery()), *chosen)
            .group_by(P.product_id)
        ):
            counted[product] += n
    ranked = sorted((-counted[pid], code) for code, pid in products.items() if counted[pid])
    return ranked[0][1] if ranked else None


def _adoption(s: Session, buyer: Buyer, start: date, end: date, champion: str | None) -> Adoption:
    """Each force's adoption of one champion product by the end of the period (bought it,
    shared in a joint purchase of it, or belonged to a collaboration that bought it on the
    day), with its purchases and spend in the period. Without ``champion``: the champion
    bought most often in the period."""
    # sorted here: ordered by name, the database would read every product by its name
    found = sorted(
        s.execute(
            select(m.Product.name, m.Product.code, m.Product.id).where(
                m.Product.status == "champion"
            )
        ).all()
    )
    champion_ids = {code: pid for _name, code, pid in found}
    champions = [(code, name) for name, code, _pid in found]
    buyer_forces = (
        tuple(mb.code for mb in buyer.members)
        if buyer.kind is BuyerKind.COLLABORATION
        else (buyer.code,)
    )
    forces = s.execute(select(m.Force.id, m.Force.code, m.Force.name).order_by(m.Force.name)).all()
    codes = {c for c, _ in champions}
    if champion not in codes:
        champion = _most_bought(s, champion_ids, start, end) or (
            champions[0][0] if champions else None
        )
    if champion is None:
        return Adoption(None, "", champions, [], buyer_forces)
    product_id = s.scalar(select(m.Product.id).where(m.Product.code == champion))
    bought = (P.product_id == product_id, P.status == PurchaseStatus.ACTIVE, P.order_date <= end)
    in_period = P.order_date >= start
    first: dict[Any, date] = {}  # by force id
    count: dict[Any, int] = defaultdict(int)
    spend: dict[Any, Decimal] = defaultdict(lambda: ZERO)
    share = m.PurchaseShare
    # a force's own purchases and its shares of joint ones: never the same purchase twice
    own_spend = type_coerce(func.sum(P.quantity * P.unit_price).filter(in_period), Money())
    shared_spend = type_coerce(func.sum(share.amount).filter(in_period), Money())
    parts = (
        select(P.buyer_force_id, func.count().filter(in_period), own_spend, func.min(P.order_date))
        .where(*bought, P.buyer_force_id.is_not(None))
        .group_by(P.buyer_force_id),
        select(share.force_id, func.count().filter(in_period), shared_spend, func.min(P.order_date))
        .join(P, share.purchase_id == P.id)
        .where(*bought)
        .group_by(share.force_id),
    )
    for stmt in parts:
        for force, n, amount, day in s.execute(stmt):
            count[force] += n or 0
            spend[force] += amount or ZERO
            first[force] = min(day, first.get(force, day))
    CM = m.CollaborationMember
    # a collaboration it belonged to on the day bought it: adopted, though not its spend
    for force, day in s.execute(
        select(CM.force_id, func.min(P.order_date))
        .join(P, P.buyer_collaboration_id == CM.collaboration_id)
        .where(
            *bought,
            CM.joined_on <= P.order_date,
            (CM.left_on.is_(None)) | (CM.left_on >= P.order_date),
        )
        .group_by(CM.force_id)
    ):
        first[force] = min(day, first.get(force, day))
    name = dict(champions).get(champion, champion)
    return Adoption(
        champion,
        name,
        champions,
        [
            ForceAdoption(code, fname, count[fid], spend[fid], first.get(fid))
            for fid, code, fname in forces
        ],
        buyer_forces,
    )


def financial_year_presets(today: date, count: int = 6) -> list[tuple[str, date, date]]:
    """The periods Home offers: this financial year to date, then whole earlier years."""
    this = FinancialYear.containing(today)
    presets = [(f"{this.label} to date", this.start, today)]
    for n in range(1, count):
        fy = FinancialYear(this.start_year - n)
        presets.append((fy.label, fy.start, fy.end))
    return presets
