from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.purchases import SplitRule, parse_order_date, parse_quantity

TODAY = date(2026, 11, 23)
MEMBERS = [
    ("essex", Decimal("3187.50")),
    ("kent", Decimal("3547.58")),
    ("norfolk", Decimal("1643.70")),
    ("suffolk", Decimal("1179.61")),
]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "more than zero"),
        ("-3", "more than zero"),
        ("2.5", "not a whole number"),
        ("", "not a whole"),
    ],
)
def test_quantity_rules(text, message):
    with pytest.raises(ValidationError, match=message) as info:
        parse_quantity(text)
    assert info.value.field == "quantity"
    assert parse_quantity("1,200") == 1200


def test_order_date_rules():
    assert parse_order_date("2026-11-23", TODAY) == TODAY
    assert parse_order_date(datetime(2025, 1, 2, 10, 0), TODAY) == date(2025, 1, 2)
    with pytest.raises(ValidationError, match="in the future"):
        parse_order_date("2026-11-24", TODAY)
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        parse_order_date("23/11/2026", TODAY)


def test_split_rules_parse():
    assert SplitRule.parse(None).kind == "officers"
    assert SplitRule.parse("equal").kind == "equal"
    custom = SplitRule.parse("custom:kent=60%,essex=40%")
    assert custom.percentages == {"kent": Decimal(60), "essex": Decimal(40)}
    with pytest.raises(ValidationError, match="not one of"):
        SplitRule.parse("fair")
    with pytest.raises(ValidationError, match="not both"):
        SplitRule.parse("custom:kent=60%,essex=10.00")


def test_equal_officers_and_custom_splits_add_up():
    total = Decimal("100000.01")
    equal = SplitRule.parse("equal").allocate(total, MEMBERS)
    assert sum(equal.values()) == total and max(equal.values()) - min(equal.values()) <= Decimal(
        "0.01"
    )
    officers = SplitRule.parse("officers").allocate(total, MEMBERS)
    assert sum(officers.values()) == total and officers["kent"] > officers["suffolk"]
    amounts = SplitRule.parse("custom:essex=50000.00,kent=50000.01").allocate(total, MEMBERS)
    assert amounts == {
        "essex": Decimal("50000.00"),
        "kent": Decimal("50000.01"),
        "norfolk": Decimal("0.00"),
        "suffolk": Decimal("0.00"),
    }


def test_custom_splits_that_do_not_add_up_are_refused():
    with pytest.raises(ValidationError, match="add up to 99.00, not the total 100.00"):
        SplitRule.parse("custom:kent=99.00").allocate(Decimal("100.00"), MEMBERS)
    with pytest.raises(ValidationError, match="must add up to 100"):
        SplitRule.parse("custom:kent=50%,essex=40%").allocate(Decimal("100.00"), MEMBERS)
    with pytest.raises(ValidationError, match="durham is not a member"):
        SplitRule.parse("custom:durham=100%").allocate(Decimal("100.00"), MEMBERS)


@given(pence=st.integers(0, 10**11), rule=st.sampled_from(["equal", "officers"]))
def test_every_split_allocates_every_penny(pence, rule):
    total = Decimal(pence) / 100
    shares = SplitRule.parse(rule).allocate(total, MEMBERS)
    assert sum(shares.values()) == total
