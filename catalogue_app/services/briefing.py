"""The figures of a police authority briefing, gathered from the ledger in one go.

Everything in :class:`BriefingData` is plain data: the PDF, any preview and the
tests that reconcile figures all read the same object. The purchases in scope
are those ``catalogue-app purchases export --buyer`` gives for the same buyer
and period (a force's own purchases and the joint purchases it shares in), so
every total can be checked against that export to the penny.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from catalogue_app import __version__
from catalogue_app.db import models as m
from catalogue_app.db.demo import is_demo_purchase
from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import split_largest_remainder
from catalogue_app.domain.periods import FinancialYear, last_complete_financial_year
from catalogue_app.domain.pricing import add_months
from catalogue_app.domain.purchases import OFF_FRAMEWORK
from catalogue_app.services.browse import BrowseService, PriceStats
from catalogue_app.services.database import Database
from catalogue_app.services.ledger import (
    Buyer,
    LedgerLine,
    find_buyer,
    ledger_lines,
    ledger_statement,
)

ZERO = Decimal("0.00")
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
    description: str
    start: date
    end: date
    amount: Decimal
    upper: Decimal | None
    realised: Decimal
    source: str
    cumulative: list[tuple[date, Decimal]]  # month ends through the target period

    @property
    def percent(self) -> Decimal:
        return (self.realised * 100 / self.amount).quantize(Decimal("0.1")) if self.amount else ZERO

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.amount - self.realised)


@dataclass(frozen=True)
class Champion:
    name: str
    code: str
    purchases: int  # by this buyer in the period
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
    includes_demo_data: bool = False  # a figure counts an invented demonstration purchase
    sections: tuple[str, ...] = tuple(SECTIONS)

    @property
    def period_label(self) -> str:
        fy = FinancialYear.containing(self.start)
        if (self.start, self.end) == (fy.start, fy.end):
            return f"financial year {fy.label}"
        return f"{_day(self.start)} to {_day(self.end)}"

    @property
    def period_phrase(self) -> str:
        """How a sentence opens: "In financial year 2024/25" or "Between … and …"."""
        fy = FinancialYear.containing(self.start)
        if (self.start, self.end) == (fy.start, fy.end):
            return f"In financial year {fy.label}"
        return f"Between {_day(self.start)} and {_day(self.end)}"

    @property
    def framework_share(self) -> Decimal:
        if not self.spend:
            return ZERO
        return (self.framework_spend * 100 / self.spend).quantize(Decimal("0.1"))

    @property
    def biggest_changes(self) -> list[Line]:
        return sorted(self.by_category, key=lambda ln: (-abs(ln.change), ln.label))[:3]


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


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
                f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})",
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
            lines = ledger_lines(s, ledger_statement(buyer, start, end))
            previous = ledger_lines(s, ledger_statement(buyer, previous_start, previous_end))
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
            data.purchases = len(lines)
            data.spend = sum((ln.total for ln in lines), ZERO)
            data.savings = sum((ln.saving for ln in lines), ZERO)
            data.framework_spend = sum(
                (ln.total for ln in lines if not ln.route.is_off_framework), ZERO
            )
            data.previous_spend = sum((ln.total for ln in previous), ZERO)
            data.previous_savings = sum((ln.saving for ln in previous), ZERO)
            categories = dict(
                s.execute(
                    select(m.Product.code, m.Category.label)
                    .join(m.Category)
                    .where(m.Product.code.in_({ln.product_code for ln in lines + previous}))
                ).all()
            )
            data.by_category = _group(lines, previous, lambda ln: categories[ln.product_code])
            data.by_supplier = _group(lines, previous, lambda ln: ln.supplier)
            data.by_route = _group(lines, previous, lambda ln: ln.route.framework or OFF_FRAMEWORK)
            counted = {ln.id for ln in lines} | {ln.id for ln in previous}
            data.targets = self._targets(s, buyer, counted)
            data.members = self._members(s, buyer, lines) if buyer.ref.is_collaboration else []
            data.expiring = self._expiring(s, today)
            data.includes_demo_data = _any_demo(s, counted)
            used: dict[str, int] = defaultdict(int)
            for ln in lines:
                used[ln.product_code] += 1
            champions = s.execute(
                select(m.Product.code, m.Product.name)
                .where(m.Product.status == "champion")
                .order_by(m.Product.name)
            ).all()
        in_use = sorted(
            ((used[c], n, c) for c, n in champions if used.get(c)), key=lambda t: (-t[0], t[1])
        )
        unused = [(0, n, c) for c, n in champions if not used.get(c)]
        for target, group in ((data.champions_used, in_use), (data.champions_unused, unused)):
            for rank, (count, name, code) in enumerate(group):
                # peers' prices only for the champions the briefing lists by name
                peers = self._browse.price_stats(code) if rank < CHAMPIONS_LISTED else None
                target.append(Champion(name, code, count, peers))
        data.fingerprint = _fingerprint(data)
        return data

    def _targets(self, s: Session, buyer: Buyer, counted: set[str]) -> list[TargetProgress]:
        """Progress against each savings target; adds the purchases it counts to ``counted``."""
        column = (
            m.SavingsTarget.buyer_collaboration_id
            if buyer.ref.is_collaboration
            else m.SavingsTarget.buyer_force_id
        )
        result = []
        for t in s.scalars(
            select(m.SavingsTarget).where(column == buyer.id).order_by(m.SavingsTarget.period_start)
        ):
            lines = ledger_lines(s, ledger_statement(buyer, t.period_start, t.period_end))
            counted.update(ln.id for ln in lines)
            by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
            for ln in lines:
                by_month[_month_end(ln.order_date)] += ln.saving
            cumulative, running = [], ZERO
            month = _month_end(t.period_start)
            while month <= t.period_end:
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
                    sum((ln.saving for ln in lines), ZERO),
                    t.source,
                    cumulative,
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


def _fingerprint(data: BriefingData) -> str:
    """A short digest of the purchases and figures the briefing was built from."""
    digest = hashlib.sha256()
    for ln in data.lines:
        digest.update(
            f"{ln.id}|{ln.quantity}|{ln.unit_price}|{ln.baseline_unit_price}|{ln.status}\n".encode()
        )
    digest.update(f"{data.buyer_code}|{data.start}|{data.end}|{data.spend}".encode())
    return digest.hexdigest()[:12]
