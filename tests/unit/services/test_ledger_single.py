"""Recording one purchase looks up only what it names; it must find exactly what an
import's lookups find (buyers with their members, products with their list-price
versions, lots with their terms, offers with their price breaks) and refuse the same."""

from datetime import date

import pytest
from sqlalchemy import select

from catalogue_app.db import models as m
from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.purchases import Route
from catalogue_app.services.ledger import UnknownBuyerError
from catalogue_app.services.ledger.queries import Lookups
from catalogue_app.services.ledger.single import OneLookups

DAYS = (date(2019, 6, 1), date(2023, 1, 15), date(2026, 5, 1))


def test_every_buyer_is_found_as_an_import_finds_it(db):
    with db.reading() as s:
        everyone = Lookups(s)
        one = OneLookups(s)
        assert everyone.buyers
        for code, buyer in everyone.buyers.items():
            assert one.buyer(f" {code} ") == buyer
        assert any(buyer.members for buyer in everyone.buyers.values())


def test_every_offered_route_gives_the_same_lot_offers_and_prices(db):
    with db.reading() as s:
        offered = s.execute(
            select(m.Framework.reference, m.Lot.number, m.Product.code)
            .join(m.Lot, m.Lot.framework_id == m.Framework.id)
            .join(m.Offer, m.Offer.lot_id == m.Lot.id)
            .join(m.Product, m.Offer.product_id == m.Product.id)
            .distinct()
        ).all()
        assert offered
        everyone, one = Lookups(s), OneLookups(s)
        for framework, number, code in offered:
            route = Route(framework, number)
            lot, product = one.lot(route), one.product(code)
            assert lot == everyone.lot(route)
            assert product == everyone.product(code)
            for day in DAYS:
                assert one.offers_on(lot, product, day) == everyone.offers_on(lot, product, day)
                assert one.list_price_on(product, day) == everyone.list_price_on(product, day)
        assert any(o.breaks for offers in one.offers.values() for o in offers)


def test_what_does_not_exist_is_refused_in_the_same_words(db):
    with db.reading() as s:
        everyone, one = Lookups(s), OneLookups(s)
        for ask in (
            lambda lookups: lookups.buyer("nowhere"),
            lambda lookups: lookups.product("NO-SUCH-PRODUCT"),
            lambda lookups: lookups.lot(Route("NO-SUCH-FRAMEWORK", "1")),
            lambda lookups: lookups.lot(Route(everyone.lot(_any_route(s)).reference, "99")),
        ):
            with pytest.raises(ValidationError) as expected:
                ask(everyone)
            with pytest.raises(type(expected.value)) as found:
                ask(one)
            assert str(found.value) == str(expected.value)
            assert found.value.field == expected.value.field
        with pytest.raises(UnknownBuyerError):
            one.buyer("\x00")


def _any_route(s) -> Route:
    reference, number = s.execute(
        select(m.Framework.reference, m.Lot.number).join(
            m.Lot, m.Lot.framework_id == m.Framework.id
        )
    ).first()
    return Route(reference, number)
