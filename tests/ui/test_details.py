"""The detail panes as a user sees them: pick a row, read the pane."""

import re

import pytest

from catalogue_app.domain.money import format_gbp
from catalogue_app.services.browse import BrowseService
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.ui.ops import latest_query_running

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PLAIN_DATE = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b")
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")
RAW_MONEY = re.compile(r"(?<![£\d,.])\d{4,}\.\d{2}\b")  # 263200.00, not £263,200.00


def assert_plain(text):
    """What a user reads: no ISO dates, no None, no raw keys, no unformatted money."""
    assert not ISO_DATE.search(text), ISO_DATE.search(text)
    assert "None" not in text
    assert not SNAKE_CASE.search(text), SNAKE_CASE.search(text)
    assert not RAW_MONEY.search(text), RAW_MONEY.search(text)


def open_view(qtbot, window, number):
    window.view_actions[number].trigger()  # Ctrl+number
    view = window.current_view()
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() > 0, timeout=5000)
    return view


def show_row(qtbot, view, matches, expect):
    """Select the first row ``matches`` accepts; wait until the pane shows ``expect``."""
    row = next(r for r in range(view.model.rowCount()) if matches(view.model.row_at(r)))
    view.table.selectRow(row)
    qtbot.waitUntil(lambda: expect in view.detail.toPlainText(), timeout=5000)
    return view.detail.toPlainText()


def test_searching_body_armour_lists_the_vests_after_the_direct_hits(window, qtbot, db):
    catalogue = CatalogueService(db)
    expected = catalogue.search_products(ProductQuery("body armour"))
    qtbot.keyClicks(window.search_box, "body armour")
    qtbot.waitUntil(
        lambda: (
            not latest_query_running(window.products, "search")
            and window.model.total == expected.total
            and window.model.rowCount() == expected.total
        ),
        timeout=5000,
    )
    rows = [window.model.row_at(r) for r in range(window.model.rowCount())]
    assert [r.code for r in rows] == [r.code for r in expected.rows]
    vests = catalogue.search_products(ProductQuery(category="35815100-1")).rows
    assert len(vests) == 4
    assert {v.code for v in vests} <= {r.code for r in rows}
    assert rows[0].name == "Hi-visibility body armour cover"  # the words are in its name
    assert f"{len(rows):,} of" in window.count_label.text()


def test_force_details_show_every_year_targets_and_champions_through_collaborations(
    window, qtbot, db
):
    view = open_view(qtbot, window, 4)
    text = show_row(qtbot, view, lambda b: b.code == "norfolk", "Savings targets")
    assert_plain(text)
    detail = BrowseService(db).buyer_detail("norfolk")
    for label, _count, spend, savings in detail.years:
        assert label in text
        assert format_gbp(spend) in text and format_gbp(savings) in text
    assert "2010/11" in text  # not only two years
    assert "£9.8m over 2010–2014" in text and "£3m–£4m over 2011–2015" in text
    assert "Norfolk and Suffolk collaboration" in text
    athena = re.search(r"^Athena — (.*)$", text, re.MULTILINE)
    assert athena and "through Athena consortium" in athena.group(1)
    assert "Not yet adopted: Athena" not in text and ", Athena," not in text.split("adopted:")[-1]
    assert PLAIN_DATE.search(text)  # "since 1 Sep 2010"


def test_collaboration_details_total_the_members_officers(window, qtbot, db):
    view = open_view(qtbot, window, 4)
    text = show_row(qtbot, view, lambda b: b.code == "athena-consortium", "current members")
    assert_plain(text)
    detail = BrowseService(db).buyer_detail("athena-consortium")
    assert f"{len(detail.members)} current members" in text
    assert f"{detail.officer_fte:,}" in text
    assert "led by Essex Police" in text
    assert "No savings target is recorded for this collaboration." in text


def test_framework_details_show_headroom_and_days_left_plainly(window, qtbot, db):
    view = open_view(qtbot, window, 2)
    text = show_row(qtbot, view, lambda f: f.reference == "ESSEX-ATHENA", "Headroom")
    assert_plain(text)
    detail = BrowseService(db).framework_detail("ESSEX-ATHENA")
    share = detail.headroom / detail.max_value * 100
    assert f"{format_gbp(detail.headroom)} left ({share:.0f}% of the maximum value)" in text
    assert re.search(rf"{detail.days_left:,} days? left: it ends on {PLAIN_DATE.pattern}", text)
    ended = show_row(qtbot, view, lambda f: f.reference == "RM6100", "RM6100")
    assert_plain(ended)
    assert re.search(r"Ended on \d{1,2} Jun 2024, [\d,]+ days ago", ended)
    assert "Not tracked: no maximum value is recorded" in ended


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("northgate-public-services", "ESSEX-ATHENA lot 1"),
        ("northbridge-tactical-illustrative", "Suspended: place no new orders"),
    ],
)
def test_supplier_details_list_products_lots_buyers_and_spend(window, qtbot, db, code, expected):
    view = open_view(qtbot, window, 3)
    text = show_row(qtbot, view, lambda s: s.code == code, "Spend by financial year")
    assert_plain(text)
    assert expected in text
    detail = BrowseService(db).supplier_detail(code)
    for _code, name, _status in detail.products:
        assert name in text
    for buyer in detail.buyers:
        assert buyer.name in text and format_gbp(buyer.spend) in text
    for label, _count, spend in detail.years:
        assert label in text and format_gbp(spend) in text


def test_product_details_use_plain_dates(window, qtbot):
    qtbot.keyClicks(window.search_box, "athena")
    qtbot.waitUntil(
        lambda: window.model.rowCount() >= 1 and window.model.row_at(0).code == "ATHENA",
        timeout=5000,
    )
    window.table.selectRow(0)
    detail = window.products.detail
    qtbot.waitUntil(lambda: "Median unit price" in detail.toPlainText(), timeout=5000)
    text = detail.toPlainText()
    assert_plain(text)
    assert "(these prices ended 28 Feb 2021)" in text
    assert re.search(rf"Accredited\s+{PLAIN_DATE.pattern} to {PLAIN_DATE.pattern}", text)
