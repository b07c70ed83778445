from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.pooling import Quote, pool
from catalogue_app.domain.pricing import PriceBreak, unit_price_for_quantity
from catalogue_app.domain.purchases import Route


@st.composite
def routes(draw):
    """One to three offers, each with price breaks that never rise."""
    offers = []
    for _ in range(draw(st.integers(1, 3))):
        ceiling = Decimal(draw(st.integers(1, 10**6))) / 100
        quantities = sorted(draw(st.sets(st.integers(2, 5000), max_size=4)))
        price, breaks = ceiling, []
        for q in quantities:
            price = Decimal(draw(st.integers(0, int(price * 100)))) / 100
            breaks.append(PriceBreak(q, price))
        offers.append((ceiling, breaks))
    return offers


def best_quote(offers):
    def quote(quantity: int) -> Quote:
        prices = [unit_price_for_quantity(c, b, quantity) for c, b in offers]
        unit = min(prices)
        return Quote(Route("OFFER", str(prices.index(unit))), unit, unit * quantity)

    return quote


members = st.lists(st.integers(1, 3000), min_size=1, max_size=8).map(
    lambda qs: [(f"force-{n}", q) for n, q in enumerate(qs)]
)


@given(offers=routes(), quantities=members)
def test_pooling_never_costs_more_than_buying_alone(offers, quantities):
    outcome = pool(quantities, best_quote(offers))
    assert outcome.pooled.total <= outcome.alone_total
    assert outcome.saving >= 0
    assert outcome.quantity == sum(q for _, q in quantities)


@given(offers=routes(), quantities=members)
def test_shares_add_up_to_the_pooled_total_exactly(offers, quantities):
    outcome = pool(quantities, best_quote(offers))
    assert sum(m.pooled_share for m in outcome.members) == outcome.pooled.total
    for m in outcome.members:
        ideal = outcome.pooled.total * m.quantity / outcome.quantity
        assert abs(m.pooled_share - ideal) < Decimal("0.01")


def test_pooling_refuses_nonsense():
    with pytest.raises(ValidationError, match="at least one force"):
        pool([], best_quote([(Decimal(1), [])]))
    with pytest.raises(ValidationError, match="kent's quantity must be more than zero"):
        pool([("kent", 0)], best_quote([(Decimal(1), [])]))
