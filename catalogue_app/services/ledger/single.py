"""The lookups of recording one purchase: only what the purchase names, each in one
statement built once (so its SQL is compiled once per process), where an import's
lookups read every buyer and fetch what a file names in chunks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, bindparam, literal, literal_column, select, union_all
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.enums import BuyerKind
from catalogue_app.domain.pricing import FrameworkTerm, PriceBreak
from catalogue_app.domain.purchases import BuyerRef
from catalogue_app.services.ledger.model import UnknownBuyerError
from catalogue_app.services.ledger.queries import (
    Buyer,
    Lookups,
    LotInfo,
    Member,
    OfferInfo,
    ProductInfo,
)


def _table(model: type[m.Base]) -> Table:
    return cast(Table, model.__table__)


_F = _table(m.Force)
_C = _table(m.Collaboration)
_CM = _table(m.CollaborationMember)
_PRODUCT = _table(m.Product)
_PRICE = _table(m.ProductPrice)
_FW = _table(m.Framework)
_LOT = _table(m.Lot)
_OFFER = _table(m.Offer)
_BREAK = _table(m.PriceBreakRow)

# the force with the code, else the collaboration (as every other lookup of a buyer)
_BUYER = union_all(
    select(literal(BuyerKind.FORCE.value).label("kind"), _F.c.id, _F.c.name).where(
        _F.c.code == bindparam("code")
    ),
    select(literal(BuyerKind.COLLABORATION.value).label("kind"), _C.c.id, _C.c.name).where(
        _C.c.code == bindparam("code")
    ),
).order_by(literal_column("kind").desc())  # "force" after "collaboration" in the alphabet
_MEMBERS = (
    select(_F.c.code, _F.c.id, _F.c.officer_fte, _CM.c.joined_on, _CM.c.left_on)
    .join(_F, _CM.c.force_id == _F.c.id)
    .where(_CM.c.collaboration_id == bindparam("collaboration"))
    .order_by(_F.c.code)
)
_PRODUCTS = select(_PRODUCT.c.id, _PRODUCT.c.list_price, _PRODUCT.c.status).where(
    _PRODUCT.c.code == bindparam("code")
)
_PRICES = (
    select(_PRICE.c.effective_from, _PRICE.c.list_price)
    .where(_PRICE.c.product_id == bindparam("product"))
    .order_by(_PRICE.c.effective_from)
)
_LOTS = (
    select(
        _LOT.c.id,
        _LOT.c.number,
        _FW.c.start_date,
        _FW.c.end_date,
        _FW.c.extension_count,
        _FW.c.extension_months,
        _FW.c.extensions_taken,
    )
    .join(_FW, _LOT.c.framework_id == _FW.c.id)
    .where(_FW.c.reference == bindparam("reference"))
)
# each offer with its price breaks (none: one row of NULLs), the latest-starting last
_OFFERS = (
    select(
        _OFFER.c.id,
        _OFFER.c.ceiling_unit_price,
        _OFFER.c.valid_from,
        _OFFER.c.valid_to,
        _BREAK.c.min_quantity,
        _BREAK.c.unit_price,
    )
    .outerjoin(_BREAK, _BREAK.c.offer_id == _OFFER.c.id)
    .where(_OFFER.c.lot_id == bindparam("lot"), _OFFER.c.product_id == bindparam("product"))
    .order_by(_OFFER.c.valid_from, _OFFER.c.id, _BREAK.c.min_quantity)
)


class OneLookups(Lookups):
    """:class:`Lookups` that read only the buyer, product, framework, offers and list prices
    asked for, one statement each, and no buyer until one is asked for."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, buyers={})  # filled one at a time by buyer()

    def buyer(self, code: str) -> Buyer:
        code = code.strip()
        if code not in self.buyers:
            # PostgreSQL refuses even to compare a NUL character: no code holds one
            found = self._find_buyer(code) if code and "\x00" not in code else None
            if found is None:
                raise UnknownBuyerError(code)
            self.buyers[code] = found
        return self.buyers[code]

    def _find_buyer(self, code: str) -> Buyer | None:
        conn = self.session.connection()
        found = conn.execute(_BUYER, {"code": code}).first()
        if found is None:
            return None
        kind, buyer_id, name = found
        ref = BuyerRef(BuyerKind(kind), code)
        if ref.kind is BuyerKind.FORCE:
            return Buyer(ref, buyer_id, name)
        members = tuple(Member(*row) for row in conn.execute(_MEMBERS, {"collaboration": buyer_id}))
        return Buyer(ref, buyer_id, name, members)

    def prefetch_products(self, codes: Iterable[str]) -> None:
        conn = self.session.connection()
        for code in sorted({c for c in codes if c and "\x00" not in c} - set(self.products)):
            row = conn.execute(_PRODUCTS, {"code": code}).first()
            if row is not None:
                self.products[code] = ProductInfo(row.id, code, row.list_price, row.status)

    def prefetch_prices(self, product_ids: Iterable[int]) -> None:
        conn = self.session.connection()
        for pid in sorted(set(product_ids) - set(self.prices)):
            days: list[date] = []
            prices: list[Decimal] = []
            for day, price in conn.execute(_PRICES, {"product": pid}):
                days.append(day)
                prices.append(price)
            self.prices[pid] = (days, prices)

    def prefetch_frameworks(self, references: Iterable[str]) -> None:
        conn = self.session.connection()
        wanted = {r for r in references if r and "\x00" not in r} - self.frameworks
        for reference in sorted(wanted):
            for lot_id, number, *term in conn.execute(_LOTS, {"reference": reference}):
                start = term[0]
                self.lots[(reference, number)] = LotInfo(
                    lot_id, reference, number, start, FrameworkTerm(*term).effective_end
                )
        self.frameworks.update(wanted)

    def prefetch_offers(self, pairs: Iterable[tuple[int, int]]) -> None:
        conn = self.session.connection()
        for lot_id, product_id in sorted(set(pairs) - set(self.offers)):
            offers: dict[int, tuple[Decimal, date, date | None, list[PriceBreak]]] = {}
            for offer_id, ceiling, valid_from, valid_to, quantity, price in conn.execute(
                _OFFERS, {"lot": lot_id, "product": product_id}
            ):
                breaks = offers.setdefault(offer_id, (ceiling, valid_from, valid_to, []))[3]
                if quantity is not None:
                    breaks.append(PriceBreak(quantity, price))
            self.offers[(lot_id, product_id)] = [
                OfferInfo(ceiling, valid_from, valid_to, tuple(breaks))
                for ceiling, valid_from, valid_to, breaks in offers.values()
            ]
