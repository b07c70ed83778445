from datetime import date

import pytest
from sqlalchemy import select, update

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.services.catalogue import CatalogueService, ProductQuery, search_terms


@pytest.fixture
def catalogue(db):
    return CatalogueService(db)


def test_search_finds_athena_first(catalogue):
    page = catalogue.search_products(ProductQuery("athena"))
    assert page.total >= 1
    assert page.rows[0].name.lower().startswith("athena")
    assert page.rows[0].supplier.startswith("Northgate")


def test_search_is_case_insensitive_and_every_word_must_match(catalogue):
    one = catalogue.search_products(ProductQuery("ARMOUR")).total
    both = catalogue.search_products(ProductQuery("armour zzzzunlikely")).total
    assert one > 0 and both == 0


def test_search_matches_supplier_names(catalogue):
    rows = catalogue.search_products(ProductQuery("motorola")).rows
    assert rows
    assert any(r.supplier.startswith("Motorola Solutions") for r in rows)


def test_empty_text_lists_everything_and_limit_pages(catalogue):
    everything = catalogue.search_products(ProductQuery(""))
    assert everything.total == len(everything.rows) >= 40
    first = catalogue.search_products(ProductQuery(""), limit=10)
    second = catalogue.search_products(ProductQuery(""), limit=10, offset=10)
    assert first.total == everything.total
    assert [r.code for r in first.rows + second.rows] == [r.code for r in everything.rows[:20]]


def test_status_and_category_filters(catalogue):
    champions = catalogue.search_products(ProductQuery(status="champion")).rows
    assert champions and {r.status for r in champions} == {"champion"}
    armour = catalogue.search_products(ProductQuery(category="Body armour")).rows
    assert len(armour) >= 5
    by_cpv = catalogue.search_products(ProductQuery(category="35815100-1")).rows
    assert by_cpv and {r.category for r in by_cpv} == {"Bullet-proof vests"}


def test_bad_filters_are_named(catalogue):
    with pytest.raises(ValidationError, match="“favourite” is not a product status"):
        catalogue.search_products(ProductQuery(status="favourite"))
    with pytest.raises(ValidationError, match="no category matches “Kitchens”"):
        catalogue.search_products(ProductQuery(category="Kitchens"))
    with pytest.raises(ValidationError, match="cannot sort by"):
        catalogue.search_products(ProductQuery(sort="colour"))


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "'",
        "*",
        "-",
        "AND",
        "OR NOT",
        "%",
        "_",
        "\\",
        "a%_\\b",
        "🚓🚨",
        "x" * 10000,
        "'; DROP TABLE products; --",
        "\x00",
        "athena*",
    ],
)
def test_hostile_search_text_gives_results_or_nothing_never_an_error(catalogue, text):
    page = catalogue.search_products(ProductQuery(text), limit=5)
    assert page.total >= 0


def test_wildcards_are_literal_not_patterns(catalogue):
    assert catalogue.search_products(ProductQuery("%")).total == 0
    assert catalogue.search_products(ProductQuery("_")).total == 0


def test_search_terms_are_bounded():
    terms = search_terms(" ".join(["word"] * 100) + " " + "y" * 500)
    assert len(terms) == 8 and all(len(t) <= 60 for t in terms)


def test_sorting_happens_in_sql(catalogue):
    rows = catalogue.search_products(ProductQuery(sort="list_price", descending=True)).rows
    prices = [r.list_price for r in rows]
    assert prices == sorted(prices, reverse=True)


def test_product_detail_lists_framework_routes_with_price_breaks(catalogue):
    code = catalogue.search_products(ProductQuery("athena")).rows[0].code
    detail = catalogue.get_product(code)
    assert detail.status == "champion"
    assert len(detail.offers) >= 2
    assert any(o.price_breaks for o in detail.offers)
    for offer in detail.offers:
        prices = [offer.ceiling_unit_price] + [b.unit_price for b in offer.price_breaks]
        assert prices == sorted(prices, reverse=True)


def test_unknown_product_code_is_named(catalogue):
    with pytest.raises(NotFoundError, match="no product has the code “NOPE-1”"):
        catalogue.get_product("NOPE-1")


def test_framework_status_depends_on_the_day(catalogue):
    early = {f.reference: f.status for f in catalogue.list_frameworks(today=date(2012, 1, 1))}
    late = {f.reference: f.status for f in catalogue.list_frameworks(today=date(2026, 11, 23))}
    assert len(early) >= 10
    assert "active" in early.values() and "not started" in early.values()
    assert "active" in late.values() and "expired" in late.values()


def test_forces_and_collaborations_lists(catalogue):
    forces = catalogue.list_forces()
    assert len(forces) == 46
    dyfed = next(f for f in forces if f.code == "dyfed-powys")
    assert dyfed.welsh_name == "Heddlu Dyfed-Powys" and dyfed.region == "Wales"
    ecis = next(c for c in catalogue.list_collaborations() if c.code == "ecis")
    assert set(ecis.members) == {"kent", "essex", "suffolk", "norfolk"}


def test_prefix_search_finds_words_by_their_start(catalogue):
    rows = catalogue.search_products(ProductQuery("athe")).rows
    assert rows and rows[0].code == "ATHENA"
    assert catalogue.search_products(ProductQuery("vehic")).total >= 5


def test_search_keeps_step_with_catalogue_changes(db, catalogue):
    from sqlalchemy import select, update

    from catalogue_app.db import models as m

    with db.transaction() as s:
        s.execute(update(m.Product).where(m.Product.code == "ATHENA").values(name="Athena Prime"))
        supplier_id = s.scalar(select(m.Product.supplier_id).where(m.Product.code == "ATHENA"))
        s.execute(
            update(m.Supplier).where(m.Supplier.id == supplier_id).values(name="Zephyrine Software")
        )
    assert catalogue.search_products(ProductQuery("prime")).rows[0].code == "ATHENA"
    assert catalogue.search_products(ProductQuery("zephyrine")).total >= 1


def test_facets_count_what_the_search_would_show_and_combine(catalogue):
    facets = catalogue.facet_counts(ProductQuery(""))
    total = catalogue.search_products(ProductQuery("")).total
    assert sum(f.count for f in facets["status"]) == total
    champion = next(f for f in facets["status"] if f.value == "champion")
    assert champion.count == catalogue.search_products(ProductQuery(status="champion")).total
    radio = ProductQuery("radio", status="champion")
    shown = catalogue.search_products(radio).total
    by_supplier = catalogue.facet_counts(radio)["supplier"]
    assert sum(f.count for f in by_supplier) == shown
    # a facet ignores its own filter, so the other values stay visible
    assert {f.value for f in catalogue.facet_counts(radio)["status"]} >= {"champion"}
    frameworks = catalogue.facet_counts(ProductQuery("athena"))["framework"]
    assert {"ESSEX-ATHENA", "RM6100"} <= {f.value for f in frameworks}


def test_framework_supplier_and_accreditation_filters(catalogue):
    on_athena = catalogue.search_products(ProductQuery(framework="ESSEX-ATHENA")).rows
    assert "ATHENA" in {r.code for r in on_athena}
    motorola = catalogue.search_products(ProductQuery(supplier="motorola-solutions")).rows
    assert motorola and all(r.supplier.startswith("Motorola") for r in motorola)
    valid = catalogue.search_products(ProductQuery(accredited_on=date(2026, 11, 23))).rows
    assert all(r.accredited_to is None or r.accredited_to >= date(2026, 11, 23) for r in valid)
    assert len(valid) < catalogue.search_products(ProductQuery()).total


def test_browsing_never_waits_for_a_write_in_progress(db, catalogue):
    """An import or a recording holds the write lock; searching and reading go on meanwhile."""
    with db.transaction() as writing:
        writing.execute(update(m.Region).values(name=m.Region.name))
        assert catalogue.search_products(ProductQuery("athena")).rows[0].code == "ATHENA"
        assert catalogue.get_product("ATHENA").code == "ATHENA"
        assert any(f.code == "norfolk" for f in catalogue.list_forces())
        assert catalogue.facet_counts(ProductQuery(""))


def _vests(db):
    with db.reading() as s:
        return set(
            s.scalars(
                select(m.Product.code)
                .join(m.Category)
                .where(m.Category.label == "Bullet-proof vests")
            )
        )


def test_body_armour_finds_every_vest_direct_hits_first(db, catalogue):
    rows = catalogue.search_products(ProductQuery("body armour")).rows
    codes = [r.code for r in rows]
    vests = _vests(db)
    assert len(vests) == 4 and vests <= set(codes)
    # the direct hits: the search's own words are in the product's text
    with db.reading() as s:
        direct = {
            code
            for code, *text in s.execute(
                select(
                    m.Product.code,
                    m.Product.name,
                    m.Product.description,
                    m.Product.tags,
                    m.Supplier.name,
                    m.Category.label,
                )
                .join(m.Supplier)
                .join(m.Category)
            )
            if all(w in " ".join(text).lower() for w in ("body", "armour"))
        }
    assert direct and not vests <= direct  # some vests are found only through a synonym
    assert set(codes[: len(direct)]) == direct
    assert len(codes) == len(set(codes))  # nothing twice


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stab vests", "HG1/A"),  # ballistic vests through the body armour group
        ("TETRA terminal", "MXP600"),
        ("body cameras", "Axon Body 3"),
        ("BWV", "Axon Body 3"),
        ("patrol car", "Volvo V90"),
        ("portable computer", "Dell Latitude"),
        ("office 365", "Microsoft 365"),
        ("breathalyser", "breath analyser"),
        ("cell van", "cellular van"),
        ("vehicles", "motorcycle"),  # a category group stands for its categories
    ],
)
def test_synonyms_and_category_groups_find_products(catalogue, text, expected):
    names = [r.name for r in catalogue.search_products(ProductQuery(text)).rows]
    assert any(expected.lower() in n.lower() for n in names), names


def test_category_groups_lead_one_way_only(catalogue):
    """ "Vans" are vehicles, but a search for vans must not bring motorcycles."""
    names = [r.name.lower() for r in catalogue.search_products(ProductQuery("vans")).rows]
    assert names and not any("motorcycle" in n for n in names)


def test_synonym_matches_respect_filters_sorting_and_paging(catalogue):
    everything = catalogue.search_products(ProductQuery("body armour"))
    first = catalogue.search_products(ProductQuery("body armour"), limit=3)
    rest = catalogue.search_products(ProductQuery("body armour"), limit=50, offset=3)
    assert first.total == everything.total == len(everything.rows)
    assert [r.code for r in first.rows + rest.rows] == [r.code for r in everything.rows]
    by_name = catalogue.search_products(ProductQuery("body armour", sort="name")).rows
    assert [r.name for r in by_name] == sorted(r.name for r in everything.rows)
    vests = catalogue.search_products(ProductQuery("body armour", category="35815100-1"))
    assert vests.total == 4
    facets = catalogue.facet_counts(ProductQuery("body armour"))
    assert sum(f.count for f in facets["status"]) == everything.total
    champions = catalogue.search_products(ProductQuery("body armour", status="champion")).rows
    assert {r.status for r in champions} == {"champion"}
    # ranked below direct matches when other filters are on too
    filtered = catalogue.search_products(ProductQuery("body armour", status="approved")).rows
    vests_at = [i for i, r in enumerate(filtered) if r.category == "Bullet-proof vests"]
    others_at = [i for i, r in enumerate(filtered) if "armour" in r.name.lower()]
    assert vests_at and others_at and max(others_at) < min(vests_at)


@pytest.mark.parametrize(
    "query",
    [
        ProductQuery(""),  # every product, in name order
        ProductQuery("a"),  # the full-text index alone
        ProductQuery("a", status="approved"),  # text under a filter
        ProductQuery(status="approved", sort="name"),  # a filter without text
    ],
)
def test_a_bounded_count_stops_one_past_its_bound(catalogue, query):
    exact = catalogue.search_products(query).total
    assert exact > 6
    bounded = catalogue.search_products(query, limit=3, count_up_to=5)
    assert bounded.total == 6  # "more than five"
    assert len(bounded.rows) == 3
    roomy = catalogue.search_products(query, limit=3, count_up_to=exact + 10)
    assert roomy.total == exact


def test_a_negative_count_bound_is_refused(catalogue):
    with pytest.raises(ValidationError):
        catalogue.search_products(ProductQuery(""), count_up_to=-1)
