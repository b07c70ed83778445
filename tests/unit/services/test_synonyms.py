"""The synonym table: its rules, and the shipped file it is read from."""

import csv

import pytest

from catalogue_app.domain.errors import ReferenceDataError
from catalogue_app.domain.synonyms import MAX_ALTERNATIVES, SynonymTable, phrase, stem
from catalogue_app.paths import reference_dir
from catalogue_app.services.catalogue import SYNONYMS_FILE, synonym_table


def table(*groups):
    return SynonymTable.from_rows(
        {"group": f"g{n}", "term": term} for n, terms in enumerate(groups) for term in terms
    )


def test_words_compare_without_case_punctuation_or_plural():
    assert phrase("Body-worn CAMERAS") == ("body", "worn", "camera")
    assert phrase("Bullet-proof vests") == phrase("bullet proof vest")
    assert stem("glass") == "glass" and stem("bus") == "bus"  # not every s is a plural


def test_a_phrase_is_replaced_by_each_synonym_in_place():
    t = table(["body armour", "stab vests", "bullet-proof vests"])
    assert t.alternatives("covert body armour") == [
        ["covert", "stab", "vest"],
        ["covert", "bullet", "proof", "vest"],
    ]
    assert t.alternatives("stab vest") == [["body", "armour"], ["bullet", "proof", "vest"]]
    assert t.alternatives("armour") == []  # only whole phrases count
    assert t.alternatives("") == []


def test_one_way_rules_do_not_lead_back():
    t = SynonymTable().with_rules([(phrase("vehicles"), [phrase("vans"), phrase("motorcycles")])])
    assert t.alternatives("vehicle") == [["van"], ["motorcycle"]]
    assert t.alternatives("vans") == []


def test_alternatives_are_bounded_and_never_repeat_the_search():
    t = table([f"term{n}" for n in range(40)])
    found = t.alternatives("term1 term2")
    assert len(found) == MAX_ALTERNATIVES
    assert ["term1", "term2"] not in found and len({tuple(f) for f in found}) == len(found)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"group": "", "term": "radios"}], "row 2: needs both a group and a term"),
        ([{"group": "radios", "term": "  "}], "row 2: needs both a group and a term"),
        ([{"group": "radios", "term": "radios"}], "the synonym group “radios” has only one term"),
    ],
)
def test_a_malformed_table_is_refused_with_its_row(rows, message):
    with pytest.raises(ReferenceDataError, match=message):
        SynonymTable.from_rows(rows)


def test_the_shipped_table_is_documented_and_well_formed():
    path = reference_dir() / SYNONYMS_FILE
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["group", "term", "notes"]
        rows = list(reader)
    assert all(row["notes"].strip() for row in rows), "every term says where it comes from"
    groups = {row["group"] for row in rows}
    assert {"body-armour", "radios", "body-worn-video", "police-cars", "laptops"} <= groups
    t = synonym_table()
    assert ["bullet", "proof", "vest"] in t.alternatives("body armour")
    assert ["tetra", "terminal"] in t.alternatives("radios")
    assert ["body", "camera"] in t.alternatives("body-worn video")
    assert ["police", "car"] in t.alternatives("patrol car")
    assert ["portable", "computer"] in t.alternatives("laptop")
    readme = (reference_dir() / "README.md").read_text(encoding="utf-8")
    assert "## synonyms.csv" in readme
