from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from conftest import drain, result_of
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from catalogue_app.services.ledger import (
    LedgerBrowser,
    LedgerFilter,
    PurchaseDraft,
    PurchaseService,
)
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
    members = [dialog.split.table.item(r, 0).text() for r in range(4)]
    assert members == [
        "Essex Police",
        "Kent Police",
        "Norfolk Constabulary",
        "Suffolk Constabulary",
    ]
    assert sum(s.amount for s in dialog.preview.shares) == dialog.preview.total


def test_an_override_is_visible(qtbot, dialog):
    fill(qtbot, dialog)
    dialog.unit_price.setText("400.00")
    dialog.unit_price.setModified(True)
    check(qtbot, dialog)
    assert "Typed in: differs from the ceiling price of ESSEX-ATHENA lot 1, £450.00" in (
        dialog.unit_price_note.text()
    )
    assert dialog.preview.unit_price == Decimal("400.00")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.unit_price.setText("12.345"), "fractions of a penny"),
        (lambda d: d.unit_price.setText("-4"), "must not be negative"),
        (lambda d: d.order_reference.setText(""), "give the order reference"),
        (lambda d: d.product.setText("NOPE"), "give a product"),
        (lambda d: d.buyer.setEditText("Gotham"), "give a buyer"),
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
    window.view_actions[window.views.index(window.purchases)].trigger()
    qtbot.waitUntil(lambda: window.purchases.model.total > 0, timeout=5000)
    window.undo_action.trigger()
    drain(qtbot)
    stored = service.get(purchase_id)
    assert stored.status == "void" and stored.void_reason == "the recording was undone"
    window.redo_action.trigger()
    drain(qtbot)
    assert service.get(purchase_id).status == "active"


def test_void_asks_for_a_reason_and_can_be_undone(qtbot, window, db, monkeypatch):
    service = PurchaseService(db)
    monkeypatch.setattr(window, "_dialog", lambda **kw: prepared_dialog(qtbot, window, day=TODAY))
    purchase_id = result_of(qtbot, window.record_purchase()).id
    window.view_actions[window.views.index(window.purchases)].trigger()
    qtbot.waitUntil(lambda: window.purchases.selected_id() == purchase_id, timeout=5000)
    asked = []
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QInputDialog.getText",
        lambda _parent, _title, label: asked.append(label) or ("ordered twice", True),
    )
    window.void_action.trigger()
    qtbot.waitUntil(lambda: service.get(purchase_id).status == "void", timeout=5000)
    drain(qtbot)
    assert service.get(purchase_id).void_reason == "ordered twice"
    assert asked[0].startswith("Void ECIS/UI/1?\n\n500 × Athena for East Coast IT Services, ")
    assert "total £225,000.00, ordered " in asked[0] and "Why is it void?" in asked[0]
    window.undo_action.trigger()
    drain(qtbot)
    assert service.get(purchase_id).status == "active"


def test_purchases_view_totals_match_the_ledger(qtbot, window, db):
    window.view_actions[window.views.index(window.purchases)].trigger()
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
    assert "Recorded by demo on " in view.history.toPlainText()


def test_the_details_pane_shows_every_field_the_shares_and_plain_history(
    qtbot, window, db, monkeypatch
):
    service = PurchaseService(db)
    recorded = service.record(
        PurchaseDraft(
            "ecis",
            "ATHENA",
            500,
            date(2026, 5, 1),
            "ECIS/PANE/1",
            "ESSEX-ATHENA",
            "1",
            unit_price="0",
            notes="pilot at Chelmsford",
            split="officers",
        ),
        "jsmith",
        today=TODAY,
    )
    stored = service.get(recorded.id)
    service.edit(
        recorded.id,
        replace(stored.draft(), unit_price="329.00", split="officers"),
        "jsmith",
        expected_revision=stored.revision,
        today=TODAY,
    )
    service.void(recorded.id, "entered twice", "jsmith")
    window.view_actions[window.views.index(window.purchases)].trigger()
    view = window.purchases
    view.status.setCurrentIndex(view.status.findData("void"))
    qtbot.waitUntil(lambda: view.selected_id() == recorded.id, timeout=5000)
    qtbot.waitUntil(lambda: "ECIS/PANE/1" in view.history.toPlainText(), timeout=5000)
    text = view.history.toPlainText()
    for shown in (
        "Order date\n1 May 2026",
        "East Coast IT Services (joint purchase)",
        "Athena\nATHENA · Northgate Public Services",
        "ESSEX-ATHENA lot 1",
        "Athena integrated investigation",
        "Quantity\n500",
        "Unit price\n£329.00",
        "Baseline\n£480.00 each",
        "Total\n£164,500.00",
        "Saving\n£75,500.00",
        "Void: entered twice",
        "pilot at Chelmsford",
        "Recorded\nby jsmith on ",
        "Members' shares",
        "Suffolk Constabulary",
        "Unit price changed from £0.00 to £329.00 by jsmith on ",
        "Voided by jsmith on ",
    ):
        assert shown in text, shown
    for raw in ("revision", "None", "unit_price", "→", "void_reason"):
        assert raw not in text, raw


def test_purchase_model_passes_the_model_tester(qtmodeltester, db):
    model = PurchaseTableModel(LedgerBrowser(db))
    model.set_filter(LedgerFilter(buyer="ecis"))
    qtmodeltester.check(model)


def test_export_from_the_window_writes_what_the_view_shows(qtbot, window, tmp_path):
    window.view_actions[window.views.index(window.purchases)].trigger()
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
