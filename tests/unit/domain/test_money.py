import datetime
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import (
    MAX_AMOUNT,
    MAX_UNIT_PRICE,
    PENNY,
    format_gbp,
    from_pence,
    parse_money,
    parse_unit_price,
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("£1,234,567.89", "1234567.89"),
        ("999,999", "999999.00"),
        ("0", "0.00"),
        ("0.5", "0.50"),
        ("007", "7.00"),
        ("1,000,000,000.00", "1000000000.00"),
    ],
)
def test_unit_price_accepts_plain_and_grouped_amounts(text, expected):
    assert parse_unit_price(text) == Decimal(expected)


# Each of these was once stored as a number (12,50 as £1,250.00); each must now be
# refused with a sentence that names the field and says what is wrong.
@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("12,50", "uses a comma for decimals; use a dot for decimals"),
        ("£12,5", "uses a comma for decimals; use a dot for decimals"),
        ("1.234,56", "use a dot for decimals"),
        ("1,2345", "commas may only separate groups of three digits"),
        ("12,345,67", "commas may only separate groups of three digits"),
        (",123", "commas may only separate groups of three digits"),
        ("1_000", "contains an underscore"),
        ("1E+3", "is written with an exponent"),
        ("1e-2", "is written with an exponent"),
        ("1e308", "is written with an exponent"),
        ("\u0661\u0662", "contains “\u0661”, which is not one of the digits 0 to 9"),
        ("\u06f1\u06f2.50", "which is not one of the digits 0 to 9"),
        ("\uff11\uff12", "contains “\uff11”, which is not one of the digits 0 to 9"),
        ("1\u00b2", "contains “\u00b2”, which is not one of the digits 0 to 9"),
        ("\u00bd", "which is not one of the digits 0 to 9"),
        ("1 000", "contains a space"),
        ("1\u00a0000", "contains a space"),
        ("NaN", "is not an amount of money"),
        ("-Infinity", "is not an amount of money"),
        ("+5", "is not an amount of money"),
        ("£-5", "is not an amount of money"),
        ("12.", "is not an amount of money"),
        ("1..2", "more than one decimal point"),
        (".5", "needs a digit before the decimal point, like 0.5"),
        ("12.000", "has more than two decimal places"),
        ("12.001", "has fractions of a penny"),
        ("", "is blank"),
        ("-£3.00", "must not be negative"),
        ("100000000000000000", "is more than the largest allowed, £1,000,000,000.00"),
        ("1,000,000,000.01", "is more than the largest allowed, £1,000,000,000.00"),
    ],
)
def test_unit_price_refuses_what_is_not_a_plain_amount(text, why):
    with pytest.raises(ValidationError) as info:
        parse_unit_price(text, field="unit_price")
    assert why in str(info.value)
    assert str(info.value).startswith("unit_price ")
    assert info.value.field == "unit_price"


def test_a_refused_amount_quotes_what_was_typed_but_not_a_whole_page_of_it():
    with pytest.raises(ValidationError) as info:
        parse_unit_price("9" * 200_000)
    message = str(info.value)
    assert "more than the largest allowed" in message
    assert len(message) < 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.5"), "12.50"),
        (Decimal("1E+3"), "1000.00"),
        (12, "12.00"),
        (12.3, "12.30"),
        (0.07, "0.07"),
        (999999999.99, "999999999.99"),
    ],
)
def test_spreadsheet_cells_that_are_exact_pennies_are_accepted(value, expected):
    assert parse_unit_price(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (0.1 + 0.2, "has fractions of a penny"),
        (12.345, "has fractions of a penny"),
        (Decimal("12.345"), "has fractions of a penny"),
        (1e308, "is more than the largest allowed"),
        (10**17, "is more than the largest allowed"),
        (float("nan"), "is not an amount of money"),
        (float("inf"), "is not an amount of money"),
        (Decimal("NaN"), "is not an amount of money"),
        (-0.01, "must not be negative"),
        (True, "not true or false"),
        (datetime.date(2026, 1, 2), "not a date"),
        (None, "is blank"),
    ],
)
def test_spreadsheet_cells_that_are_not_exact_amounts_are_refused(value, why):
    with pytest.raises(ValidationError, match=why) as info:
        parse_unit_price(value, field="unit_price")
    assert info.value.field == "unit_price"


def test_bounds_are_the_callers_to_choose():
    assert parse_money("12", minimum=Decimal("-100")) == Decimal("12.00")
    assert parse_money("-12", minimum=Decimal("-100")) == Decimal("-12.00")
    with pytest.raises(ValidationError, match="must be at least £5.00"):
        parse_money("4.99", field="deposit", minimum=Decimal("5"))
    with pytest.raises(ValidationError, match="more than the largest allowed, £10.00"):
        parse_money("10.01", maximum=Decimal("10"))
    assert parse_money(str(MAX_AMOUNT)) == MAX_AMOUNT
    with pytest.raises(ValidationError, match="more than the largest allowed"):
        parse_money(MAX_AMOUNT + PENNY)


def test_the_largest_line_still_fits_in_64_bit_pence():
    assert to_pence(MAX_AMOUNT) < 2**63


def test_negative_zero_reads_as_zero():
    assert str(parse_money("-0")) == "0.00"


unit_prices = st.integers(min_value=0, max_value=to_pence(MAX_UNIT_PRICE)).map(from_pence)


def written_forms(amount: Decimal) -> list[str]:
    """The ways an officer or a spreadsheet writes one amount."""
    shortest = f"{amount:f}".rstrip("0").rstrip(".") if "." in f"{amount:f}" else f"{amount:f}"
    return [
        f"{amount:f}",
        f"{amount:,.2f}",
        f"£{amount:,.2f}",
        format_gbp(amount),
        shortest,
        f"  {amount:.2f}\t",
    ]


@given(amount=unit_prices)
@example(amount=Decimal("0.00"))
@example(amount=MAX_UNIT_PRICE)
def test_every_written_form_of_a_valid_amount_reads_back_exactly(amount):
    for text in written_forms(amount):
        assert parse_unit_price(text) == amount, text


non_ascii_digits = st.characters(categories=("Nd", "Nl", "No"), exclude_characters="0123456789")


@given(amount=unit_prices, digit=non_ascii_digits, where=st.integers(min_value=0))
def test_any_amount_containing_a_non_ascii_digit_is_refused(amount, digit, where):
    text = f"{amount:,.2f}"
    at = where % (len(text) + 1)
    spoiled = text[:at] + digit + text[at:]
    with pytest.raises(ValidationError) as info:
        parse_unit_price(spoiled, field="unit_price")
    assert f"“{digit}”, which is not one of the digits 0 to 9" in str(info.value)


@given(text=st.text(max_size=30))
def test_any_text_is_either_an_exact_amount_or_a_sentence(text):
    try:
        amount = parse_unit_price(text, field="unit_price")
    except ValidationError as error:
        assert str(error).startswith("unit_price ")
    else:
        assert Decimal(0) <= amount <= MAX_UNIT_PRICE
        assert amount == amount.quantize(PENNY)
        assert set(text.strip()) <= set("£,.0123456789")


@given(pence=st.integers(min_value=0, max_value=to_pence(MAX_UNIT_PRICE)))
def test_a_float_cell_holding_whole_pence_reads_back_as_those_pence(pence):
    cell = pence / 100  # what a spreadsheet stores for a typed price
    assert parse_unit_price(cell) == from_pence(pence)


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
