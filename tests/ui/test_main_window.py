from datetime import date

import pytest
from conftest import drain, open_window
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from catalogue_app import APP_NAME, __version__
from catalogue_app.services.browse import BrowseService
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.ui.ops import latest_query_running
from catalogue_app.ui.products_model import (
    CACHED_PAGES,
    PAGE_SIZE,
    PRODUCT_COLUMNS,
    Column,
    ListTableModel,
    PagedRows,
    ProductTableModel,
)


def column(name):
    return [c.key for c in PRODUCT_COLUMNS].index(name)


def wait_for_search(qtbot, window, predicate):
    qtbot.waitUntil(lambda: predicate(window.model), timeout=3000)


def search_done(qtbot, window):
    qtbot.waitUntil(lambda: not latest_query_running(window.products, "search"), timeout=5000)


def test_window_shows_products_views_and_the_database(window, db):
    assert window.model.rowCount() >= 40
    assert db.description in window.windowTitle()
    assert db.description in window.database_label.text()
    total = window.model.total
    assert window.count_label.text() == f"{total:,} of {total:,} products"
    assert not window.windowIcon().isNull()
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == [
        "&File",
        "&Edit",
        "&Purchases",
        "C&atalogue",
        "&Compare",
        "&View",
        "&Searches",
        "&Help",
    ]
    assert [window.sidebar.item(i).text() for i in range(window.sidebar.count())] == [
        "Home",
        "Products",
        "Frameworks",
        "Suppliers",
        "Forces & collaborations",
        "Purchases",
        "Notices",
        "Conflicts",
    ]


def test_typing_in_the_search_box_filters_the_table_and_counts(window, qtbot):
    everything = window.model.total
    qtbot.keyClicks(window.search_box, "athena")
    wait_for_search(qtbot, window, lambda m: m.total < everything)
    assert window.model.index(0, column("code")).data() == "ATHENA"
    assert window.count_label.text() == f"{window.model.total:,} of {everything:,} products"


def test_facets_combine_with_the_search(window, qtbot):
    qtbot.waitUntil(lambda: window.products.facets.tree.topLevelItemCount() == 4, timeout=3000)
    tree = window.products.facets.tree
    status = next(
        tree.topLevelItem(i)
        for i in range(4)
        if tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == "status"
    )
    champion = next(
        status.child(i)
        for i in range(status.childCount())
        if status.child(i).data(0, Qt.ItemDataRole.UserRole) == "champion"
    )
    count_shown = int(champion.text(1).replace(",", ""))
    champion.setCheckState(0, Qt.CheckState.Checked)
    wait_for_search(qtbot, window, lambda m: m.query.status == "champion")
    assert window.model.total == count_shown
    qtbot.keyClicks(window.search_box, "radio")
    wait_for_search(qtbot, window, lambda m: m.query.text == "radio")
    rows = [window.model.row_at(r) for r in range(window.model.rowCount())]
    assert rows and all(r.status == "champion" for r in rows)


def test_no_results_shows_what_to_do_and_escape_clears(window, qtbot):
    qtbot.keyClicks(window.search_box, "zzqqxx")
    wait_for_search(qtbot, window, lambda m: m.total == 0)
    assert window.products.empty_label.isVisible()
    assert "No products match “zzqqxx”" in window.products.empty_label.text()
    qtbot.keyClick(window.search_box, Qt.Key.Key_Escape)
    wait_for_search(qtbot, window, lambda m: m.total > 0)
    assert window.table.isVisible() and window.search_box.text() == ""


@pytest.mark.parametrize(
    "text", ['"', "*", "-", "AND", "athena OR", "NEAR(", "🚓", "x" * 10000, "'; DROP TABLE x"]
)
def test_hostile_search_text_never_raises(window, qtbot, text):
    window.search_box.setText(text)
    window.products.apply_search()
    search_done(qtbot, window)
    assert window.model.query.text == text
    assert window.model.total >= 0
    assert "error" not in window.count_label.text().lower()


def test_clicking_a_header_sorts_in_sql(window, qtbot):
    names = [window.model.row_at(r).name for r in range(min(50, window.model.rowCount()))]
    assert names == sorted(names)
    header = window.table.horizontalHeader()
    price = column("list_price")
    header.setSortIndicator(price, Qt.SortOrder.DescendingOrder)
    wait_for_search(qtbot, window, lambda m: m.query.sort == "list_price" and m.query.descending)
    prices = [window.model.row_at(r).list_price for r in range(window.model.rowCount())]
    assert prices == sorted(prices, reverse=True)
    x = header.sectionViewportPosition(price) + header.sectionSize(price) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    wait_for_search(
        qtbot, window, lambda m: m.query.sort == "list_price" and not m.query.descending
    )
    prices = [window.model.row_at(r).list_price for r in range(window.model.rowCount())]
    assert prices == sorted(prices)


def test_detail_pane_shows_price_breaks_and_what_forces_paid(window, qtbot, db):
    qtbot.keyClicks(window.search_box, "athena")
    wait_for_search(qtbot, window, lambda m: m.total >= 1 and m.row_at(0).code == "ATHENA")
    window.table.selectRow(0)
    stats = BrowseService(db).price_stats("ATHENA")
    detail = window.products.detail
    qtbot.waitUntil(lambda: "Median unit price" in detail.toPlainText(), timeout=3000)
    text = detail.toPlainText()
    assert "ESSEX-ATHENA lot 1" in text
    product = CatalogueService(db).get_product("ATHENA")
    for offer in product.offers:
        for b in offer.price_breaks:
            assert f"{b.min_quantity:,}+" in text
            assert f"£{b.unit_price:,.2f}" in text
    assert f"£{stats.median:,.2f}" in text and f"£{stats.lowest:,.2f}" in text
    assert str(stats.forces) in text
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert detail.hasFocus()


def test_views_switch_by_keyboard_and_show_details(window, qtbot):
    for n, expected in ((2, "frameworks"), (3, "suppliers"), (4, "force")):
        window.view_actions[n].trigger()  # Ctrl+n
        view = window.current_view()
        qtbot.waitUntil(lambda e=expected: e in window.count_label.text(), timeout=3000)
        qtbot.waitUntil(
            lambda v=view: (
                "Loading" not in v.detail.toPlainText() and v.detail.toPlainText().strip() != ""
            ),
            timeout=3000,
        )
    window.view_actions[window.views.index(window.frameworks)].trigger()
    frameworks = window.current_view()
    qtbot.waitUntil(lambda: frameworks.model.loaded, timeout=3000)
    row = next(
        r
        for r in range(frameworks.model.rowCount())
        if frameworks.model.row_at(r).reference == "ESSEX-ATHENA"
    )
    frameworks.table.selectRow(row)
    qtbot.waitUntil(lambda: "Headroom" in frameworks.detail.toPlainText(), timeout=3000)
    assert "Lot 1" in frameworks.detail.toPlainText()


def test_copy_puts_selected_rows_on_the_clipboard_as_tab_separated_text(window):
    window.table.selectRow(0)
    window.copy_action.trigger()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:2] == ["Code", "Name"]
    assert lines[1].split("\t")[0] == window.model.row_at(0).code


def test_column_chooser_hides_a_column(window):
    menu = window.table.column_menu()
    unit = next(a for a in menu.actions() if a.text() == "Unit")
    unit.setChecked(False)
    assert window.table.horizontalHeader().isSectionHidden(column("unit"))


def test_about_names_the_version_and_the_database(window, db):
    text = window.about_text()
    assert __version__ in text and db.description in text


def test_saved_search_survives_a_restart(qtbot, db, settings):
    first = open_window(qtbot, db, settings)
    qtbot.keyClicks(first.search_box, "radio")
    first.save_search("Radios")
    assert [first.saved_list.item(i).text() for i in range(first.saved_list.count())] == ["Radios"]
    first.close()
    second = open_window(qtbot, db, settings)
    assert second.saved_list.count() == 1
    second.recall_search("Radios")
    assert second.search_box.text() == "radio"
    wait_for_search(qtbot, second, lambda m: m.query.text == "radio")


def test_window_state_is_remembered(qtbot, db, settings):
    first = open_window(qtbot, db, settings)
    first.resize(770, 540)
    first.table.setColumnWidth(1, 411)
    first.view_actions[first.views.index(first.frameworks)].trigger()
    first.close()
    second = open_window(qtbot, db, settings, view=None)
    assert (second.width(), second.height()) == (770, 540)
    assert second.current_view() is second.frameworks
    second.view_actions[second.views.index(second.products)].trigger()
    assert second.table.columnWidth(1) == 411


def test_models_pass_the_model_tester(qtmodeltester, db):
    catalogue = CatalogueService(db)
    qtmodeltester.check(ProductTableModel(catalogue))
    searched = ProductTableModel(catalogue)
    searched.set_query(ProductQuery("radio"))
    qtmodeltester.check(searched)
    qtmodeltester.check(
        ListTableModel(
            [Column("reference", "Ref"), Column("status", "Status")],
            lambda: catalogue.list_frameworks(date(2026, 11, 23)),
        )
    )


def test_paged_rows_fetch_only_the_pages_looked_at():
    fetched = []

    def fetch(offset, limit):
        fetched.append(offset)
        return list(range(offset, min(offset + limit, 100_000)))

    rows = PagedRows(fetch)
    rows.reset(100_000, list(range(PAGE_SIZE)))
    assert rows.at(99_999) == 99_999  # the last row: one page, not every page before it
    assert fetched == [99_800] and rows.cached_pages == [0, 499]
    assert rows.at(50_123) == 50_123 and fetched == [99_800, 50_000]
    assert rows.at(100_000) is None and rows.at(-1) is None
    for page in range(CACHED_PAGES + 5):
        rows.at(page * PAGE_SIZE)
    assert len(rows.cached_pages) == CACHED_PAGES


def test_product_model_counts_everything_but_holds_one_page(db):
    model = ProductTableModel(CatalogueService(db))
    assert model.rowCount() == model.total
    assert model.row_at(model.total - 1) is not None


# -- menus, shortcuts and the toolbar ------------------------------------------------------------
def test_the_toolbar_holds_the_common_actions_of_the_menus(window):
    shown = [a for a in window.toolbar.actions() if not a.isSeparator()]
    assert shown == [
        window.record_action,
        window.add_compare_action,
        window.compare_action,
        window.briefing_action,
        window.refresh_action,
    ]
    assert window.toolbar.isVisible()
    assert "(Ctrl+B)" in window.briefing_action.toolTip()


def test_view_shortcuts_and_refresh_work_from_the_keyboard(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(window, Qt.Key.Key_2, ctrl)
    assert window.current_view() is window.frameworks
    qtbot.waitUntil(lambda: window.frameworks.model.loaded, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_4, ctrl)
    assert window.current_view() is window.buyers
    qtbot.waitUntil(lambda: window.buyers.model.loaded, timeout=5000)
    window.buyers.model.set_rows([])  # as if emptied: Refresh reads them again
    window.refresh_action.trigger()
    qtbot.waitUntil(lambda: window.buyers.model.rowCount() > 0, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F, ctrl)
    assert window.current_view() is window.products and window.search_box.hasFocus()


def test_plain_words_in_the_title_and_the_view_menu(window):
    assert APP_NAME not in window.windowTitle()
    assert (
        window.view_actions[window.views.index(window.buyers)].text() == "Forces && collaborations"
    )  # shows one "&"
    assert (
        window.view_actions[window.views.index(window.buyers)].iconText()
        == "Forces & collaborations"
    )


def test_escape_in_the_search_box_keeps_the_filters(window, qtbot):
    qtbot.waitUntil(lambda: window.products.facets.tree.topLevelItemCount() == 4, timeout=3000)
    window.products.facets.set_state({"status": "champion"}, None)
    window.products.apply_search()
    wait_for_search(qtbot, window, lambda m: m.query.status == "champion")
    qtbot.keyClicks(window.search_box, "radio")
    wait_for_search(qtbot, window, lambda m: m.query.text == "radio")
    qtbot.keyClick(window.search_box, Qt.Key.Key_Escape)
    wait_for_search(qtbot, window, lambda m: m.query.text == "")
    assert window.search_box.text() == "" and window.model.query.status == "champion"


# -- selection follows the record ----------------------------------------------------------------
def open_frameworks(window, qtbot):
    window.view_actions[window.views.index(window.frameworks)].trigger()
    view = window.frameworks
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() > 0, timeout=5000)
    drain(qtbot)
    return view


def shown_detail(qtbot, view, reference):
    qtbot.waitUntil(lambda: view.detail.toPlainText().startswith(reference), timeout=5000)


def test_frameworks_selection_and_details_follow_a_sort_filter_and_refresh(window, qtbot):
    view = open_frameworks(window, qtbot)
    view.table.selectRow(view.model.row_of("RM6098"))
    shown_detail(qtbot, view, "RM6098")
    header = view.table.horizontalHeader()
    for col in (1, 4, 0):  # title, days left, reference
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            header.setSortIndicator(col, order)
            assert view.selected_key() == "RM6098"
    assert view.model.row_at(view.table.currentIndex().row()).reference == "RM6098"
    qtbot.keyClicks(view.search_box, "technology")
    assert view.selected_key() == "RM6098"
    window.refresh_action.trigger()
    drain(qtbot)
    assert view.selected_key() == "RM6098"
    shown_detail(qtbot, view, "RM6098")
    view.search_box.setText("athena")  # RM6098 no longer shown: the first row and its details
    assert view.selected_key() == "ESSEX-ATHENA"
    shown_detail(qtbot, view, "ESSEX-ATHENA")


def test_products_selection_follows_a_sort(window, qtbot):
    window.table.selectRow(3)
    chosen = window.model.row_at(3).code
    qtbot.waitUntil(lambda: chosen in window.products.detail.toPlainText(), timeout=3000)
    window.table.horizontalHeader().setSortIndicator(
        column("list_price"), Qt.SortOrder.DescendingOrder
    )
    wait_for_search(qtbot, window, lambda m: m.query.sort == "list_price")
    row = window.table.currentIndex().row()
    assert window.model.row_at(row).code == chosen and row != 3
    drain(qtbot)
    assert chosen in window.products.detail.toPlainText()


# -- the Frameworks view ---------------------------------------------------------------------------
def test_frameworks_search_and_filters(window, qtbot):
    view = open_frameworks(window, qtbot)
    everything = view.model.rowCount()
    rows = lambda: [view.model.row_at(r) for r in range(view.model.rowCount())]  # noqa: E731
    view.status.setCurrentIndex(view.status.findData("expired"))
    assert rows() and all(r.status == "expired" for r in rows())
    assert window.count_label.text() == f"{len(rows()):,} of {everything:,} frameworks"
    view.status.setCurrentIndex(view.status.findData("expiring"))
    assert rows() and all(r.status == "active" and r.days_left <= 365 for r in rows())
    view.status.setCurrentIndex(view.status.findData("active"))
    active = len(rows())
    view.owner.setCurrentIndex(view.owner.findData("BlueLight Commercial"))
    assert 0 < len(rows()) < active and all(r.owner == "BlueLight Commercial" for r in rows())
    qtbot.keyClicks(view.search_box, "body armour")
    assert [r.reference for r in rows()] == ["BLC-BA-2024"]
    qtbot.keyClick(view.search_box, Qt.Key.Key_Escape)  # the text goes, the filters stay
    assert view.search_box.text() == "" and len(rows()) > 1
    assert view.owner.currentData() == "BlueLight Commercial"


def test_frameworks_show_days_left_and_headroom_and_grey_out_expired(window, qtbot):
    view = open_frameworks(window, qtbot)
    model = view.model
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    days, headroom = titles.index("Days left"), titles.index("Headroom")
    ends = titles.index("Ends")
    for r in range(model.rowCount()):
        row = model.row_at(r)
        shown = model.index(r, days).data()
        assert shown == ("Ended" if row.days_left < 0 else f"{row.days_left:,}")
        money = model.index(r, headroom).data()
        assert money == ("No maximum" if row.headroom is None else f"£{row.headroom:,.2f}")
        assert model.index(r, ends).data() == f"{row.effective_end.day} {row.effective_end:%b %Y}"
        colour = model.index(r, 0).data(Qt.ItemDataRole.ForegroundRole)
        assert (colour is not None) == (row.status == "expired")
