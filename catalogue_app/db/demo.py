"""A deterministic, illustrative purchase history for demonstrations and tests.

The same seed always gives the same purchases (ids, dates, prices), whatever
the date today. Every demo purchase is recorded by ``DEMO_RECORDER`` and says
in its notes that it is illustrative, so no screen or briefing can pass it off
as a real call-off. The generator writes its rows in batches through the
database driver (db/bulk.py) so that it scales to the benchmark's millions of
rows.

A demo purchase is one recorded by ``DEMO_RECORDER`` that no audit event ever
brought into being: every real purchase has its recording event, so a real
officer whose login happens to be "demo" is never taken for demonstration data.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from itertools import accumulate
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.orm import Session, selectinload

from catalogue_app.db import models as m
from catalogue_app.db.bulk import BulkInsert, scaled
from catalogue_app.db.revisions import fill_first_revisions
from catalogue_app.domain.money import round_money, split_largest_remainder
from catalogue_app.domain.periods import FinancialYear
from catalogue_app.domain.pricing import FrameworkTerm, PriceBreak, unit_price_for_quantity

DEMO_RECORDER = "demo"
DEMO_NOTE = "Illustrative demo purchase generated for demonstration; not a real call-off."
DEFAULT_SEED = 20100401
DEFAULT_PURCHASES = 6000
FIRST_YEAR = 2010  # FY 2010/11: the year Norfolk and Suffolk agreed to collaborate
LAST_YEAR = 2025  # FY 2025/26: the last complete financial year in the history
ANNUAL_PRICE_DRIFT = Decimal("0.025")  # prices in earlier years were lower by this a year
BATCH = 5000
# The origin the demo history's first revisions name.
DEMO_ORIGIN = "demonstration"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Offer:
    lot_id: int
    first_day: date  # the later of the framework's start and the offer's valid_from
    last_day: date  # the earlier of the framework's effective end and valid_to
    ceiling: Decimal
    breaks: tuple[PriceBreak, ...]


@dataclass(frozen=True, slots=True)
class _Product:
    id: int
    list_price: Decimal
    offers: tuple[_Offer, ...]


@dataclass(frozen=True, slots=True)
class _Buyer:
    force_id: int | None
    collaboration_id: int | None
    prefix: str
    members: tuple[tuple[int, Decimal, date], ...]  # force id, officer FTE, joined on

    def members_on(self, day: date) -> list[tuple[int, Decimal]]:
        return [(f, fte) for f, fte, joined in self.members if joined <= day]


def is_demo_purchase() -> ColumnElement[bool]:
    """SQL condition on ``purchases``: the row is generated demonstration data."""
    recorded = exists().where(
        m.AuditEvent.entity_type == "purchase",
        m.AuditEvent.entity_id == m.Purchase.id,
        m.AuditEvent.before.is_(None),
    )
    return (m.Purchase.recorded_by == DEMO_RECORDER) & ~recorded


def has_demo_history(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(is_demo_purchase()))))


def remove_demo_history(session: Session) -> int:
    """Delete every demo purchase with its shares and revisions; return how many.

    A real delete, not a void: the rows were never real call-offs. Audit events
    stay: the audit log is a chain, and deleting any of its events would break it.
    """
    ids = session.scalars(select(m.Purchase.id).where(is_demo_purchase())).all()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        revisions, shares, purchases = (
            m.PurchaseRevision.__table__,
            m.PurchaseShare.__table__,
            m.Purchase.__table__,
        )
        session.execute(delete(revisions).where(revisions.c.purchase_id.in_(chunk)))
        session.execute(delete(shares).where(shares.c.purchase_id.in_(chunk)))
        session.execute(delete(purchases).where(purchases.c.id.in_(chunk)))
    return len(ids)


def generate_demo_history(
    session: Session,
    *,
    purchases: int = DEFAULT_PURCHASES,
    seed: int = DEFAULT_SEED,
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
) -> int:
    """Insert ``purchases`` demo call-offs (and joint-purchase shares); return the count."""
    rng = random.Random(seed)
    products = _load_products(session)
    buyers, buyer_weights = _load_buyers(session)
    if not products or not buyers:
        return 0
    product_weights = list(accumulate(float(_product_weight(p)) for p in products))
    buyer_cum = list(accumulate(buyer_weights))
    # Call-offs through frameworks grew year on year: later years weigh more.
    years = [FinancialYear(y) for y in range(first_year, last_year + 1)]
    year_weights = list(accumulate(float(3 + i) for i in range(len(years))))
    sequence: dict[tuple[str, int], int] = {}

    out = _Writers(session)
    written = 0
    for _ in range(purchases):
        fy = _pick(rng, years, year_weights)
        day = fy.start + timedelta(days=rng.randrange((fy.end - fy.start).days + 1))
        buyer = _pick(rng, buyers, buyer_cum)
        members = buyer.members_on(day) if buyer.collaboration_id else []
        if buyer.collaboration_id and not members:
            buyer = _pick(rng, buyers, buyer_cum)
            while buyer.collaboration_id is not None:
                buyer = _pick(rng, buyers, buyer_cum)
        product = _pick(rng, products, product_weights)
        row, total = _purchase_row(rng, product, buyer, out.day(day), sequence)
        out.purchases.append(row)
        if buyer.collaboration_id:
            out.shares.extend(_share_rows(row[0], day, members, total))
        if len(out.purchases) >= BATCH:
            written += out.flush()
    written += out.flush()
    fill_first_revisions(session, DEMO_ORIGIN)
    return written


# The purchase columns the generator fills, in the order _purchase_row gives their values.
PURCHASE_COLUMNS = (
    "id",
    "order_reference",
    "buyer_force_id",
    "buyer_collaboration_id",
    "product_id",
    "lot_id",
    "quantity",
    "unit_price",
    "baseline_unit_price",
    "order_date",
    "recorded_by",
    "recorded_at",
    "status",
    "void_reason",
    "notes",
    "revision",
    "reference_repeat",
)


def _share_rows(
    purchase_id: str, day: date, members: list[tuple[int, Decimal]], total: Decimal
) -> list[dict[str, Any]]:
    """A joint purchase's share rows: every member force's part of ``total`` to the penny.

    The one place share rows are built; written as the columns these mappings name.
    """
    shares = split_largest_remainder(total, [fte for _, fte in members])
    return [
        {
            "purchase_id": purchase_id,
            "force_id": f,
            "amount": amount,
            "order_date": day,
            "status": "active",
        }
        for (f, _), amount in zip(members, shares, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class _Day:
    """What every purchase ordered on one day shares, converted once for the driver."""

    day: date
    financial_year: int
    drift: Decimal
    order_date: object  # the date as the driver takes it
    recorded_at: object  # 09:00 UTC the next day, as the driver takes it


class _Writers:
    """Purchases (as value tuples) and shares (as mappings) waiting to be written."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._purchase_out = BulkInsert(session, m.Purchase.__table__, PURCHASE_COLUMNS)
        self._days: dict[date, _Day] = {}
        self.purchases: list[tuple[Any, ...]] = []
        self.shares: list[dict[str, Any]] = []

    def day(self, day: date) -> _Day:
        known = self._days.get(day)
        if known is None:
            fy = FinancialYear.containing(day).start_year
            recorded = datetime.combine(day + timedelta(days=1), time(9, 0), tzinfo=UTC)
            known = self._days[day] = _Day(
                day,
                fy,
                _drift(fy),
                self._purchase_out.value("order_date", day),
                self._purchase_out.value("recorded_at", recorded),
            )
        return known

    def flush(self) -> int:
        """Write what is waiting, one executemany per table; return how many purchases."""
        n = len(self.purchases)
        self._purchase_out.write(self.purchases)
        if self.shares:
            share_out = BulkInsert(self._session, m.PurchaseShare.__table__, list(self.shares[0]))
            share_out.write(share_out.tuples(self.shares))
        self.purchases.clear()
        self.shares.clear()
        return n


def _uuid4(bits: int) -> str:
    """The text of ``uuid.UUID(int=bits, version=4)``, without building the object."""
    bits = (bits & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _purchase_row(
    rng: random.Random,
    product: _Product,
    buyer: _Buyer,
    day: _Day,
    sequence: dict[tuple[str, int], int],
) -> tuple[tuple[Any, ...], Decimal]:
    """A purchase's values in PURCHASE_COLUMNS order, ready for the driver, and its total."""
    quantity = _quantity(rng, product.list_price)
    fy = day.financial_year
    drift = day.drift
    baseline = round_money(product.list_price * drift)
    active = [o for o in product.offers if o.first_day <= day.day <= o.last_day]
    lot_id = None
    if active and rng.random() < 0.85:
        offer = rng.choice(active)
        lot_id = offer.lot_id
        unit = round_money(unit_price_for_quantity(offer.ceiling, offer.breaks, quantity) * drift)
    else:
        discount = Decimal(rng.randrange(0, 6)) / 100
        unit = round_money(baseline * (1 - discount))
    key = (buyer.prefix, fy)
    sequence[key] = number = sequence.get(key, 0) + 1
    row = (
        _uuid4(rng.getrandbits(128)),
        f"{buyer.prefix}/{fy}/{number:05d}",
        buyer.force_id,
        buyer.collaboration_id,
        product.id,
        lot_id,
        quantity,
        scaled(unit),
        scaled(baseline),
        day.order_date,
        DEMO_RECORDER,
        day.recorded_at,
        "active",
        None,
        DEMO_NOTE,
        1,
        0,
    )
    return row, unit * quantity


@cache
def _drift(financial_year: int) -> Decimal:
    """Price level of a year relative to the last year of the history."""
    return (1 - ANNUAL_PRICE_DRIFT) ** max(0, LAST_YEAR - financial_year)


def _quantity(rng: random.Random, list_price: Decimal) -> int:
    if list_price >= 10000:
        low, high = 1, 25
    elif list_price >= 500:
        low, high = 1, 400
    else:
        low, high = 10, 3000
    # log-uniform: many small orders, a few large ones
    return max(low, min(high, round(low * (high / low) ** rng.random())))


def _product_weight(product: _Product) -> int:
    return 6 if product.offers else 2


def _pick(rng: random.Random, items: Sequence[T], cumulative: list[float]) -> T:
    return items[bisect_right(cumulative, rng.random() * cumulative[-1])]


def _load_products(session: Session) -> list[_Product]:
    breaks: dict[int, list[PriceBreak]] = {}
    for offer_id, quantity, price in session.execute(
        select(
            m.PriceBreakRow.offer_id, m.PriceBreakRow.min_quantity, m.PriceBreakRow.unit_price
        ).order_by(m.PriceBreakRow.offer_id, m.PriceBreakRow.min_quantity)
    ):
        breaks.setdefault(offer_id, []).append(PriceBreak(quantity, price))
    offers: dict[int, list[_Offer]] = {}
    terms: dict[int, FrameworkTerm] = {}
    rows = session.execute(
        select(
            m.Offer.id,
            m.Offer.product_id,
            m.Offer.lot_id,
            m.Offer.valid_from,
            m.Offer.valid_to,
            m.Offer.ceiling_unit_price,
            m.Framework.id,
            m.Framework.start_date,
            m.Framework.end_date,
            m.Framework.extension_count,
            m.Framework.extension_months,
            m.Framework.extensions_taken,
        )
        .join(m.Lot, m.Offer.lot_id == m.Lot.id)
        .join(m.Framework, m.Lot.framework_id == m.Framework.id)
        .order_by(m.Offer.id)
    )
    for offer_id, product_id, lot_id, valid_from, valid_to, ceiling, fw_id, *term in rows:
        fw_term = terms.get(fw_id) or terms.setdefault(fw_id, FrameworkTerm(*term))
        last = fw_term.effective_end if valid_to is None else min(valid_to, fw_term.effective_end)
        offers.setdefault(product_id, []).append(
            _Offer(
                lot_id,
                max(valid_from, fw_term.start_date),
                last,
                ceiling,
                tuple(breaks.get(offer_id, ())),
            )
        )
    products = session.execute(
        select(m.Product.id, m.Product.list_price)
        .where(m.Product.status != "withdrawn")
        .order_by(m.Product.id)
    )
    return [_Product(pid, price, tuple(offers.get(pid, ()))) for pid, price in products]


def _load_buyers(session: Session) -> tuple[list[_Buyer], list[float]]:
    buyers: list[_Buyer] = []
    weights: list[float] = []
    for force in session.scalars(select(m.Force).order_by(m.Force.id)):
        fte = force.officer_fte or Decimal(1000)
        buyers.append(_Buyer(force.id, None, _prefix(force.code), ()))
        weights.append(float(fte))
    collabs = session.scalars(
        select(m.Collaboration)
        .options(selectinload(m.Collaboration.members).selectinload(m.CollaborationMember.force))
        .order_by(m.Collaboration.id)
    )
    for c in collabs:
        members = tuple(
            (mem.force_id, mem.force.officer_fte or Decimal(1000), mem.joined_on)
            for mem in sorted(c.members, key=lambda mem: mem.force_id)
        )
        buyers.append(_Buyer(None, c.id, _prefix(c.code), members))
        # A collaboration buys about as often as one large member force.
        weights.append(float(max(fte for _, fte, _ in members)))
    return buyers, weights


def _prefix(code: str) -> str:
    return code.upper()
