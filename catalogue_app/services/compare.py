"""Comparing products and buying routes, and pricing demand pooled across forces.

Every figure uses the prices in force on one day (``on``, today unless given): the
product's list price version from that day, and for each lot the offer version open
on it. A lot whose offer is not open that day still shows, flagged, at the prices of
its latest version to have started (or its first, when none has yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalogue_app.db import models as m
from catalogue_app.domain.enums import BuyerKind, PurchaseStatus
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.domain.pooling import PoolOutcome, Quote, pool
from catalogue_app.domain.pricing import PriceBreak, unit_price_for_quantity
from catalogue_app.domain.purchases import Route
from catalogue_app.services.browse import BrowseService, PriceStats
from catalogue_app.services.database import Database
from catalogue_app.services.dto import Row
from catalogue_app.services.editing.store import price_versions, version_on
from catalogue_app.services.ledger.queries import SPEND, find_buyer

OFF_FRAMEWORK = Route()


@dataclass(frozen=True)
class RouteOption(Row):
    """One way to buy a product: a framework lot, or off-framework at list price."""

    route: Route
    framework: str | None
    lot: str | None
    title: str
    routes_to_market: str  # "direct award", "further competition", both, or "—"
    unit_price: Decimal
    total: Decimal
    ends: date | None
    extensions_left: int
    headroom: Decimal | None
    active: bool
    exceeds_headroom: bool

    @property
    def flags(self) -> list[str]:
        out = []
        if not self.active:
            out.append("expired or not yet open")
        if self.exceeds_headroom:
            out.append("would exceed the framework's headroom")
        return out


@dataclass(frozen=True)
class ProductComparison(Row):
    code: str
    name: str
    supplier: str
    supplier_status: str
    category: str
    status: str
    accredited_from: date | None
    accredited_to: date | None
    unit: str
    list_price: Decimal
    quantity: int
    best_route: Route
    unit_price: Decimal
    total: Decimal
    saving_vs_list: Decimal
    priced_at_list: bool  # no framework offers it that day: priced at list price, and says so
    routes: list[Route] = field(default_factory=list)
    forces_using: int = 0
    lowest_paid: Decimal | None = None
    median_paid: Decimal | None = None
    highest_paid: Decimal | None = None
    buyer_last_paid: Decimal | None = None
    prices_on: date | None = None  # the day whose prices these are


def _open_on(offer: m.Offer, day: date) -> bool:
    return offer.valid_from <= day and (offer.valid_to is None or day <= offer.valid_to)


def _offer_on(versions: Sequence[m.Offer], day: date) -> m.Offer:
    """Of one lot's price versions for a product (oldest first), the one open on ``day``;
    when none is, the latest to have started by then, else the first."""
    open_then = [o for o in versions if _open_on(o, day)]
    if open_then:
        return open_then[-1]
    started = [o for o in versions if o.valid_from <= day]
    return started[-1] if started else versions[0]


def _list_price_on(s: Session, product: m.Product, day: date) -> Decimal:
    """The product's list price in force on ``day`` (its only price when it has no versions)."""
    version = version_on(price_versions(s, product.id), day)
    return product.list_price if version is None else version[1]


class CompareService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._browse = BrowseService(db)

    def routes(self, product: str, quantity: int, on: date | None = None) -> list[RouteOption]:
        """Every route that offers ``product``, priced for ``quantity`` at the prices in force
        ``on`` that day (today unless given); best first.

        Routes not open that day and those that would exceed a framework's headroom are
        included but flagged.
        """
        if quantity <= 0:
            raise ValidationError("the quantity must be more than zero", field="quantity")
        day = on or date.today()
        with self.db.reading() as s:
            product_row = s.scalar(select(m.Product).where(m.Product.code == product))
            if product_row is None:
                raise NotFoundError(f"no product has the code “{product}”")
            versions: dict[int, list[m.Offer]] = {}
            for offer in s.scalars(
                select(m.Offer)
                .where(m.Offer.product_id == product_row.id)
                .order_by(m.Offer.valid_from)
                .options(
                    selectinload(m.Offer.price_breaks),
                    selectinload(m.Offer.lot).selectinload(m.Lot.framework),
                )
            ):
                versions.setdefault(offer.lot_id, []).append(offer)
            offers = [_offer_on(lot_versions, day) for lot_versions in versions.values()]
            frameworks = {o.lot.framework.id for o in offers}
            spend = (
                dict(
                    s.execute(
                        select(m.Lot.framework_id, SPEND)
                        .join(m.Purchase, m.Purchase.lot_id == m.Lot.id)
                        .where(
                            m.Lot.framework_id.in_(frameworks),
                            m.Purchase.status == PurchaseStatus.ACTIVE,
                        )
                        .group_by(m.Lot.framework_id)
                    ).all()
                )
                if frameworks
                else {}
            )
            options = []
            for o in offers:
                fw, lot = o.lot.framework, o.lot
                term = fw.term
                unit = unit_price_for_quantity(
                    o.ceiling_unit_price,
                    [PriceBreak(b.min_quantity, b.unit_price) for b in o.price_breaks],
                    quantity,
                )
                total = unit * quantity
                headroom = (
                    fw.max_value - spend.get(fw.id, Decimal("0.00"))
                    if fw.max_value is not None
                    else None
                )
                active = term.is_active_on(day) and _open_on(o, day)
                routes = [
                    r
                    for r, on_offer in (
                        ("direct award", lot.direct_award),
                        ("further competition", lot.further_competition),
                    )
                    if on_offer
                ]
                options.append(
                    RouteOption(
                        Route(fw.reference, lot.number),
                        fw.reference,
                        lot.number,
                        f"{fw.title}: {lot.title}",
                        " and ".join(routes) or "—",
                        unit,
                        total,
                        term.effective_end,
                        term.extensions_left,
                        headroom,
                        active,
                        headroom is not None and total > headroom,
                    )
                )
            list_price = _list_price_on(s, product_row, day)
            options.append(
                RouteOption(
                    OFF_FRAMEWORK,
                    None,
                    None,
                    "Off-framework at list price",
                    "—",
                    list_price,
                    list_price * quantity,
                    None,
                    0,
                    None,
                    True,
                    False,
                )
            )
        return sorted(
            options, key=lambda r: (not r.active, r.exceeds_headroom, r.total, str(r.route))
        )

    def quote(self, product: str, quantity: int, on: date | None = None) -> Quote:
        """The cheapest route open on the day (off-framework at list price if none is)."""
        best = next(r for r in self.routes(product, quantity, on) if r.active)
        return Quote(best.route, best.unit_price, best.total)

    def compare(
        self,
        codes: list[str],
        quantity: int,
        on: date | None = None,
        buyer: str | None = None,
    ) -> list[ProductComparison]:
        """The products side by side at the prices in force ``on`` that day (today unless
        given); ``buyer``, if given, adds what that force or collaboration last paid for each."""
        if not 2 <= len(codes) <= 6:
            raise ValidationError("compare two to six products", field="products")
        day = on or date.today()
        last_paid = self._last_paid(buyer, codes) if buyer else {}
        result = []
        for code in codes:
            routes = self.routes(code, quantity, day)
            best = next(r for r in routes if r.active)
            listed = next(r for r in routes if r.route.is_off_framework)
            with self.db.reading() as s:
                p = s.scalar(
                    select(m.Product)
                    .where(m.Product.code == code)
                    .options(selectinload(m.Product.supplier), selectinload(m.Product.category))
                )
                assert p is not None  # routes() has checked the code
                row = (
                    p.code,
                    p.name,
                    p.supplier.name,
                    p.supplier.status,
                    p.category.label,
                    p.status,
                    p.accredited_from,
                    p.accredited_to,
                    p.unit,
                    listed.unit_price,  # the list price in force that day
                )
            stats: PriceStats = self._browse.price_stats(code)
            result.append(
                ProductComparison(
                    *row,
                    quantity,
                    best.route,
                    best.unit_price,
                    best.total,
                    row[-1] * quantity - best.total,
                    best.route.is_off_framework,
                    [r.route for r in routes if not r.route.is_off_framework],
                    stats.forces,
                    stats.lowest,
                    stats.median,
                    stats.highest,
                    last_paid.get(code),
                    day,
                )
            )
        return result

    def _last_paid(self, buyer_code: str, codes: list[str]) -> dict[str, Decimal]:
        with self.db.reading() as s:
            buyer = find_buyer(s, buyer_code)
            own = buyer.purchases_column
            paid: dict[str, Decimal] = {}
            for code, price in s.execute(
                select(m.Product.code, m.Purchase.unit_price)
                .join(m.Product, m.Purchase.product_id == m.Product.id)
                .where(
                    own == buyer.id,
                    m.Purchase.status == PurchaseStatus.ACTIVE,
                    m.Product.code.in_(codes),
                )
                .order_by(m.Purchase.order_date, m.Purchase.recorded_at)
            ):
                paid[code] = price  # the latest wins
            return paid

    def members(self, buyers: list[str], on: date | None = None) -> list[tuple[str, Decimal]]:
        """Forces named, or the members of a collaboration named on that day, with officer
        numbers."""
        day = on or date.today()
        forces: dict[str, Decimal] = {}
        with self.db.reading() as s:
            for code in buyers:
                buyer = find_buyer(s, code.strip())
                if buyer.kind is BuyerKind.FORCE:
                    fte = s.scalar(select(m.Force.officer_fte).where(m.Force.id == buyer.id))
                    forces[buyer.code] = fte or Decimal(0)
                    continue
                for f_code, fte in s.execute(
                    select(m.Force.code, m.Force.officer_fte)
                    .join(m.CollaborationMember, m.CollaborationMember.force_id == m.Force.id)
                    .where(
                        m.CollaborationMember.collaboration_id == buyer.id,
                        m.CollaborationMember.joined_on <= day,
                    )
                    .order_by(m.Force.code)
                ):
                    forces[f_code] = fte or Decimal(0)
        return list(forces.items())

    def pool(
        self,
        product: str,
        buyers: list[str],
        quantities: list[int] | None = None,
        on: date | None = None,
    ) -> PoolOutcome:
        """What buying together saves at the prices in force ``on`` that day (today unless
        given), alone and pooled. Each member's quantity defaults to one per officer
        (rounded)."""
        day = on or date.today()
        members = self.members(buyers, day)
        if quantities is None:
            quantities = [max(1, int(fte.to_integral_value())) for _, fte in members]
        if len(quantities) != len(members):
            raise ValidationError(
                f"give one quantity for each of the {len(members)} forces "
                f"({', '.join(c for c, _ in members)})",
                field="quantities",
            )
        with self.db.reading() as s:
            if (
                s.scalar(
                    select(func.count()).select_from(m.Product).where(m.Product.code == product)
                )
                == 0
            ):
                raise NotFoundError(f"no product has the code “{product}”")
        cache: dict[int, Quote] = {}

        def quote(quantity: int) -> Quote:
            if quantity not in cache:
                cache[quantity] = self.quote(product, quantity, day)
            return cache[quantity]

        return pool(list(zip([c for c, _ in members], quantities, strict=True)), quote)
