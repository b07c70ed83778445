"""A search counts its matches only up to a bound, and counts on as the table is scrolled."""

from conftest import open_window
from PySide6.QtCore import Qt

from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.ui import products_model
from catalogue_app.ui.products_model import ProductTableModel


def test_the_model_counts_up_to_the_bound_then_on_when_asked(db, monkeypatch):
    monkeypatch.setattr(products_model, "COUNT_BOUND", 10)
    catalogue = CatalogueService(db)
    exact = catalogue.search_products(ProductQuery("")).total
    model = ProductTableModel(catalogue)
    assert model.rowCount() == 10 and model.more and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 20
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == model.total == exact and not model.more
    assert model.row_at(exact - 1) is not None


def test_the_window_says_more_than_the_bound_and_counts_on_when_scrolled(
    qtbot, db, settings, monkeypatch
):
    monkeypatch.setattr(products_model, "COUNT_BOUND", 10)
    exact = CatalogueService(db).search_products(ProductQuery("")).total
    window = open_window(qtbot, db, settings)
    shown: list[str] = []
    window.products.status_changed.connect(shown.append)
    qtbot.keyClicks(window.search_box, "a")
    qtbot.waitUntil(lambda: window.model.query.text == "a", timeout=5000)
    matches = CatalogueService(db).search_products(ProductQuery("a")).total
    assert matches > 20
    window.resize(900, 420)  # a few rows in view, so the bound is reached by scrolling
    window.table.setFocus()
    for _ in range(matches // 10 + 2):  # the end of the counted rows, then the next bound
        qtbot.keyClick(window.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: not window.model._counting, timeout=5000)
    qtbot.waitUntil(lambda: window.model.total == matches, timeout=5000)
    assert f"10+ matches of {exact:,} products" in shown
    assert window.count_label.text() == f"{matches:,} of {exact:,} products"
