from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.pricing import (
    FrameworkTerm,
    PriceBreak,
    add_months,
    unit_price_for_quantity,
    validate_price_breaks,
)

CEILING = Decimal("450.00")
BREAKS = [PriceBreak(50, Decimal("430.00")), PriceBreak(250, Decimal("410.00"))]


@pytest.mark.parametrize(
    ("quantity", "price"),
    [
        (1, "450.00"),
        (49, "450.00"),
        (50, "430.00"),
        (249, "430.00"),
        (250, "410.00"),
        (10**6, "410.00"),
    ],
)
def test_unit_price_is_the_deepest_break_reached(quantity, price):
    assert unit_price_for_quantity(CEILING, BREAKS, quantity) == Decimal(price)


def test_unit_price_needs_a_positive_quantity():
    with pytest.raises(ValidationError, match="more than zero"):
        unit_price_for_quantity(CEILING, BREAKS, 0)


def test_breaks_must_rise_in_quantity_and_not_in_price():
    validate_price_breaks(CEILING, BREAKS)
    with pytest.raises(ValidationError, match="must be greater than 50"):
        validate_price_breaks(CEILING, [PriceBreak(50, Decimal(1)), PriceBreak(50, Decimal(1))])
    with pytest.raises(ValidationError, match="higher than"):
        validate_price_breaks(CEILING, [PriceBreak(10, Decimal("460.00"))])
    with pytest.raises(ValidationError, match="higher than 430.00"):
        validate_price_breaks(
            CEILING, [PriceBreak(10, Decimal("430.00")), PriceBreak(20, Decimal("431.00"))]
        )


@st.composite
def offers(draw):
    ceiling = Decimal(draw(st.integers(1, 10**7))) / 100
    n = draw(st.integers(0, 6))
    quantities = sorted(draw(st.sets(st.integers(2, 10**5), min_size=n, max_size=n)))
    prices = []
    price = ceiling
    for _ in quantities:
        price = Decimal(draw(st.integers(0, int(price * 100)))) / 100
        prices.append(price)
    return ceiling, [PriceBreak(q, p) for q, p in zip(quantities, prices, strict=True)]


@given(offer=offers(), a=st.integers(1, 2 * 10**5), b=st.integers(1, 2 * 10**5))
def test_unit_price_never_rises_with_quantity(offer, a, b):
    ceiling, breaks = offer
    validate_price_breaks(ceiling, breaks)
    small, large = sorted((a, b))
    assert unit_price_for_quantity(ceiling, breaks, large) <= unit_price_for_quantity(
        ceiling, breaks, small
    )


def test_add_months_clamps_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2019, 6, 14), 24) == date(2021, 6, 14)


def test_framework_term_counts_extensions_taken():
    term = FrameworkTerm(date(2019, 6, 14), date(2024, 6, 13), 2, 12, 1)
    assert term.effective_end == date(2025, 6, 13)
    assert term.extensions_left == 1
    assert term.latest_possible_end == date(2026, 6, 13)
    assert term.is_active_on(date(2025, 6, 13))
    assert not term.is_active_on(date(2025, 6, 14))
    assert not term.is_active_on(date(2019, 6, 13))
