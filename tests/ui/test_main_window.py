import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QGuiApplication

from catalogue_app import __version__
from catalogue_app.services.catalogue import CatalogueService
from catalogue_app.ui.main_window import MainWindow
from catalogue_app.ui.products_model import COLUMNS, PAGE_SIZE, ProductTableModel


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, db, settings):
    win = MainWindow(db, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def column(name):
    return [key for key, _ in COLUMNS].index(name)


def test_window_shows_the_products_and_the_database(window, db):
    assert window.model.rowCount() >= 40
    assert db.description in window.windowTitle()
    assert db.description in window.database_label.text()
    assert window.count_label.text().endswith("products")
    assert not window.windowIcon().isNull()
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Help"]


def test_typing_in_the_search_box_filters_the_table(window, qtbot):
    everything = window.model.total
    qtbot.keyClicks(window.search_box, "athena")
    qtbot.waitUntil(lambda: window.model.total < everything, timeout=2000)
    assert window.model.index(0, column("code")).data() == "ATHENA"
    assert window.count_label.text() == f"{window.model.total} product" + (
        "s" if window.model.total != 1 else ""
    )


def test_no_results_shows_what_to_do_and_escape_clears(window, qtbot):
    qtbot.keyClicks(window.search_box, "zzqqxx")
    qtbot.waitUntil(lambda: window.model.total == 0, timeout=2000)
    assert window.empty_label.isVisible()
    assert "No products match “zzqqxx”" in window.empty_label.text()
    qtbot.keyClick(window.search_box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.model.total > 0, timeout=2000)
    assert window.table.isVisible() and window.search_box.text() == ""


def test_hostile_search_text_does_not_raise(window, qtbot):
    window.search_box.setText('"*" -AND 🚓 ' + "x" * 10000)
    qtbot.waitUntil(lambda: window.model.total == 0, timeout=2000)
    assert window.empty_label.isVisible()


def test_clicking_a_header_sorts_in_sql(window, qtbot):
    # Opens in relevance order (by name when nothing is searched), no indicator.
    names = [window.model.row_at(r).name for r in range(window.model.rowCount())]
    assert names == sorted(names)
    header = window.table.horizontalHeader()
    price = column("list_price")
    header.setSortIndicator(price, Qt.SortOrder.DescendingOrder)
    prices = [window.model.row_at(r).list_price for r in range(window.model.rowCount())]
    assert prices == sorted(prices, reverse=True)
    x = header.sectionViewportPosition(price) + header.sectionSize(price) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    prices = [window.model.row_at(r).list_price for r in range(window.model.rowCount())]
    assert prices == sorted(prices)


def test_copy_puts_selected_rows_on_the_clipboard_as_tab_separated_text(window):
    window.table.selectRow(0)
    window.copy_action.trigger()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:2] == ["Code", "Name"]
    assert lines[1].split("\t")[0] == window.model.row_at(0).code


def test_about_names_the_version_and_the_database(window, db):
    text = window.about_text()
    assert __version__ in text and db.description in text


def test_window_geometry_and_columns_are_remembered(qtbot, db, settings):
    first = MainWindow(db, settings)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.resize(720, 520)
    first.table.setColumnWidth(1, 411)
    first.close()
    second = MainWindow(db, settings)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert (second.width(), second.height()) == (720, 520)
    assert second.table.columnWidth(1) == 411


def test_product_model_passes_the_model_tester(qtmodeltester, db):
    model = ProductTableModel(CatalogueService(db))
    qtmodeltester.check(model)


def test_product_model_loads_lazily_in_pages(db):
    model = ProductTableModel(CatalogueService(db))
    assert model.rowCount() == min(PAGE_SIZE, model.total)
    if model.total > PAGE_SIZE:
        assert model.canFetchMore()
    else:
        assert not model.canFetchMore()
