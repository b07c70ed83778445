from datetime import date
from decimal import Decimal

import pytest
from conftest import drain, result_of
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from catalogue_app.services.ledger import LedgerBrowser, LedgerFilter, PurchaseService
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.ops import ChangeHub
from catalogue_app.ui.purchase_dialog import PurchaseDialog
from catalogue_app.ui.purchases_view import PurchaseTableModel

TODAY = date(2026, 11, 23)


@pytest.fixture
def ctx(db):
    hub = ChangeHub()
    context = UiContext(db, hub)
    yield context
    hub.deleteLater()


def ready(qtbot, d):
    """The buyers are listed and every check has answered."""
    qtbot.waitUntil(lambda: d.buyer.count() > 1, timeout=5000)
    qtbot.waitUntil(d.settled, timeout=5000)


@pytest.fixture
def dialog(qtbot, ctx):
    d = PurchaseDialog(ctx, today=TODAY)
    qtbot.addWidget(d)
    ready(qtbot, d)
    return d


def save_button(d):
    return d.buttons.button(QDialogButtonBox.StandardButton.Save)


def fill(
    qtbot,
    d,
    buyer="ecis",
    product="ATHENA",
    quantity=500,
    day=date(2026, 5, 1),
    ref="ECIS/UI/1",
):
    d.buyer.setCurrentIndex(d.buyer.findData(buyer))
    d.order_date.setDate(QDate(day))
    d.product.setText(product)
    d.quantity.setValue(quantity)
    d.order_reference.setText(ref)
    check(qtbot, d)


def check(qtbot, d):
    qtbot.waitUntil(d.settled, timeout=5000)  # the product and its routes have arrived
    d.validate()
    qtbot.waitUntil(d.settled, timeout=5000)


def test_the_dialog_proposes_the_price_and_previews_the_split(qtbot, dialog):
    fill(qtbot, dialog)
    assert dialog.route.currentData() == ("ESSEX-ATHENA", "1")
    assert dialog.unit_price.text() == "450.00"
    assert dialog.baseline.text() == "480.00"
    assert save_button(dialog).isEnabled()
    assert "Total £225,000.00" in dialog.summary.text()
    assert "saving £15,000.00" in dialog.summary.text()
    assert "essex" in dialog.summary.text() and "suffolk" in dialog.summary.text()
    assert sum(s.amount for s in dialog.preview.shares) == dialog.preview.total


def test_an_override_is_visible(qtbot, dialog):
    fill(qtbot, dialog)
    dialog.unit_price.setText("400.00")
    dialog.unit_price.setModified(True)
    check(qtbot, dialog)
    assert (
        "Overridden" in dialog.unit_price_note.text() and "450.00" in dialog.unit_price_note.text()
    )
    assert dialog.preview.unit_price == Decimal("400.00")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.unit_price.setText("12.345"), "fractions of a penny"),
        (lambda d: d.unit_price.setText("-4"), "must not be negative"),
        (lambda d: d.order_reference.setText(""), "order reference is missing"),
        (lambda d: d.product.setText("NOPE"), "no product has the code"),
        (lambda d: d.buyer.setCurrentIndex(0), "no force or collaboration"),
    ],
)
def test_save_is_disabled_with_a_message_until_the_form_is_valid(qtbot, dialog, change, message):
    fill(qtbot, dialog)
    change(dialog)
    dialog.unit_price.setModified(True)
    check(qtbot, dialog)
    assert not save_button(dialog).isEnabled()
    assert message in dialog.error.text().lower() or message in dialog.error.text()


def test_the_order_date_cannot_be_in_the_future(dialog):
    assert dialog.order_date.maximumDate() == QDate(TODAY)


def prepared_dialog(qtbot, window, **fields):
    d = PurchaseDialog(window.ctx, window, today=TODAY)
    ready(qtbot, d)
    fill(qtbot, d, **fields)
    d.exec = lambda: QDialog.DialogCode.Accepted
    return d


def test_record_undo_redo_through_the_window(qtbot, window, db, monkeypatch):
    service = PurchaseService(db)
    monkeypatch.setattr(window, "_dialog", lambda **kw: prepared_dialog(qtbot, window, day=TODAY))
    window.record_action.trigger()
    drain(qtbot)
    purchase_id = window.undo_stack.command(0).purchase_id
    assert service.get(purchase_id).status == "active"
    window.show_view(4)
    qtbot.waitUntil(lambda: window.purchases.model.total > 0, timeout=5000)
    window.undo_action.trigger()
    drain(qtbot)
    stored = service.get(purchase_id)
    assert stored.status == "void" and stored.void_reason == "undone"
    window.redo_action.trigger()
    drain(qtbot)
    assert service.get(purchase_id).status == "active"


def test_void_asks_for_a_reason_and_can_be_undone(qtbot, window, db, monkeypatch):
    service = PurchaseService(db)
    monkeypatch.setattr(window, "_dialog", lambda **kw: prepared_dialog(qtbot, window, day=TODAY))
    purchase_id = result_of(qtbot, window.record_purchase()).id
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QInputDialog.getText",
        lambda *a, **k: ("ordered twice", True),
    )
    result_of(qtbot, window.void_purchase(purchase_id))
    assert service.get(purchase_id).void_reason == "ordered twice"
    window.undo_action.trigger()
    drain(qtbot)
    assert service.get(purchase_id).status == "active"


def test_purchases_view_totals_match_the_ledger(qtbot, window, db):
    window.show_view(4)
    view = window.purchases
    qtbot.waitUntil(lambda: view.buyer.findData("norfolk") > 0, timeout=5000)
    view.buyer.setCurrentIndex(view.buyer.findData("norfolk"))
    qtbot.waitUntil(lambda: view.model.filter.buyer == "norfolk", timeout=5000)
    lines = [view.model.line_at(r) for r in range(view.model.total)]
    assert sum((ln.total for ln in lines), Decimal(0)) == view.model.spend
    assert f"{view.model.total:,} purchases" in view.totals.text()
    view.table.selectRow(1)
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: "History" in view.history.toPlainText(), timeout=5000)
    assert "create" in view.history.toPlainText()


def test_purchase_model_passes_the_model_tester(qtmodeltester, db):
    model = PurchaseTableModel(LedgerBrowser(db))
    model.set_filter(LedgerFilter(buyer="ecis"))
    qtmodeltester.check(model)


def test_export_from_the_window_writes_what_the_view_shows(qtbot, window, tmp_path):
    window.show_view(4)
    view = window.purchases
    qtbot.waitUntil(lambda: view.buyer.findData("suffolk") > 0, timeout=5000)
    view.buyer.setCurrentIndex(view.buyer.findData("suffolk"))
    qtbot.waitUntil(lambda: view.model.filter.buyer == "suffolk", timeout=5000)
    path = tmp_path / "suffolk.csv"
    written = result_of(qtbot, window.export_purchases(str(path)))
    assert written == view.model.total > 0
    assert len(path.read_text().splitlines()) == written + 1
    assert f"Exported {written:,} purchases" in window.statusBar().currentMessage()


def test_import_from_the_window_reports_every_bad_row(window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QMessageBox.exec",
        lambda box: shown.append((box.text(), box.detailedText())),
    )
    path = tmp_path / "bad.csv"
    path.write_text(
        "order_reference,buyer,product,quantity,order_date\n"
        "A/1,norfolk,ATHENA,0,2025-01-01\nA/2,gotham,ATHENA,1,2025-01-01\n"
    )
    window.import_purchases(str(path))
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    text, detail = shown[0]
    assert "2 bad rows" in text and "nothing was written" in text
    assert "row 2" in detail and "row 3" in detail and "gotham" in detail


def test_history_times_read_as_a_date_not_an_iso_stamp():
    from catalogue_app.ui.purchases_view import _when

    shown = _when("2026-04-01T09:00:00+00:00")
    assert "2026" in shown and "Apr" in shown and "T09" not in shown
    assert _when("not a time") == "not a time"
