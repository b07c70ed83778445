"""The figures of a police authority briefing, gathered from the ledger in one go.

Everything in :class:`BriefingData` is plain data: the PDF, any preview and the
tests that reconcile figures all read the same object. The purchases in scope
are those a ledger export gives for the same buyer and period (a force's own
purchases and the joint purchases it shares in), so every total can be checked
against that export to the penny.

A saving is defined once, in :data:`SAVINGS_DEFINITION` and
:func:`realised_savings`; every savings figure of a briefing (the summary, the
progress against a target, the members' shares) is that sum over some purchases.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from catalogue_app import __version__
from catalogue_app.db import bundle_models as bm
from catalogue_app.db import models as m
from catalogue_app.db.demo import is_demo_purchase
from catalogue_app.db.notice_models import NoticePurchase
from catalogue_app.db.types import Money
from catalogue_app.domain.enums import PurchaseStatus
from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import split_largest_remainder
from catalogue_app.domain.periods import FinancialYear, last_complete_financial_year
from catalogue_app.domain.pricing import add_months
from catalogue_app.domain.purchases import Route
from catalogue_app.services.browse import BrowseService, PriceStats
from catalogue_app.services.database import Database
from catalogue_app.services.ledger import (
    SAVING,
    SPEND,
    Buyer,
    LedgerLine,
    find_buyer,
    ledger_statement,
)
from catalogue_app.services.ledger.queries import ledger_line
from catalogue_app.services.trail import AuditTrail

ZERO = Decimal("0.00")
_BATCH = 2000  # purchases read at a time
CHAMPIONS_LISTED = 30  # a national catalogue has thousands of champions; the rest are counted
SECTIONS = {
    "summary": "Summary",
    "spend": "Spend",
    "savings": "Savings against target",
    "champions": "Champion product adoption",
    "members": "Collaboration members",
    "expiring": "Contracts and frameworks expiring",
    "method": "Method and sources",
    "appendix": "Appendix: every purchase",
}
OFF_FRAMEWORK_LABEL = "Off-framework"
SAVINGS_DEFINITION = (
    "A saving is quantity × (baseline unit price − unit price paid) for each purchase that "
    "has not been voided; the baseline is the product's list price on the order date unless "
    "the officer recorded another. Savings realised are the sum of those savings over the "
    "purchases in question, so the same rule gives the summary figure, progress against a "
    "savings target and each member's share."
)


def realised_savings(lines: Iterable[LedgerLine]) -> Decimal:
    """The one savings figure of a briefing (see :data:`SAVINGS_DEFINITION`)."""
    return sum((ln.saving for ln in lines), ZERO)


@dataclass(frozen=True)
class SummaryFigures:
    """A buyer's headline figures for a period and for the period of the same length just
    before it: the briefing's summary and the dashboard's tiles are these, computed only
    by :func:`summary_figures`."""

    purchases: int
    spend: Decimal
    savings: Decimal
    framework_spend: Decimal
    previous_purchases: int
    previous_spend: Decimal
    previous_savings: Decimal
    previous_framework_spend: Decimal


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before ``start``."""
    previous_end = start - timedelta(days=1)
    return previous_end - (end - start), previous_end


def scope_parts(buyer: Buyer, start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """The purchases a ledger export gives for the buyer and period (active ones), as
    conditions on the purchases table that select disjoint parts: a collaboration's own
    purchases; a force's own purchases, then the joint purchases it has a share of. Summing
    over each part uses an index where one condition joining them with OR would read the
    whole table."""
    P = m.Purchase
    period = [P.status == PurchaseStatus.ACTIVE]
    if start is not None:
        period.append(P.order_date >= start)
    if end is not None:
        period.append(P.order_date <= end)
    if buyer.ref.is_collaboration:
        return [and_(P.buyer_collaboration_id == buyer.id, *period)]
    # a share carries its purchase's order date and status, so only the shares in the
    # period are looked up, not every share the force ever had
    S = m.PurchaseShare
    chosen = [S.force_id == buyer.id, S.status == PurchaseStatus.ACTIVE]
    if start is not None:
        chosen.append(S.order_date >= start)
    if end is not None:
        chosen.append(S.order_date <= end)
    shared = select(S.purchase_id).where(*chosen)
    return [and_(P.buyer_force_id == buyer.id, *period), and_(P.id.in_(shared), *period)]


def summary_figures(s: Session, buyer: Buyer, start: date, end: date) -> SummaryFigures:
    """Purchases, spend, savings realised (:data:`SAVINGS_DEFINITION`) and spend through
    frameworks over the purchases a ledger export gives for the buyer and period, summed
    exactly by the database; and the same for the previous period."""

    def totals(first: date, last: date) -> tuple[int, Decimal, Decimal, Decimal]:
        P = m.Purchase
        on_framework = func.sum(P.quantity * P.unit_price).filter(P.lot_id.is_not(None))
        framework = type_coerce(on_framework, Money())
        count, spend, savings, through = 0, ZERO, ZERO, ZERO
        for part in scope_parts(buyer, first, last):
            n, more, saved, via = s.execute(
                select(func.count(), SPEND, SAVING, framework).where(part)
            ).one()
            count, spend = count + n, spend + (more or ZERO)
            savings, through = savings + (saved or ZERO), through + (via or ZERO)
        return count, spend, savings, through

    now, before = totals(start, end), totals(*previous_period(start, end))
    return SummaryFigures(*now, *before)


def day_text(d: date) -> str:
    """A date as a briefing prints it: 23 Nov 2026."""
    return f"{d.day} {d:%b %Y}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 purchase", "2 purchases" (counts with thousands separators)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


@dataclass(frozen=True)
class Line:
    label: str
    spend: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.spend - self.previous


@dataclass(frozen=True)
class TargetProgress:
    """A savings target whose period overlaps the briefing's, with the savings realised
    from the target's start to ``counted_to`` (the briefing's end, or the target's end
    when that comes first)."""

    description: str
    start: date
    end: date
    amount: Decimal
    upper: Decimal | None
    realised: Decimal
    source: str
    cumulative: list[tuple[date, Decimal]]  # month ends from the start to counted_to
    counted_to: date

    @property
    def percent(self) -> Decimal:
        return (self.realised * 100 / self.amount).quantize(Decimal("0.1")) if self.amount else ZERO

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.amount - self.realised)

    @property
    def finished(self) -> bool:
        """Whether the target's period has ended by the end of the briefing."""
        return self.counted_to >= self.end


@dataclass(frozen=True)
class Champion:
    """A champion product and whether the buyer has adopted it by the end of the period:
    bought it itself, or (for a force) through a collaboration it belonged to then."""

    name: str
    code: str
    purchases: int  # in the period, counted by the same rule
    first_bought: date | None  # None: not adopted by the end of the period
    peers: PriceStats | None  # None past the first CHAMPIONS_LISTED


@dataclass(frozen=True)
class MemberShare:
    force: str
    spend: Decimal
    savings: Decimal


@dataclass(frozen=True)
class Expiring:
    reference: str
    title: str
    ends: date
    extensions_left: int
    extension_months: int


@dataclass
class BriefingData:
    buyer_code: str
    buyer_name: str
    buyer_kind: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    marking: str
    generated_on: date
    version: str = __version__
    fingerprint: str = ""
    # The audit trail's state the briefing was computed from (AuditTrail.fingerprint):
    # a later rewrite of the ledger or its history no longer matches it.
    audit_head: str = ""
    purchases: int = 0
    spend: Decimal = ZERO
    savings: Decimal = ZERO
    framework_spend: Decimal = ZERO
    previous_spend: Decimal = ZERO
    previous_savings: Decimal = ZERO
    by_category: list[Line] = field(default_factory=list)
    by_supplier: list[Line] = field(default_factory=list)
    by_route: list[Line] = field(default_factory=list)
    targets: list[TargetProgress] = field(default_factory=list)
    champions_used: list[Champion] = field(default_factory=list)
    champions_unused: list[Champion] = field(default_factory=list)
    members: list[MemberShare] = field(default_factory=list)
    expiring: list[Expiring] = field(default_factory=list)
    lines: list[LedgerLine] = field(default_factory=list)
    route_names: dict[Route, str] = field(default_factory=dict)  # "RM6100 lot 3d — title"
    includes_demo_data: bool = False  # a figure counts an invented demonstration purchase
    from_notices: int = 0  # purchases of the period recorded from published notices
    notice_spend: Decimal = ZERO  # their spend
    # (device, when) each device's offline work was last merged into this ledger, newest first
    merged_from: list[tuple[str, datetime]] = field(default_factory=list)
    open_conflicts: int = 0  # purchases changed in two places, awaiting a decision
    sections: tuple[str, ...] = tuple(SECTIONS)

    @property
    def period_label(self) -> str:
        fy = FinancialYear.containing(self.start)
        if (self.start, self.end) == (fy.start, fy.end):
            return f"financial year {fy.label}"
        return f"{day_text(self.start)} to {day_text(self.end)}"

    @property
    def period_phrase(self) -> str:
        """How a sentence opens: "In financial year 2024/25" or "Between … and …"."""
        fy = FinancialYear.containing(self.start)
        if (self.start, self.end) == (fy.start, fy.end):
            return f"In financial year {fy.label}"
        return f"Between {day_text(self.start)} and {day_text(self.end)}"

    def route_name(self, route: Route) -> str:
        """A purchase's route with its lot's title ("ESSEX-ATHENA lot 1 — Athena …")."""
        if route.is_off_framework:
            return OFF_FRAMEWORK_LABEL
        return self.route_names.get(route, str(route))

    @property
    def framework_share(self) -> Decimal:
        if not self.spend:
            return ZERO
        return (self.framework_spend * 100 / self.spend).quantize(Decimal("0.1"))

    @property
    def biggest_changes(self) -> list[Line]:
        return sorted(self.by_category, key=lambda ln: (-abs(ln.change), ln.label))[:3]


class BriefingService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._browse = BrowseService(db)

    def build(
        self,
        buyer_code: str,
        start: date | None = None,
        end: date | None = None,
        *,
        marking: str = "OFFICIAL",
        today: date | None = None,
        sections: tuple[str, ...] | None = None,
    ) -> BriefingData:
        today = today or date.today()
        if start is None or end is None:
            fy = last_complete_financial_year(today)
            start, end = fy.start, fy.end
        if end < start:
            raise ValidationError(
                f"the period ends ({day_text(end)}) before it starts ({day_text(start)})",
                field="period",
            )
        unknown = set(sections or ()) - set(SECTIONS)
        if unknown:
            raise ValidationError(
                f"unknown section {', '.join(sorted(unknown))}; use {', '.join(SECTIONS)}",
                field="sections",
            )
        days = (end - start).days + 1
        previous_end = start - timedelta(days=1)
        previous_start = previous_end - timedelta(days=days - 1)
        with self.db.reading() as s:
            buyer = find_buyer(s, buyer_code)
            lines = list(_each(s, ledger_statement(buyer, start, end)))
            # the previous period only for its sums: summed as it is read, never held whole
            previous, previous_ids = _spent(
                s, ledger_statement(buyer, previous_start, previous_end)
            )
            data = BriefingData(
                buyer.code,
                buyer.name,
                buyer.kind,
                start,
                end,
                previous_start,
                previous_end,
                (marking or "OFFICIAL").strip() or "OFFICIAL",
                today,
                sections=tuple(sections or SECTIONS),
            )
            data.lines = lines
            figures = summary_figures(s, buyer, start, end)
            data.purchases = figures.purchases
            data.spend = figures.spend
            data.savings = figures.savings
            data.framework_spend = figures.framework_spend
            data.previous_spend = figures.previous_spend
            data.previous_savings = figures.previous_savings
            categories = dict(
                s.execute(
                    select(m.Product.code, m.Category.label)
                    .join(m.Category)
                    .where(m.Product.code.in_({ln.product_code for ln in lines + previous}))
                ).all()
            )
            data.by_category = _group(lines, previous, lambda ln: categories[ln.product_code])
            data.by_supplier = _group(lines, previous, lambda ln: ln.supplier)
            frameworks, data.route_names = _route_names(s, [*lines, *previous])
            data.by_route = _group(
                lines,
                previous,
                lambda ln: (
                    frameworks.get(ln.route.framework, ln.route.framework)
                    if ln.route.framework
                    else OFF_FRAMEWORK_LABEL
                ),
            )
            counted = {ln.id for ln in lines} | previous_ids
            data.targets = self._targets(s, buyer, start, end, counted)
            data.members = self._members(s, buyer, lines) if buyer.ref.is_collaboration else []
            data.expiring = self._expiring(s, today)
            data.includes_demo_data = _any_demo(s, counted)
            noticed = _from_notices(s, {ln.id for ln in lines})
            data.from_notices = len(noticed)
            data.notice_spend = sum((ln.total for ln in lines if ln.id in noticed), ZERO)
            data.merged_from, data.open_conflicts = _merges(s)
            adoption = _champion_adoption(s, buyer, start, end)
            champions = s.execute(
                select(m.Product.code, m.Product.name)
                .where(m.Product.status == "champion")
                .order_by(m.Product.name)
            ).all()
        in_use = sorted(
            ((adoption[c][0], n, c, adoption[c][1]) for c, n in champions if c in adoption),
            key=lambda t: (-t[0], t[1]),
        )
        unused = [(0, n, c, None) for c, n in champions if c not in adoption]
        for target, group in ((data.champions_used, in_use), (data.champions_unused, unused)):
            for rank, (count, name, code, first) in enumerate(group):
                # peers' prices only for the champions the briefing lists by name
                peers = self._browse.price_stats(code) if rank < CHAMPIONS_LISTED else None
                target.append(Champion(name, code, count, first, peers))
        data.fingerprint = _fingerprint(data)
        data.audit_head = AuditTrail(self.db).fingerprint()
        return data

    def _targets(
        self, s: Session, buyer: Buyer, start: date, end: date, counted: set[str]
    ) -> list[TargetProgress]:
        """Progress against each savings target whose period overlaps the briefing's, from
        the target's start to the briefing's end; adds the purchases counted to ``counted``."""
        column = (
            m.SavingsTarget.buyer_collaboration_id
            if buyer.ref.is_collaboration
            else m.SavingsTarget.buyer_force_id
        )
        result = []
        for t in s.scalars(
            select(m.SavingsTarget)
            .where(
                column == buyer.id,
                m.SavingsTarget.period_start <= end,
                m.SavingsTarget.period_end >= start,
            )
            .order_by(m.SavingsTarget.period_start)
        ):
            counted_to = min(end, t.period_end)
            by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)

            def note(ln: LedgerLine, by_month: dict[date, Decimal] = by_month) -> LedgerLine:
                counted.add(ln.id)
                by_month[_month_end(ln.order_date)] += ln.saving
                return ln

            # the target's purchases are summed as they are read, never held whole
            lines = (
                note(ln) for ln in _each(s, ledger_statement(buyer, t.period_start, counted_to))
            )
            realised = realised_savings(lines)
            cumulative, running = [], ZERO
            month = _month_end(t.period_start)
            while month <= _month_end(counted_to):
                running += by_month.get(month, ZERO)
                cumulative.append((month, running))
                month = _month_end(add_months(month.replace(day=1), 1))
            result.append(
                TargetProgress(
                    t.description,
                    t.period_start,
                    t.period_end,
                    t.amount,
                    t.amount_upper,
                    realised,
                    t.source,
                    cumulative,
                    counted_to,
                )
            )
        return result

    def _members(self, s, buyer, lines) -> list[MemberShare]:  # type: ignore[no-untyped-def]
        spend: dict[str, Decimal] = defaultdict(lambda: ZERO)
        savings: dict[str, Decimal] = defaultdict(lambda: ZERO)
        ids = [ln.id for ln in lines]
        shares: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for start in range(0, len(ids), 500):
            for pid, force, amount in s.execute(
                select(m.PurchaseShare.purchase_id, m.Force.name, m.PurchaseShare.amount)
                .join(m.Force, m.PurchaseShare.force_id == m.Force.id)
                .where(m.PurchaseShare.purchase_id.in_(ids[start : start + 500]))
                .order_by(m.Force.name)
            ):
                shares[pid].append((force, amount))
        for ln in lines:
            parts = shares.get(ln.id, [])
            if not parts:
                continue
            # savings are shared in the same proportions as the cost, to the penny
            saving = ln.saving
            weights = [a for _, a in parts]
            split = (
                split_largest_remainder(abs(saving), weights)
                if any(weights)
                else [ZERO] * len(parts)
            )
            for (force, amount), part in zip(parts, split, strict=True):
                spend[force] += amount
                savings[force] += part if saving >= 0 else -part
        return [MemberShare(f, spend[f], savings[f]) for f in sorted(spend)]

    def _expiring(self, s, today: date) -> list[Expiring]:  # type: ignore[no-untyped-def]
        horizon = add_months(today, 12)
        result = []
        for fw in s.scalars(select(m.Framework).order_by(m.Framework.reference)):
            term = fw.term
            if today <= term.effective_end <= horizon:
                result.append(
                    Expiring(
                        fw.reference,
                        fw.title,
                        term.effective_end,
                        term.extensions_left,
                        fw.extension_months,
                    )
                )
        return sorted(result, key=lambda e: (e.ends, e.reference))


def _champion_adoption(
    s: Session, buyer: Buyer, start: date, end: date
) -> dict[str, tuple[int, date]]:
    """Champion products the buyer had adopted by ``end``: product code → (purchases in the
    period, first order date). A force adopts a product by buying it, by sharing in a joint
    purchase of it, or when a collaboration it belonged to on the order date bought it."""
    P, CM = m.Purchase, m.CollaborationMember
    if buyer.ref.is_collaboration:
        whose = P.buyer_collaboration_id == buyer.id
    else:
        shared = select(m.PurchaseShare.purchase_id).where(m.PurchaseShare.force_id == buyer.id)
        member = exists().where(
            CM.collaboration_id == P.buyer_collaboration_id,
            CM.force_id == buyer.id,
            CM.joined_on <= P.order_date,
            or_(CM.left_on.is_(None), CM.left_on >= P.order_date),
        )
        whose = or_(P.buyer_force_id == buyer.id, P.id.in_(shared), member)
    rows = s.execute(
        select(
            m.Product.code,
            func.sum(case((P.order_date >= start, 1), else_=0)),
            func.min(P.order_date),
        )
        .join(P, P.product_id == m.Product.id)
        .where(
            m.Product.status == "champion",
            P.status == PurchaseStatus.ACTIVE,
            P.order_date <= end,
            whose,
        )
        .group_by(m.Product.code)
    )
    return {code: (int(count or 0), first) for code, count, first in rows}


def _each(s: Session, stmt: Select[Any]) -> Iterator[LedgerLine]:
    """The purchases of a ledger statement, read a batch at a time."""
    for row in s.execute(stmt.execution_options(yield_per=_BATCH)):
        yield ledger_line(row)


class _Spent(NamedTuple):
    """What some purchases spent on one product from one supplier by one route."""

    product_code: str
    supplier: str
    route: Route
    total: Decimal


def _spent(s: Session, stmt: Select[Any]) -> tuple[list[_Spent], set[str]]:
    """What the purchases of a ledger statement spent, by product, supplier and route, and
    their ids: summed as they are read (sums of exact pence, so the same to the penny)."""
    totals: dict[tuple[str, str, Route], Decimal] = defaultdict(lambda: ZERO)
    ids: set[str] = set()
    for ln in _each(s, stmt):
        ids.add(ln.id)
        totals[ln.product_code, ln.supplier, ln.route] += ln.total
    return [_Spent(*key, total) for key, total in totals.items()], ids


def _route_names(
    s: Session, lines: Sequence[LedgerLine | _Spent]
) -> tuple[dict[str, str], dict[Route, str]]:
    """Each framework's reference with its title ("RM6098 — Technology Products …"), and
    each route with its lot's title ("RM6098 lot 1 — Hardware and Associated Services")."""
    references = {ln.route.framework for ln in lines if ln.route.framework}
    frameworks: dict[str, str] = {}
    routes: dict[Route, str] = {}
    if not references:
        return frameworks, routes
    for reference, title, lot, lot_title in s.execute(
        select(m.Framework.reference, m.Framework.title, m.Lot.number, m.Lot.title)
        .join(m.Lot, m.Lot.framework_id == m.Framework.id)
        .where(m.Framework.reference.in_(references))
    ):
        frameworks[reference] = f"{reference} — {title}" if title else reference
        route = Route(reference, lot)
        routes[route] = f"{route} — {lot_title}" if lot_title else str(route)
    return frameworks, routes


def _from_notices(s: Session, purchase_ids: set[str]) -> set[str]:
    """Those of the purchases recorded from published notices (OCDS)."""
    ids = sorted(purchase_ids)
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        found.update(
            s.scalars(
                select(NoticePurchase.purchase_id).where(
                    NoticePurchase.purchase_id.in_(ids[i : i + 500])
                )
            )
        )
    return found


def _any_demo(s: Session, purchase_ids: set[str]) -> bool:
    """Whether any of the purchases is invented demonstration data."""
    ids = sorted(purchase_ids)
    return any(
        s.scalar(select(exists().where(m.Purchase.id.in_(ids[i : i + 500]), is_demo_purchase())))
        for i in range(0, len(ids), 500)
    )


def _group(lines, previous, key) -> list[Line]:  # type: ignore[no-untyped-def]
    now: dict[str, Decimal] = defaultdict(lambda: ZERO)
    before: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for ln in lines:
        now[key(ln)] += ln.total
    for ln in previous:
        before[key(ln)] += ln.total
    labels = set(now) | set(before)
    return sorted(
        (Line(lbl, now[lbl], before[lbl]) for lbl in labels),
        key=lambda ln: (-ln.spend, -ln.previous, ln.label),
    )


def _month_end(d: date) -> date:
    return add_months(d.replace(day=1), 1) - timedelta(days=1)


def _merges(s: Session) -> tuple[list[tuple[str, datetime]], int]:
    """When each device's offline work was last merged here, and the conflicts still open."""
    merged = [
        (str(name), when)
        for name, when in s.execute(
            select(bm.BundleDevice.name, bm.BundleDevice.last_merged_at)
            .where(bm.BundleDevice.last_merged_at.is_not(None))
            .order_by(bm.BundleDevice.last_merged_at.desc())
        )
        if when is not None
    ]
    conflicts = s.scalar(select(func.count()).where(bm.PurchaseConflict.resolved_at.is_(None)))
    return merged, int(conflicts or 0)


def _fingerprint(data: BriefingData) -> str:
    """A short digest of the purchases and figures the briefing was built from."""
    digest = hashlib.sha256()
    for ln in data.lines:
        digest.update(
            f"{ln.id}|{ln.quantity}|{ln.unit_price}|{ln.baseline_unit_price}|{ln.status}\n".encode()
        )
    digest.update(f"{data.buyer_code}|{data.start}|{data.end}|{data.spend}".encode())
    return digest.hexdigest()[:12]
