"""What the purchase dialog asks the ledger while an officer fills it in: products to pick
from, where a unit price comes from, the members who share a joint purchase, the split rule
a stored purchase was made with, and what deserves a second look before saving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.enums import PurchaseStatus
from catalogue_app.domain.errors import CatalogueError, ValidationError
from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.purchases import Route, SplitRule
from catalogue_app.services.database import Database
from catalogue_app.services.dto import Row
from catalogue_app.services.ledger import queries
from catalogue_app.services.ledger.model import (
    PurchaseDraft,
    RecordedPurchase,
    StoredPurchase,
    custom_split,
)

P = m.Purchase
# A quantity this many times the buyer's median for the product is worth a second look.
UNUSUAL_FACTOR = 10
# The fewest earlier purchases that make a "usual" quantity.
USUAL_AFTER = 3
MAX_SEARCH_WORDS = 6


@dataclass(frozen=True)
class ProductChoice(Row):
    code: str
    name: str
    supplier: str
    list_price: Decimal
    status: str

    @property
    def label(self) -> str:
        """How a picker lists the product: name, code and supplier."""
        return f"{self.name} ({self.code}) — {self.supplier}"


@dataclass(frozen=True)
class PriceSource(Row):
    """The unit price a route gives for a quantity, and where it comes from in plain words."""

    price: Decimal
    text: str  # "From the price breaks of ESSEX-ATHENA lot 1 at 500+"
    compared: str  # "the price breaks' £450.00", for a price typed in that differs
    list_price: Decimal  # the product's list price on the day: the baseline unless typed


@dataclass(frozen=True)
class MemberChoice(Row):
    code: str
    name: str
    officer_fte: Decimal | None


@dataclass(frozen=True)
class Caution(Row):
    """A reason to ask before saving: ``kind`` is zero-price, unusual-quantity, headroom or
    duplicate-reference; ``message`` says why in one or two sentences."""

    kind: str
    message: str


def _words(text: str) -> list[str]:
    return [w for w in text.lower().split() if any(c.isalnum() for c in w)][:MAX_SEARCH_WORDS]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _median(values: list[int]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return Decimal(ordered[middle - 1] + ordered[middle]) / 2


class PurchaseAdvice:
    """Read-only help for the purchase dialog; every method is one short read."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find_products(self, text: str, limit: int = 25) -> list[ProductChoice]:
        """Products whose name, code or supplier holds every word of ``text``, the best first
        (the code itself, then names starting with the first word)."""
        words = _words(text)
        if not words:
            return []
        supplier = func.lower(m.Supplier.name)
        name, code = func.lower(m.Product.name), func.lower(m.Product.code)
        stmt = select(
            m.Product.code, m.Product.name, m.Supplier.name, m.Product.list_price, m.Product.status
        ).join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
        for word in words:
            pattern = _like(word)
            stmt = stmt.where(
                or_(
                    name.like(pattern, escape="\\"),
                    code.like(pattern, escape="\\"),
                    supplier.like(pattern, escape="\\"),
                )
            )
        first = _like(words[0])[1:]  # "word%"
        rank = case(
            (code == words[0], 0),
            (name.like(first, escape="\\"), 1),
            (name.like(_like(words[0]), escape="\\"), 2),
            else_=3,
        )
        stmt = stmt.order_by(rank, m.Product.name, m.Product.code).limit(limit)
        with self.db.reading() as s:
            return [ProductChoice(*row) for row in s.execute(stmt)]

    def product(self, code: str) -> ProductChoice | None:
        """The product with exactly this code (any case), or None."""
        wanted = code.strip().upper()
        if not wanted:
            return None
        with self.db.reading() as s:
            row = s.execute(
                select(
                    m.Product.code,
                    m.Product.name,
                    m.Supplier.name,
                    m.Product.list_price,
                    m.Product.status,
                )
                .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
                .where(func.upper(m.Product.code) == wanted)
            ).first()
        return ProductChoice(*row) if row else None

    def price_source(self, product: str, route: Route, quantity: int, day: date) -> PriceSource:
        """The unit price ``route`` gives for ``quantity`` at the prices in force on ``day``
        (the order date), and where it comes from; a :class:`ValidationError` when the route
        cannot give one."""
        with self.db.reading() as s:
            lookups = queries.Lookups(s)
            info = lookups.on(day).product(product)
            if route.is_off_framework:
                return PriceSource(
                    info.list_price,
                    "List price (off-framework)",
                    f"the list price, {format_gbp(info.list_price)}",
                    info.list_price,
                )
            lot = lookups.lot(route)
            offers = lookups.offers_on(lot, info, day)
        if not offers:
            raise ValidationError(
                f"lot {route.lot} of {route.framework} does not offer {product} on {_day(day)}",
                field="lot",
            )
        offer = offers[-1]
        reached = [b for b in offer.breaks if quantity >= b.min_quantity]
        best = min(reached, key=lambda b: (b.unit_price, -b.min_quantity), default=None)
        if best is not None and best.unit_price <= offer.ceiling:
            return PriceSource(
                best.unit_price,
                f"From the price breaks of {route} at {best.min_quantity:,}+",
                f"the price breaks' {format_gbp(best.unit_price)}",
                info.list_price,
            )
        return PriceSource(
            offer.ceiling,
            f"The ceiling price of {route}",
            f"the ceiling price of {route}, {format_gbp(offer.ceiling)}",
            info.list_price,
        )

    def members(self, collaboration: str, day: date) -> list[MemberChoice]:
        """The forces in ``collaboration`` on ``day``, as a split lists them (none for a
        force or an unknown code)."""
        with self.db.reading() as s:
            try:
                buyer = queries.find_buyer(s, collaboration, with_members=True)
            except CatalogueError:
                return []
            members = buyer.members_on(day)
            names = dict(
                s.execute(
                    select(m.Force.code, m.Force.name).where(
                        m.Force.code.in_([mb.code for mb in members])
                    )
                ).all()
            )
        return [
            MemberChoice(mb.code, names.get(mb.code, mb.code), mb.officer_fte) for mb in members
        ]

    def split_rule(self, stored: StoredPurchase) -> str | None:
        """The rule that gives the stored shares: ``officers`` or ``equal`` when either
        reproduces them to the penny, else the custom amounts; None for a force's purchase."""
        if not stored.shares:
            return None
        with self.db.reading() as s:
            buyer = queries.find_buyer(s, stored.buyer, with_members=True)
        members = [(mb.code, mb.officer_fte) for mb in buyer.members_on(stored.order_date)]
        total = stored.unit_price * stored.quantity
        for kind in ("officers", "equal"):
            try:
                if SplitRule(kind).allocate(total, members) == dict(stored.shares):
                    return kind
            except ValidationError:
                break
        return custom_split(stored.shares)

    def cautions(self, draft: PurchaseDraft, purchase: RecordedPurchase) -> list[Caution]:
        """What to ask the officer about before recording ``purchase`` (already valid): a
        duplicate order reference first, then a £0.00 unit price, a quantity far above the
        buyer's usual, and a total beyond the framework's headroom."""
        exclude = draft.id or ""
        found: list[Caution] = []
        with self.db.reading() as s:
            buyer = queries.find_buyer(s, purchase.buyer)
            duplicate = self._duplicate(s, buyer, purchase.order_reference, exclude)
            if duplicate is not None:
                found.append(duplicate)
            if purchase.unit_price == 0:
                found.append(
                    Caution(
                        "zero-price",
                        f"The unit price is £0.00, so the whole baseline of "
                        f"{format_gbp(purchase.baseline_unit_price * purchase.quantity)} would "
                        "count as a saving.",
                    )
                )
            unusual = self._unusual_quantity(s, buyer, purchase, exclude)
            if unusual is not None:
                found.append(unusual)
            headroom = self._headroom(s, purchase, exclude)
            if headroom is not None:
                found.append(headroom)
        return found

    @staticmethod
    def _duplicate(
        s: Session, buyer: queries.Buyer, reference: str, exclude: str
    ) -> Caution | None:
        row = s.execute(
            select(P.order_date, m.Product.name)
            .join(m.Product, P.product_id == m.Product.id)
            .where(
                buyer.purchases_column == buyer.id,
                P.order_reference == reference,
                P.status == PurchaseStatus.ACTIVE,
                P.id != exclude,
            )
            .limit(1)
        ).first()
        if row is None:
            return None
        return Caution(
            "duplicate-reference",
            f"{buyer.name} already has an active purchase with order reference {reference} "
            f"({row[1]}, ordered {_day(row[0])}). The ledger keeps one active purchase per "
            "buyer and order reference, so give this order its own reference.",
        )

    @staticmethod
    def _unusual_quantity(
        s: Session, buyer: queries.Buyer, purchase: RecordedPurchase, exclude: str
    ) -> Caution | None:
        quantities = list(
            s.scalars(
                select(P.quantity)
                .join(m.Product, P.product_id == m.Product.id)
                .where(
                    buyer.purchases_column == buyer.id,
                    m.Product.code == purchase.product,
                    P.status == PurchaseStatus.ACTIVE,
                    P.id != exclude,
                )
            )
        )
        if len(quantities) < USUAL_AFTER:
            return None
        usual = _median(quantities)
        if purchase.quantity <= usual * UNUSUAL_FACTOR:
            return None
        product = s.scalar(select(m.Product.name).where(m.Product.code == purchase.product))
        return Caution(
            "unusual-quantity",
            f"The quantity {purchase.quantity:,} is more than {UNUSUAL_FACTOR} times what "
            f"{buyer.name} usually orders of {product} (a median of {usual:,f} over "
            f"{len(quantities):,} purchases).",
        )

    @staticmethod
    def _headroom(s: Session, purchase: RecordedPurchase, exclude: str) -> Caution | None:
        route = purchase.route
        if route.is_off_framework:
            return None
        framework = s.execute(
            select(m.Framework.id, m.Framework.max_value).where(
                m.Framework.reference == route.framework
            )
        ).first()
        if framework is None or framework.max_value is None:
            return None
        lots = select(m.Lot.id).where(m.Lot.framework_id == framework.id)
        spent = s.scalar(
            select(queries.SPEND).where(
                P.lot_id.in_(lots), P.status == PurchaseStatus.ACTIVE, P.id != exclude
            )
        ) or Decimal("0.00")
        left = framework.max_value - spent
        if purchase.total <= left:
            return None
        room = (
            f"only {format_gbp(left)} is left"
            if left > 0
            else f"nothing is left (already {format_gbp(-left)} over)"
            if left < 0
            else "nothing is left"
        )
        return Caution(
            "headroom",
            f"The total {format_gbp(purchase.total)} is more than framework {route.framework} "
            f"can take: of its {format_gbp(framework.max_value)} ceiling, {format_gbp(spent)} "
            f"is already called off and {room}.",
        )
