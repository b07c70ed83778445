"""The ledger's SQL: finding a buyer, the ledger statement and its filters, spend and
saving sums, stored purchases, the export's records with their shares (fetched in
chunks), and the lookup cache that validation and imports use."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, tuple_, type_coerce
from sqlalchemy.orm import Session, aliased

from catalogue_app.db import models as m
from catalogue_app.db.demo import is_demo_purchase
from catalogue_app.db.types import Money
from catalogue_app.domain.enums import BuyerKind, PurchaseStatus
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.domain.pricing import PriceBreak
from catalogue_app.domain.purchases import BuyerRef, Route
from catalogue_app.services.ledger.model import (
    STATUS_ALL,
    LedgerFilter,
    LedgerLine,
    StoredPurchase,
    UnknownBuyerError,
    custom_split,
)

P = m.Purchase
CHUNK = 500
# Spend is quantity × unit price; a saving is quantity × (baseline − unit price). Both are
# summed by the database over Money columns (exact pence), never through floats.
SPEND = type_coerce(func.sum(P.quantity * P.unit_price), Money())
SAVING = type_coerce(func.sum(P.quantity * (P.baseline_unit_price - P.unit_price)), Money())


# -- buyers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A force in a collaboration, with the days it belonged to it."""

    code: str
    force_id: int
    officer_fte: Decimal | None
    joined_on: date
    left_on: date | None

    def on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day <= self.left_on)


@dataclass(frozen=True)
class Buyer:
    """A buyer found in the database: who it is, its row id and name, and for a
    collaboration its members (when they were asked for)."""

    ref: BuyerRef
    id: int
    name: str
    members: tuple[Member, ...] = ()

    @property
    def kind(self) -> BuyerKind:
        return self.ref.kind

    @property
    def code(self) -> str:
        return self.ref.code

    @property
    def purchases_column(self) -> Any:
        """The purchase column that holds this buyer's own purchases."""
        return P.buyer_force_id if self.kind is BuyerKind.FORCE else P.buyer_collaboration_id

    def members_on(self, day: date) -> list[Member]:
        return [member for member in self.members if member.on(day)]


def _members(session: Session, collaboration_ids: Iterable[int] | None = None) -> dict:
    stmt = (
        select(
            m.CollaborationMember.collaboration_id,
            m.Force.code,
            m.Force.id,
            m.Force.officer_fte,
            m.CollaborationMember.joined_on,
            m.CollaborationMember.left_on,
        )
        .join(m.Force, m.CollaborationMember.force_id == m.Force.id)
        .order_by(m.Force.code)
    )
    if collaboration_ids is not None:
        stmt = stmt.where(m.CollaborationMember.collaboration_id.in_(list(collaboration_ids)))
    members: dict[int, list[Member]] = {}
    for cid, *member in session.execute(stmt):
        members.setdefault(cid, []).append(Member(*member))
    return members


def find_buyer(session: Session, code: str, *, with_members: bool = False) -> Buyer:
    """The force or collaboration with ``code``, or :class:`UnknownBuyerError`."""
    code = (code or "").strip()
    force = session.execute(
        select(m.Force.id, m.Force.name).where(m.Force.code == code)
    ).one_or_none()
    if force:
        return Buyer(BuyerRef(BuyerKind.FORCE, code), force.id, force.name)
    collab = session.execute(
        select(m.Collaboration.id, m.Collaboration.name).where(m.Collaboration.code == code)
    ).one_or_none()
    if collab is None:
        raise UnknownBuyerError(code)
    members = _members(session, [collab.id]).get(collab.id, []) if with_members else []
    return Buyer(BuyerRef(BuyerKind.COLLABORATION, code), collab.id, collab.name, tuple(members))


def all_buyers(session: Session) -> dict[str, Buyer]:
    """Every buyer by code, collaborations with their members (for imports)."""
    buyers = {
        code: Buyer(BuyerRef(BuyerKind.FORCE, code), fid, name)
        for fid, code, name in session.execute(select(m.Force.id, m.Force.code, m.Force.name))
    }
    members = _members(session)
    for cid, code, name in session.execute(
        select(m.Collaboration.id, m.Collaboration.code, m.Collaboration.name)
    ):
        ref = BuyerRef(BuyerKind.COLLABORATION, code)
        buyers[code] = Buyer(ref, cid, name, tuple(members.get(cid, ())))
    return buyers


# -- the ledger statement ------------------------------------------------------------------


def ledger_statement(
    buyer: Buyer | None,
    start: date | None,
    end: date | None,
    status: str = PurchaseStatus.ACTIVE,
) -> Select:
    """Ledger lines (see :func:`ledger_lines`), oldest first; ``status`` is active, void or
    all. A force's lines include the joint purchases it has a share of."""
    fw = aliased(m.Framework)
    stmt = (
        select(
            P.id,
            P.order_date,
            P.order_reference,
            func.coalesce(m.Force.name, m.Collaboration.name),
            m.Product.code,
            m.Product.name,
            m.Supplier.name,
            fw.reference,
            m.Lot.number,
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
    return stmt.where(*_scope(buyer, start, end, status))


def _scope(
    buyer: Buyer | None, start: date | None, end: date | None, status: str
) -> list[ColumnElement[bool]]:
    """Conditions on the purchases table alone, so totals need no joins."""
    conditions: list[ColumnElement[bool]] = []
    if status != STATUS_ALL:
        conditions.append(P.status == PurchaseStatus(status))
    if start is not None:
        conditions.append(P.order_date >= start)
    if end is not None:
        conditions.append(P.order_date <= end)
    if buyer is not None and buyer.kind is BuyerKind.FORCE:
        # a force's own purchases, and the joint purchases it has a share of
        shared = select(m.PurchaseShare.purchase_id).where(m.PurchaseShare.force_id == buyer.id)
        conditions.append(or_(P.buyer_force_id == buyer.id, P.id.in_(shared)))
    elif buyer is not None:
        conditions.append(P.buyer_collaboration_id == buyer.id)
    return conditions


def ledger_line(row: Sequence[Any]) -> LedgerLine:
    """One row of :func:`ledger_statement` as a :class:`LedgerLine`."""
    pid, day, ref, buyer, code, product, supplier, framework, lot, qty, unit, base, status = row
    return LedgerLine(
        pid,
        day,
        ref,
        buyer,
        code,
        product,
        supplier,
        Route.of(framework, lot),
        qty,
        unit,
        base,
        PurchaseStatus(status),
    )


def ledger_lines(session: Session, stmt: Select) -> list[LedgerLine]:
    return [ledger_line(row) for row in session.execute(stmt)]


def _filter_conditions(session: Session, f: LedgerFilter) -> list[ColumnElement[bool]]:
    """Everything the Purchases view filters on, as conditions on the purchases table."""
    buyer = find_buyer(session, f.buyer) if f.buyer else None
    conditions = _scope(buyer, f.start, f.end, f.status)
    if f.product:
        conditions.append(P.product_id.in_(select(m.Product.id).where(m.Product.code == f.product)))
    if f.supplier:
        conditions.append(
            P.product_id.in_(
                select(m.Product.id)
                .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
                .where(m.Supplier.code == f.supplier)
            )
        )
    if f.category:
        conditions.append(
            P.product_id.in_(
                select(m.Product.id)
                .join(m.Category, m.Product.category_id == m.Category.id)
                .where(m.Category.cpv_code == f.category)
            )
        )
    if f.off_framework:
        conditions.append(P.lot_id.is_(None))
    elif f.framework:
        conditions.append(
            P.lot_id.in_(
                select(m.Lot.id)
                .join(m.Framework, m.Lot.framework_id == m.Framework.id)
                .where(m.Framework.reference == f.framework)
            )
        )
    return conditions


def filtered(session: Session, f: LedgerFilter) -> Select:
    """The ledger statement narrowed by everything the Purchases view filters on."""
    return ledger_statement(None, None, None, STATUS_ALL).where(*_filter_conditions(session, f))


def totals(session: Session, f: LedgerFilter) -> tuple[int, Decimal, Decimal]:
    """How many purchases the filter selects, their spend and their savings: one aggregate
    over the purchases table (a million rows are summed without joining a million rows)."""
    count, spend, savings = session.execute(
        select(func.count(), SPEND, SAVING).where(*_filter_conditions(session, f))
    ).one()
    zero = Decimal("0.00")
    return count, spend or zero, savings or zero


# -- stored purchases, shares and export records ------------------------------------------


def shares_of(session: Session, ids: Sequence[str]) -> dict[str, dict[str, Decimal]]:
    """Each purchase's shares by force code, fetched ``CHUNK`` ids at a time."""
    shares: dict[str, dict[str, Decimal]] = {}
    for start in range(0, len(ids), CHUNK):
        for pid, code, amount in session.execute(
            select(m.PurchaseShare.purchase_id, m.Force.code, m.PurchaseShare.amount)
            .join(m.Force, m.PurchaseShare.force_id == m.Force.id)
            .where(m.PurchaseShare.purchase_id.in_(ids[start : start + CHUNK]))
            .order_by(m.Force.code)
        ):
            shares.setdefault(pid, {})[code] = amount
    return shares


def _coded(stmt: Select, fw: Any) -> Select:
    return (
        stmt.join(m.Product, P.product_id == m.Product.id)
        .outerjoin(m.Force, P.buyer_force_id == m.Force.id)
        .outerjoin(m.Collaboration, P.buyer_collaboration_id == m.Collaboration.id)
        .outerjoin(m.Lot, P.lot_id == m.Lot.id)
        .outerjoin(fw, m.Lot.framework_id == fw.id)
    )


def stored(session: Session, purchase_id: str) -> StoredPurchase:
    """A purchase as it is now, or :class:`NotFoundError`."""
    found = stored_where(session, P.id == purchase_id)
    if not found:
        raise NotFoundError(f"no purchase has the id {purchase_id}")
    return found[0]


def stored_where(session: Session, *where: Any) -> list[StoredPurchase]:
    """The purchases matching ``where`` as they are now, with their shares, by id."""
    fw = aliased(m.Framework)
    rows = session.execute(
        _coded(
            select(
                P,
                func.coalesce(m.Force.code, m.Collaboration.code),
                m.Product.code,
                fw.reference,
                m.Lot.number,
            ),
            fw,
        )
        .where(*where)
        .order_by(P.id)
    ).all()
    shares = shares_of(session, [row[0].id for row in rows])
    return [
        StoredPurchase(
            p.id,
            p.revision,
            PurchaseStatus(p.status),
            p.void_reason,
            buyer,
            product,
            framework,
            lot,
            p.quantity,
            p.unit_price,
            p.baseline_unit_price,
            p.order_date,
            p.order_reference,
            p.notes,
            shares.get(p.id, {}),
        )
        for p, buyer, product, framework, lot in rows
    ]


def stored_by_ids(session: Session, ids: Sequence[str]) -> dict[str, StoredPurchase]:
    """The purchases with these ids (whatever their status), fetched ``CHUNK`` at a time."""
    wanted = sorted(set(ids))
    found: dict[str, StoredPurchase] = {}
    for start in range(0, len(wanted), CHUNK):
        for purchase in stored_where(session, P.id.in_(wanted[start : start + CHUNK])):
            found[purchase.id] = purchase
    return found


def active_by_reference(
    session: Session, references: Iterable[str]
) -> dict[tuple[str, str], list[StoredPurchase]]:
    """The active purchases with these order references, by (buyer code, order reference).

    A list each, because references recorded twice before the database held one
    active purchase per reference may still be there.
    """
    wanted = sorted(set(references))
    found: dict[tuple[str, str], list[StoredPurchase]] = {}
    for start in range(0, len(wanted), CHUNK):
        for purchase in stored_where(
            session,
            P.order_reference.in_(wanted[start : start + CHUNK]),
            P.status == PurchaseStatus.ACTIVE,
        ):
            found.setdefault((purchase.buyer, purchase.order_reference), []).append(purchase)
    return found


def export_records(session: Session, scope: Select) -> list[dict[str, Any]]:
    """The purchases ``scope`` selects, with the codes an import needs (export → import
    round-trips), keyed by the export's column names."""
    fw = aliased(m.Framework)
    stmt = _coded(
        select(
            P.id,
            P.order_reference,
            func.coalesce(m.Force.code, m.Collaboration.code),
            m.Product.code,
            fw.reference,
            m.Lot.number,
            P.quantity,
            P.unit_price,
            P.baseline_unit_price,
            P.order_date,
            P.notes,
            P.status,
            P.void_reason,
            m.Supplier.name,
            P.recorded_by,
            P.recorded_at,
            is_demo_purchase(),
        ),
        fw,
    ).join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
    base = scope.order_by(None).with_only_columns(P.id).subquery()
    stmt = stmt.where(P.id.in_(select(base.c.id))).order_by(P.order_date, P.order_reference, P.id)
    rows = session.execute(stmt).all()
    shares = shares_of(session, [r[0] for r in rows])
    records = []
    for (
        pid,
        ref,
        buyer_code,
        product,
        framework,
        lot,
        qty,
        unit,
        baseline,
        day,
        notes,
        status,
        reason,
        supplier,
        recorded_by,
        recorded_at,
        demonstration,
    ) in rows:
        records.append(
            {
                "id": pid,
                "order_reference": ref,
                "buyer": buyer_code,
                "product": product,
                "framework": framework or "",
                "lot": lot or "",
                "quantity": qty,
                "unit_price": unit,
                "baseline_unit_price": baseline,
                "order_date": day,
                "split": custom_split(shares.get(pid, {})) or "",
                "notes": notes,
                "status": str(PurchaseStatus(status)),
                "void_reason": reason or "",
                "supplier": supplier,
                "total": unit * qty,
                "saving": (baseline - unit) * qty,
                "recorded_by": recorded_by,
                "recorded_at": recorded_at,
                # invented history must never pass for real spend in a spreadsheet
                "demonstration": "yes" if demonstration else "",
            }
        )
    return records


def active_reference_used(
    session: Session, buyer: Buyer, order_reference: str, exclude: str = ""
) -> bool:
    """Whether ``buyer`` has an active purchase (other than ``exclude``) with the reference."""
    return (
        session.scalar(
            select(P.id)
            .where(
                buyer.purchases_column == buyer.id,
                P.order_reference == order_reference,
                P.status == PurchaseStatus.ACTIVE,
                P.id != exclude,
            )
            .limit(1)
        )
        is not None
    )


def open_routes(session: Session, product: str, day: date) -> list[tuple[Route, str]]:
    """Every lot offering ``product`` on ``day``, with the lot's title."""
    rows = session.execute(
        select(m.Framework, m.Lot.number, m.Lot.title, m.Offer.valid_from, m.Offer.valid_to)
        .join(m.Lot, m.Lot.framework_id == m.Framework.id)
        .join(m.Offer, m.Offer.lot_id == m.Lot.id)
        .join(m.Product, m.Offer.product_id == m.Product.id)
        .where(m.Product.code == product.strip())
        .order_by(m.Framework.reference, m.Lot.number)
    ).all()
    return [
        (Route(fw.reference, number), title)
        for fw, number, title, start, end in rows
        if fw.term.is_active_on(day) and start <= day and (end is None or day <= end)
    ]


# -- the lookup cache of validation and imports -------------------------------------------


@dataclass(frozen=True)
class ProductInfo:
    id: int
    code: str
    list_price: Decimal
    status: str


@dataclass(frozen=True)
class LotInfo:
    id: int
    reference: str
    number: str
    start: date
    effective_end: date

    @property
    def route(self) -> Route:
        return Route(self.reference, self.number)


@dataclass(frozen=True)
class OfferInfo:
    ceiling: Decimal
    valid_from: date
    valid_to: date | None
    breaks: tuple[PriceBreak, ...]

    def open_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _codelike(text: str) -> bool:
    """Whether ``text`` could be a stored code at all: not empty, and free of the NUL character
    that PostgreSQL refuses even to compare (what is not found is reported by the caller)."""
    return bool(text) and "\x00" not in text


class Lookups:
    """Buyers, products, lots, offers and list prices by code, fetched once per transaction
    (in chunks for imports) so that validating a thousand rows costs a handful of queries.

    :meth:`on` gives a view of the same caches whose products carry the list price in
    force on a day (see :meth:`list_price_on`).
    """

    def __init__(self, session: Session, buyers: dict[str, Buyer] | None = None) -> None:
        self.session = session
        self.buyers = all_buyers(session) if buyers is None else buyers
        self.products: dict[str, ProductInfo] = {}
        self.lots: dict[tuple[str, str], LotInfo] = {}
        self.frameworks: set[str] = set()
        self.offers: dict[tuple[int, int], list[OfferInfo]] = {}
        # each product's list-price versions: their first days, and the prices, in order
        self.prices: dict[int, tuple[list[date], list[Decimal]]] = {}
        self.day: date | None = None

    def on(self, day: date) -> Lookups:
        """These lookups (the same caches), with each product's list price the one in force
        on ``day``."""
        view = copy(self)
        view.day = day
        return view

    def prefetch(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Everything validating ``rows`` (an import's values) will look up, in a few chunked
        queries: products, frameworks and their lots, the offers of each route a row names
        with their price breaks, and the products' list-price versions."""
        rows = list(rows)

        def text(row: Mapping[str, Any], column: str) -> str:
            return str(row.get(column) or "").strip()

        self.prefetch_products(text(r, "product") for r in rows)
        self.prefetch_frameworks(text(r, "framework") for r in rows)
        pairs = set()
        for row in rows:
            product = self.products.get(text(row, "product"))
            lot = self.lots.get((text(row, "framework"), text(row, "lot")))
            if product is not None and lot is not None:
                pairs.add((lot.id, product.id))
        self.prefetch_offers(pairs)
        self.prefetch_prices(p.id for p in self.products.values())

    def prefetch_prices(self, product_ids: Iterable[int]) -> None:
        wanted = sorted({pid for pid in product_ids if pid not in self.prices})
        for pid in wanted:
            self.prices[pid] = ([], [])
        PP = m.ProductPrice
        for start in range(0, len(wanted), CHUNK):
            for pid, day, price in self.session.execute(
                select(PP.product_id, PP.effective_from, PP.list_price)
                .where(PP.product_id.in_(wanted[start : start + CHUNK]))
                .order_by(PP.product_id, PP.effective_from)
            ):
                days, prices = self.prices[pid]
                days.append(day)
                prices.append(price)

    def list_price_on(self, product: ProductInfo, day: date) -> Decimal:
        """The list price in force on ``day``: the version with the latest first day on or
        before it; before the first version, the first; the product's own list price when
        it has no versions."""
        if product.id not in self.prices:
            self.prefetch_prices([product.id])
        days, prices = self.prices[product.id]
        if not days:
            return product.list_price
        return prices[max(0, bisect_right(days, day) - 1)]

    def prefetch_frameworks(self, references: Iterable[str]) -> None:
        wanted = sorted({r for r in references if _codelike(r) and r not in self.frameworks})
        for start in range(0, len(wanted), CHUNK):
            rows = self.session.execute(
                select(m.Lot.id, m.Lot.number, m.Framework)
                .join(m.Framework, m.Lot.framework_id == m.Framework.id)
                .where(m.Framework.reference.in_(wanted[start : start + CHUNK]))
            )
            for lot_id, number, fw in rows:
                term = fw.term
                self.lots[(fw.reference, number)] = LotInfo(
                    lot_id,
                    fw.reference,
                    number,
                    fw.start_date,
                    term.effective_end,
                )
        self.frameworks.update(wanted)

    def prefetch_products(self, codes: Iterable[str]) -> None:
        wanted = sorted({c for c in codes if _codelike(c) and c not in self.products})
        for start in range(0, len(wanted), CHUNK):
            for pid, code, price, status in self.session.execute(
                select(m.Product.id, m.Product.code, m.Product.list_price, m.Product.status).where(
                    m.Product.code.in_(wanted[start : start + CHUNK])
                )
            ):
                self.products[code] = ProductInfo(pid, code, price, status)

    def prefetch_offers(self, pairs: Iterable[tuple[int, int]]) -> None:
        wanted = sorted({pair for pair in pairs if pair not in self.offers})
        for pair in wanted:
            self.offers[pair] = []
        for start in range(0, len(wanted), CHUNK):
            offers = self.session.execute(
                select(
                    m.Offer.id,
                    m.Offer.lot_id,
                    m.Offer.product_id,
                    m.Offer.ceiling_unit_price,
                    m.Offer.valid_from,
                    m.Offer.valid_to,
                )
                .where(
                    tuple_(m.Offer.lot_id, m.Offer.product_id).in_(wanted[start : start + CHUNK])
                )
                .order_by(m.Offer.valid_from)  # so the last one open on a day is the latest
            ).all()
            breaks: dict[int, list[PriceBreak]] = {}
            for offer_id, qty, price in self.session.execute(
                select(
                    m.PriceBreakRow.offer_id,
                    m.PriceBreakRow.min_quantity,
                    m.PriceBreakRow.unit_price,
                )
                .where(m.PriceBreakRow.offer_id.in_([o[0] for o in offers]))
                .order_by(m.PriceBreakRow.min_quantity)
            ):
                breaks.setdefault(offer_id, []).append(PriceBreak(qty, price))
            for offer_id, lot_id, product_id, ceiling, valid_from, valid_to in offers:
                self.offers[(lot_id, product_id)].append(
                    OfferInfo(ceiling, valid_from, valid_to, tuple(breaks.get(offer_id, ())))
                )

    def buyer(self, code: str) -> Buyer:
        try:
            return self.buyers[code.strip()]
        except KeyError:
            raise UnknownBuyerError(code.strip()) from None

    def product(self, code: str) -> ProductInfo:
        code = code.strip()
        if code not in self.products:
            self.prefetch_products([code])
        try:
            info = self.products[code]
        except KeyError:
            raise ValidationError(f"no product has the code “{code}”", field="product") from None
        if self.day is None:
            return info
        price = self.list_price_on(info, self.day)
        return info if price == info.list_price else replace(info, list_price=price)

    def lot(self, route: Route) -> LotInfo:
        framework, number = route.framework or "", route.lot or ""
        if framework not in self.frameworks:
            self.prefetch_frameworks([framework])
        lot = self.lots.get((framework, number))
        if lot is not None:
            return lot
        if not any(ref == framework for ref, _ in self.lots):
            raise ValidationError(
                f"no framework has the reference “{framework}”", field="framework"
            )
        raise ValidationError(f"framework {framework} has no lot “{number}”", field="lot")

    def offers_on(self, lot: LotInfo, product: ProductInfo, day: date) -> list[OfferInfo]:
        """The lot's offers of the product open on ``day``, the latest-starting last."""
        pair = (lot.id, product.id)
        if pair not in self.offers:
            self.prefetch_offers([pair])
        return [o for o in self.offers[pair] if o.open_on(day)]
