"""Route, BuyerRef and SplitRule: one written form each, read back exactly."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue_app.domain.enums import BuyerKind
from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.purchases import BuyerRef, Route, SplitRule

word = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-/."),
    min_size=1,
    max_size=8,
).filter(lambda w: w.lower() != "lot")
part = st.lists(word, min_size=1, max_size=3).map(" ".join)
routes = st.one_of(st.just(Route()), st.builds(Route, part, part))


@given(routes)
def test_every_route_reads_back_from_its_written_form(route):
    assert Route.parse(str(route)) == route


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("RM6100 lot 3d", Route("RM6100", "3d")),
        ("  ESSEX-ATHENA   LOT 1 ", Route("ESSEX-ATHENA", "1")),
        ("Off-Framework", Route()),
        ("NPIA NBAF lot 2", Route("NPIA NBAF", "2")),
    ],
)
def test_route_parsing_accepts_spacing_and_case(text, route):
    assert Route.parse(text) == route


@pytest.mark.parametrize("text", ["", "RM6100", "lot 2", "RM6100 lot", "A lot B lot C"])
def test_a_route_that_is_not_one_is_refused_with_a_sentence(text):
    with pytest.raises(ValidationError, match="is not “REFERENCE lot NUMBER”") as info:
        Route.parse(text)
    assert info.value.field == "framework"


def test_route_from_stored_values():
    assert Route.of(None, None).is_off_framework
    assert Route.of(" RM6100 ", "2") == Route("RM6100", "2")
    assert str(Route.of("RM6100", "2")) == "RM6100 lot 2"
    with pytest.raises(ValidationError, match="give the lot of framework RM6100") as info:
        Route.of("RM6100", "")
    assert info.value.field == "lot"
    with pytest.raises(ValidationError, match="without its framework"):
        Route.of("", "2")


def test_a_route_cannot_be_built_ambiguous():
    with pytest.raises(ValueError):
        Route("RM6100 lot 2", "3")
    with pytest.raises(ValueError):
        Route("RM6100", None)


def test_buyer_ref_names_its_kind_and_writes_its_code():
    ref = BuyerRef("collaboration", "ecis")
    assert ref.kind is BuyerKind.COLLABORATION and ref.is_collaboration
    assert str(ref) == "ecis"
    assert BuyerRef(BuyerKind.FORCE, "ecis") != ref
    with pytest.raises(ValueError):
        BuyerRef("council", "x")
    with pytest.raises(ValueError):
        BuyerRef(BuyerKind.FORCE, " kent")


codes = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10)
amount_rules = st.dictionaries(
    codes, st.integers(0, 10**9).map(lambda p: Decimal(p) / 100), min_size=1, max_size=5
).map(lambda a: SplitRule("custom", amounts=a))
percentage_rules = st.dictionaries(
    codes,
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=5,
).map(lambda p: SplitRule("custom", percentages=p))
split_rules = st.one_of(
    st.sampled_from([SplitRule("equal"), SplitRule("officers")]), amount_rules, percentage_rules
)


@given(split_rules)
def test_every_split_rule_reads_back_from_its_written_form(rule):
    again = SplitRule.parse(str(rule))
    assert again == rule
    assert str(again) == str(rule)


def test_split_rule_text():
    assert str(SplitRule.parse(None)) == "officers"
    assert str(SplitRule.parse(" custom: kent = 40% , essex=60%")) == "custom:kent=40%,essex=60%"
    assert str(SplitRule.parse("custom:kent=100,essex=2.5")) == "custom:kent=100.00,essex=2.50"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("equal:kent=1", "is not one of"),
        ("custom:kent=1e2%", "has no percentage"),
        ("custom:kent=٤٠%", "has no percentage"),
        ("custom:kent=10%,kent=90%", "names kent twice"),
        ("custom:kent 1=100%", "is not CODE=AMOUNT"),
    ],
)
def test_split_rules_refuse_what_they_cannot_write_back(text, message):
    with pytest.raises(ValidationError, match=message) as info:
        SplitRule.parse(text)
    assert info.value.field == "split"
