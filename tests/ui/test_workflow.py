"""The window's work happens off the GUI thread, and every open view follows a change."""

import re
import threading
from contextlib import contextmanager
from datetime import date

import pytest
from conftest import drain, result_of
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from catalogue_app.domain.money import format_gbp
from catalogue_app.services.browse import BrowseService
from catalogue_app.services.database import Database
from catalogue_app.services.ledger import PurchaseService
from catalogue_app.ui.purchase_dialog import PurchaseDialog

TODAY = date.today()


@contextmanager
def service_entries(monkeypatch):
    """Record, for every transaction opened (writing or reading), whether it was opened on
    the GUI thread."""
    entered: list[bool] = []
    real = {name: getattr(Database, name) for name in ("transaction", "reading")}

    def watching(opened):
        @contextmanager
        def watched(self):
            entered.append(threading.current_thread() is threading.main_thread())
            with opened(self) as session:
                yield session

        return watched

    for name, opened in real.items():
        monkeypatch.setattr(Database, name, watching(opened))
    try:
        yield entered
    finally:
        for name, opened in real.items():
            monkeypatch.setattr(Database, name, opened)


def filled_dialog(qtbot, window, *, ref="NOR/WF/1", units=3, stored=None, **_prefilled):
    """The Record (or Edit) purchase dialog, filled in and accepted as an officer would."""
    d = PurchaseDialog(window.ctx, window, today=TODAY, stored=stored)
    qtbot.waitUntil(lambda: d.buyer.count() > 1, timeout=5000)
    if stored is None:
        buyer = "norfolk"
        d.buyer.setCurrentIndex(d.buyer.findData(buyer))
        d.product.setText("ATHENA")
        d.quantity.setValue(units)
    d.order_reference.setText(ref)
    qtbot.waitUntil(d.settled, timeout=5000)
    d.validate()
    qtbot.waitUntil(d.settled, timeout=5000)
    d.exec = lambda: QDialog.DialogCode.Accepted
    return d


def test_the_service_layer_is_entered_only_from_workers(qtbot, window, monkeypatch, tmp_path):
    references = iter(["NOR/WF/1", "NOR/WF/1-EDITED"])
    monkeypatch.setattr(
        window,
        "_dialog",
        lambda **kw: filled_dialog(qtbot, window, ref=next(references), **kw),
    )
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QInputDialog.getText", lambda *a, **k: ("duplicate", True)
    )
    export_path = tmp_path / "shown.csv"
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getSaveFileName",
        lambda *a, **k: (str(export_path), "CSV"),
    )
    with service_entries(monkeypatch) as entered:
        # search
        qtbot.keyClicks(window.search_box, "athena")
        qtbot.waitUntil(lambda: window.model.query.text == "athena", timeout=5000)
        # record
        window.record_action.trigger()
        drain(qtbot)
        purchase_id = window.undo_stack.command(0).purchase_id
        # the Purchases view: the new purchase at the top
        window.view_actions[window.views.index(window.purchases)].trigger()
        qtbot.waitUntil(lambda: window.purchases.selected_id() == purchase_id, timeout=5000)
        # edit
        window.edit_action.trigger()
        drain(qtbot)
        # void, undo the void
        window.void_action.trigger()
        drain(qtbot)
        window.undo_action.trigger()
        drain(qtbot)
        # export what the view shows
        window.export_action.trigger()
        drain(qtbot)
        # compare
        window.view_actions[window.views.index(window.products)].trigger()
        window.add_compare_action.trigger()
        window.search_box.setText("niche")
        qtbot.waitUntil(lambda: window.model.query.text == "niche", timeout=5000)
        window.table.selectRow(0)
        window.add_compare_action.trigger()
        window.compare_action.trigger()
        dialog = window._compare_dialog
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.products_table.columnCount() == 2, timeout=5000)
        drain(qtbot)
    assert len(entered) > 10  # every action above reached the database
    assert not any(entered), f"{sum(entered)} of {len(entered)} calls on the GUI thread"
    # and each action did what the officer asked
    stored = PurchaseService(window.ctx.db).get(purchase_id)
    assert stored.order_reference == "NOR/WF/1-EDITED" and stored.status == "active"
    assert export_path.read_text().count("NOR/WF/1-EDITED") == 1
    assert window.undo_stack.count() == 3  # record, edit, void


def purchases_in(detail_text):
    return int(re.search(r"Purchases\s+([\d,]+)", detail_text).group(1).replace(",", ""))


def test_recording_updates_every_open_view_without_refresh(qtbot, window, db, monkeypatch):
    # the product's detail pane: what forces paid for Athena
    window.search_box.setText("athena")
    qtbot.waitUntil(lambda: window.model.query.text == "athena", timeout=5000)
    detail = window.products.detail
    qtbot.waitUntil(lambda: "Median unit price" in detail.toPlainText(), timeout=5000)
    bought_before = purchases_in(detail.toPlainText())
    # Norfolk's spend, in the Forces & collaborations view
    window.view_actions[window.views.index(window.buyers)].trigger()
    buyers = window.current_view()
    qtbot.waitUntil(lambda: buyers.model.loaded, timeout=5000)
    norfolk = next(
        r for r in range(buyers.model.rowCount()) if buyers.model.row_at(r).code == "norfolk"
    )
    buyers.table.selectRow(norfolk)
    qtbot.waitUntil(lambda: "Own purchases" in buyers.detail.toPlainText(), timeout=5000)
    spend_before = buyers.detail.toPlainText()
    # the Purchases view and its totals
    window.view_actions[window.views.index(window.purchases)].trigger()
    view = window.purchases
    qtbot.waitUntil(lambda: view.loaded, timeout=5000)
    total_before = view.model.total

    monkeypatch.setattr(window, "_dialog", lambda **kw: filled_dialog(qtbot, window, units=7, **kw))
    recorded = result_of(qtbot, window.record_purchase())

    qtbot.waitUntil(lambda: view.model.total == total_before + 1, timeout=5000)
    assert f"{total_before + 1:,} purchases" in view.totals.text()
    qtbot.waitUntil(lambda: purchases_in(detail.toPlainText()) == bought_before + 1, timeout=5000)
    this_year = BrowseService(db).buyer_detail("norfolk").years
    qtbot.waitUntil(lambda: buyers.detail.toPlainText() != spend_before, timeout=5000)
    assert any(format_gbp(spend) in buyers.detail.toPlainText() for _, _, spend, _ in this_year)
    assert recorded.total == 7 * recorded.unit_price


@pytest.mark.parametrize("use_shortcut", [True, False])
def test_import_and_export_open_file_dialogs(qtbot, window, monkeypatch, tmp_path, use_shortcut):
    source = tmp_path / "orders.csv"
    source.write_text(
        "order_reference,buyer,product,quantity,order_date\nIMP/1,suffolk,ATHENA,4,2025-06-02\n"
    )
    target = tmp_path / "out.xlsx"
    asked = []

    def open_name(parent, caption, directory, filters):
        asked.append(caption)
        return str(source), filters

    def save_name(parent, caption, directory, filters):
        asked.append(caption)
        return str(target), filters

    finished = []
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName", open_name)
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", save_name)
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QMessageBox.information",
        lambda parent, title, text: finished.append(text),
    )
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    ctrl = Qt.KeyboardModifier.ControlModifier
    if use_shortcut:
        qtbot.keyClick(window, Qt.Key.Key_I, ctrl)
    else:
        window.import_action.trigger()
    qtbot.waitUntil(lambda: bool(finished), timeout=10000)
    assert "Imported 1 of 1 rows from orders.csv" in finished[0]

    window.view_actions[window.views.index(window.purchases)].trigger()
    view = window.purchases
    qtbot.waitUntil(lambda: view.buyer.findData("suffolk") > 0, timeout=5000)
    view.buyer.setCurrentIndex(view.buyer.findData("suffolk"))
    qtbot.waitUntil(lambda: view.model.filter.buyer == "suffolk" and view.loaded, timeout=5000)
    if use_shortcut:
        qtbot.keyClick(window, Qt.Key.Key_E, ctrl | Qt.KeyboardModifier.ShiftModifier)
    else:
        window.export_action.trigger()
    qtbot.waitUntil(target.exists, timeout=10000)
    drain(qtbot)
    assert asked == ["Import purchases", "Export purchases"]
    from openpyxl import load_workbook

    rows = list(load_workbook(target, read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == view.model.total + 1
    assert any("IMP/1" in row for row in rows)
    assert f"Exported {view.model.total:,} purchases" in window.statusBar().currentMessage()
