"""The window at the sizes officers use: columns from content, money whole, nothing off screen."""

from __future__ import annotations

import pytest
from conftest import drain, open_window
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QApplication

from catalogue_app.ui.products_model import PRODUCT_COLUMNS
from catalogue_app.ui.settings import WINDOW_GEOMETRY, Settings
from catalogue_app.ui.widgets import ELASTIC_FLOOR


def column(name):
    return [c.key for c in PRODUCT_COLUMNS].index(name)


def settle_layout(qtbot, window, width, height):
    window.resize(width, height)
    QApplication.processEvents()
    drain(qtbot)
    QApplication.processEvents()


def shown_whole(table, col):
    """Whether every value in the column (first page) fits its width."""
    metrics = table.fontMetrics()
    width = table.columnWidth(col)
    model = table.model()
    return all(
        metrics.horizontalAdvance(str(model.index(r, col).data() or "")) + 8 <= width
        for r in range(min(model.rowCount(), 200))
    )


def open_view(qtbot, window, n):
    window.view_actions[n].trigger()
    view = window.current_view()
    qtbot.waitUntil(lambda: view.table.model().rowCount() > 0, timeout=10000)
    drain(qtbot)
    QApplication.processEvents()
    return view


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800), (1600, 1000)])
def test_products_columns_fit_without_sideways_scrolling(window, qtbot, size):
    settle_layout(qtbot, window, *size)
    table = window.table
    assert window.width() <= size[0]
    assert table.horizontalScrollBar().maximum() == 0
    assert table.columnWidth(column("code")) >= 90
    assert table.columnWidth(column("name")) >= 96
    assert shown_whole(table, column("list_price"))


def test_at_800_by_600_the_products_table_keeps_its_columns(window, qtbot):
    settle_layout(qtbot, window, 800, 600)
    assert window.width() == 800
    table = window.table
    shown = [c for c in range(table.model().columnCount()) if not table.isColumnHidden(c)]
    assert all(table.columnWidth(c) >= ELASTIC_FLOOR for c in shown)
    assert table.width() >= 200
    assert shown_whole(table, column("list_price"))


@pytest.mark.parametrize("n", [2, 3, 4, 5])  # Ctrl+2 (Frameworks) to Ctrl+5 (Purchases)
def test_every_list_fits_at_1280(window, qtbot, n):
    settle_layout(qtbot, window, 1280, 800)
    view = open_view(qtbot, window, n)
    assert view.table.horizontalScrollBar().maximum() == 0, view.title


@pytest.mark.parametrize("n", [2, 3, 4, 5])  # Ctrl+2 (Frameworks) to Ctrl+5 (Purchases)
def test_money_is_never_cut_off(window, qtbot, n):
    settle_layout(qtbot, window, 1024, 700)
    view = open_view(qtbot, window, n)
    table = view.table
    model = table.model()
    for col in range(model.columnCount()):
        values = [model.index(r, col).data() for r in range(min(model.rowCount(), 200))]
        if any(str(v or "").startswith("£") for v in values):
            assert shown_whole(table, col), model.headerData(col, Qt.Orientation.Horizontal)


def test_a_very_long_search_never_widens_the_window(window, qtbot):
    settle_layout(qtbot, window, 1024, 700)
    window.search_box.setText("zqx" * 100)  # 300 characters, matching nothing
    qtbot.waitUntil(lambda: window.model.total == 0, timeout=5000)
    QApplication.processEvents()
    assert window.width() == 1024
    assert window.minimumSizeHint().width() <= 1024
    assert len(window.products.empty_label.text()) < 160


def test_a_new_search_starts_at_the_left_edge(window, qtbot):
    settle_layout(qtbot, window, 800, 600)
    table = window.table
    for c in (column("category"), column("unit"), column("accredited_to")):
        table.setColumnHidden(c, False)
    table.remeasure()
    QApplication.processEvents()
    bar = table.horizontalScrollBar()
    assert bar.maximum() > 0  # three more columns do not fit: the table scrolls sideways
    bar.setValue(bar.maximum())
    window.search_box.setText("vest")
    qtbot.waitUntil(lambda: window.model.query.text == "vest", timeout=5000)
    assert bar.value() == 0


def test_a_window_saved_on_a_bigger_screen_fits_this_one(qtbot, db, settings):
    first = open_window(qtbot, db, settings)
    first.resize(3000, 2000)
    first.close()
    stored = Settings(settings).get(WINDOW_GEOMETRY)
    assert isinstance(stored, QByteArray) and not stored.isEmpty()
    second = open_window(qtbot, db, settings)
    room = second.screen().availableGeometry()
    assert second.width() <= room.width() and second.height() <= room.height()


def test_the_window_can_be_made_as_small_as_a_small_laptop_screen(window):
    hint = window.minimumSizeHint()
    assert hint.width() <= 800 and hint.height() <= 600
