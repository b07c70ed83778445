from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.numbers import MAX_QUANTITY, parse_whole_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (" 12 ", 12),
        ("1,200", 1200),
        ("10,000,000", 10_000_000),
        ("007", 7),
        (12, 12),
        (Decimal("12"), 12),
        (Decimal("1.2E+1"), 12),
        (12.0, 12),
    ],
)
def test_quantities_as_typed_or_read_from_a_cell(value, expected):
    assert parse_whole_number(value) == expected


# Python's int() or float() would take most of these; a quantity must not.
@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("-5", "must be more than zero (got -5)"),
        ("0", "must be more than zero (got 0)"),
        ("\u00b2", "contains “\u00b2”, which is not one of the digits 0 to 9"),
        ("\u0663", "contains “\u0663”, which is not one of the digits 0 to 9"),
        ("\uff15", "contains “\uff15”, which is not one of the digits 0 to 9"),
        ("1e3", "is written with an exponent"),
        ("1_000", "contains an underscore"),
        ("10^12", "is not a whole number"),
        ("2.5", "is not a whole number"),
        ("2.0", "is not a whole number"),
        ("12,50", "commas may only separate groups of three digits"),
        ("1,20,000", "commas may only separate groups of three digits"),
        ("1 200", "contains a space"),
        ("£5", "is not a whole number"),
        ("", "is blank"),
        ("10,000,001", "is more than the largest allowed, 10,000,000"),
        ("1" + "0" * 23, "is more than the largest allowed, 10,000,000"),
        (10**23, "is more than the largest allowed, 10,000,000"),
        (1e23, "is more than the largest allowed, 10,000,000"),
        (2.5, "is not a whole number"),
        (float("nan"), "is not a whole number"),
        (Decimal("2.5"), "is not a whole number"),
        (Decimal("Infinity"), "is not a whole number"),
        (True, "must be a whole number, not true or false"),
        (None, "is blank"),
    ],
)
def test_what_is_not_a_quantity_is_refused_with_a_sentence(value, why):
    with pytest.raises(ValidationError) as info:
        parse_whole_number(value)
    assert why in str(info.value)
    assert str(info.value).startswith("quantity ")
    assert info.value.field == "quantity"


def test_field_and_bounds_are_the_callers_to_choose():
    assert parse_whole_number("0", field="line", minimum=0, maximum=5) == 0
    with pytest.raises(ValidationError, match="^line must be at least 2 "):
        parse_whole_number("1", field="line", minimum=2)
    with pytest.raises(ValidationError, match="^line “6” is more than the largest allowed, 5$"):
        parse_whole_number("6", field="line", minimum=0, maximum=5)


quantities = st.integers(min_value=1, max_value=MAX_QUANTITY)


@given(n=quantities)
@example(n=1)
@example(n=MAX_QUANTITY)
def test_every_written_form_of_a_valid_quantity_reads_back(n):
    for written in (str(n), f"{n:,}", f" {n}\t", n, Decimal(n), float(n)):
        assert parse_whole_number(written) == n


@given(
    n=quantities,
    digit=st.characters(categories=("Nd", "Nl", "No"), exclude_characters="0123456789"),
    where=st.integers(min_value=0),
)
def test_any_quantity_containing_a_non_ascii_digit_is_refused(n, digit, where):
    text = f"{n:,}"
    at = where % (len(text) + 1)
    with pytest.raises(ValidationError, match="which is not one of the digits 0 to 9"):
        parse_whole_number(text[:at] + digit + text[at:])


@given(text=st.text(max_size=20))
def test_any_text_is_either_a_quantity_in_bounds_or_a_sentence(text):
    try:
        n = parse_whole_number(text)
    except ValidationError as error:
        assert str(error).startswith("quantity ")
    else:
        assert 1 <= n <= MAX_QUANTITY
        assert set(text.strip()) <= set(",0123456789")
