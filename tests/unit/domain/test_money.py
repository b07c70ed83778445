from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import (
    format_gbp,
    from_pence,
    parse_money,
    round_money,
    split_largest_remainder,
    to_pence,
)


def test_round_money_is_half_up_to_the_penny():
    assert round_money(Decimal("2.675")) == Decimal("2.68")
    assert round_money(Decimal("2.665")) == Decimal("2.67")
    assert round_money(Decimal("-2.675")) == Decimal("-2.68")
    assert round_money(Decimal("10")) == Decimal("10.00")


def test_round_money_refuses_float():
    with pytest.raises(TypeError):
        round_money(2.675)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", "12.00"), ("12.5", "12.50"), ("£1,234.56", "1234.56"), (" 0.01 ", "0.01")],
)
def test_parse_money_accepts_what_officers_type(text, expected):
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", "fractions of a penny"),
        ("-1", "must not be negative"),
        ("abc", "is not an amount of money"),
        ("NaN", "is not an amount of money"),
        ("Infinity", "is not an amount of money"),
    ],
)
def test_parse_money_names_what_is_wrong(text, message):
    with pytest.raises(ValidationError, match=message) as info:
        parse_money(text, field="unit price")
    assert info.value.field == "unit price"
    assert "unit price" in str(info.value)


def test_parse_money_refuses_float():
    with pytest.raises(TypeError):
        parse_money(1.1)  # type: ignore[arg-type]


def test_pence_round_trip_and_refusal():
    assert to_pence(Decimal("1234.56")) == 123456
    assert from_pence(123456) == Decimal("1234.56")
    with pytest.raises(ValueError):
        to_pence(Decimal("0.001"))


def test_format_gbp():
    assert format_gbp(Decimal("1234567.5")) == "£1,234,567.50"
    assert format_gbp(Decimal("-3")) == "-£3.00"


def test_split_equal_three_ways_gives_the_odd_penny_to_the_first():
    assert split_largest_remainder(Decimal("100.00"), [Decimal(1)] * 3) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]


def test_split_by_officer_numbers_norfolk_suffolk():
    # Norfolk 1,643.70 and Suffolk 1,179.61 officers share a £9,999.99 order.
    shares = split_largest_remainder(Decimal("9999.99"), [Decimal("1643.70"), Decimal("1179.61")])
    # ideals 5821.884… and 4178.105…: the spare penny goes to the larger remainder
    assert shares == [Decimal("5821.88"), Decimal("4178.11")]
    assert sum(shares) == Decimal("9999.99")


def test_split_refuses_nonsense_weights():
    with pytest.raises(ValueError):
        split_largest_remainder(Decimal("1.00"), [])
    with pytest.raises(ValueError):
        split_largest_remainder(Decimal("1.00"), [Decimal(0), Decimal(0)])
    with pytest.raises(ValueError):
        split_largest_remainder(Decimal("1.00"), [Decimal(1), Decimal(-1)])


pennies = st.integers(min_value=0, max_value=10**12).map(from_pence)
weights = st.lists(
    st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=12,
).filter(lambda ws: sum(ws) > 0)


@given(total=pennies, ws=weights)
def test_split_allocates_every_penny_and_stays_within_a_penny_of_ideal(total, ws):
    shares = split_largest_remainder(total, ws)
    assert sum(shares) == total
    assert len(shares) == len(ws)
    weight_sum = sum(ws)
    for share, w in zip(shares, ws, strict=True):
        ideal = total * w / weight_sum
        assert abs(share - ideal) < Decimal("0.01")
        assert share >= 0
        assert share == share.quantize(Decimal("0.01"))
