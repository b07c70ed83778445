"""The Record purchase dialog, driven as an officer drives it: pickers that search as you
type, refusals that show, a split grid with a live remainder, and questions before saving."""

from datetime import date
from decimal import Decimal

import pytest
from conftest import drain
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from catalogue_app.services.ledger import PurchaseDraft, PurchaseService
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.ops import ChangeHub
from catalogue_app.ui.purchase_dialog import PurchaseDialog
from catalogue_app.ui.split_grid import AMOUNT, AMOUNTS, PERCENT, PERCENTAGES

TODAY = date(2026, 11, 23)
DAY = date(2026, 5, 1)


@pytest.fixture
def ctx(db):
    hub = ChangeHub()
    context = UiContext(db, hub)
    yield context
    hub.deleteLater()


def settled(qtbot, d):
    qtbot.waitUntil(d.settled, timeout=5000)
    d.validate()
    qtbot.waitUntil(d.settled, timeout=5000)


@pytest.fixture
def dialog(qtbot, ctx):
    d = PurchaseDialog(ctx, today=TODAY)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.buyer.count() > 1, timeout=5000)
    settled(qtbot, d)
    return d


def save_button(d):
    return d.buttons.button(QDialogButtonBox.StandardButton.Save)


def choose_buyer(d, code):
    d.buyer.setCurrentIndex(d.buyer.findData(code))


def fill(qtbot, d, buyer="ecis", quantity="500", ref="ECIS/D/1", day=DAY, product="ATHENA"):
    choose_buyer(d, buyer)
    d.order_date.setDate(QDate(day))
    d.product.setText(product)
    d.quantity.setText(quantity)
    d.order_reference.setText(ref)
    settled(qtbot, d)


def answer_box(button_text, seen, tries=250):
    """Click ``button_text`` on the next message box, keeping what it said in ``seen``."""

    def poll(left=tries):
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(f"{box.text()}\n{box.informativeText()}")
            for button in box.buttons():
                if button.text() == button_text:
                    button.click()
                    return
        if left:
            QTimer.singleShot(20, lambda: poll(left - 1))

    QTimer.singleShot(20, poll)


def test_it_opens_with_guidance_not_an_error(dialog):
    assert dialog.error.text() == (
        "To record the purchase, give a buyer, a product and the order reference."
    )
    assert "code" not in dialog.error.text() and not save_button(dialog).isEnabled()
    assert dialog.order_date.maximumDate() == QDate(TODAY)


def test_the_product_picker_finds_by_supplier_as_you_type(qtbot, dialog):
    qtbot.keyClicks(dialog.product, "northgate")  # (unfocused: offscreen has no popups)
    completer = dialog.product._completer
    qtbot.waitUntil(lambda: completer.model().rowCount() > 0, timeout=5000)
    labels = completer.model().stringList()
    assert "Athena (ATHENA) — Northgate Public Services" in labels
    assert dialog.product.code() == ""  # nothing chosen yet
    completer.activated.emit("Athena (ATHENA) — Northgate Public Services")
    assert dialog.product.code() == "ATHENA"
    assert dialog.product.text() == "Athena (ATHENA) — Northgate Public Services"
    settled(qtbot, dialog)
    assert dialog.route.currentData() == ("ESSEX-ATHENA", "1")
    assert dialog.baseline.text() == "480.00"


def test_the_buyer_picker_matches_any_part_of_a_name(qtbot, dialog):
    dialog.buyer.setEditText("coast")
    assert dialog.buyer.code() == ""
    completer = dialog.buyer.completer()
    completer.setCompletionPrefix("coast")
    assert completer.currentCompletion() == "East Coast IT Services (collaboration, ECIS)"
    completer.setCompletionPrefix("ecis")  # the short name officers use finds it too
    assert completer.currentCompletion() == "East Coast IT Services (collaboration, ECIS)"
    dialog.buyer.lineEdit().setText("east coast it services (collaboration, ecis)")
    assert dialog.buyer.code() == "ecis" and dialog.buyer.is_collaboration()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Quantity must be more than zero (got -5)."),
        ("1000000000000", "is more than the largest allowed, 10,000,000"),
        ("2.5", "is not a whole number"),
    ],
)
def test_a_quantity_out_of_range_is_refused_not_clamped(qtbot, dialog, typed, message):
    fill(qtbot, dialog, quantity=typed)
    assert message in dialog.error.text()
    assert dialog.quantity.text() == typed  # left as typed, never changed behind the back
    assert not save_button(dialog).isEnabled() and dialog.preview is None


def test_the_price_hint_says_where_the_price_came_from(qtbot, dialog):
    fill(qtbot, dialog, quantity="1,200")
    assert dialog.unit_price.text() == "440.00"
    assert dialog.unit_price_note.text().endswith(
        ">From the price breaks of ESSEX-ATHENA lot 1 at 1,000+</span>"
    )
    dialog.quantity.setText("5")
    settled(qtbot, dialog)
    assert dialog.unit_price.text() == "450.00"
    assert "The ceiling price of ESSEX-ATHENA lot 1" in dialog.unit_price_note.text()
    dialog.unit_price.setText("400.00")
    dialog.unit_price.setModified(True)
    settled(qtbot, dialog)
    assert "Typed in: differs from the ceiling price of ESSEX-ATHENA lot 1, £450.00" in (
        dialog.unit_price_note.text()
    )
    assert dialog.preview.unit_price == Decimal("400.00")
    dialog.route.setCurrentIndex(dialog.route.count() - 1)  # off-framework
    dialog.unit_price.clear()
    settled(qtbot, dialog)
    assert dialog.unit_price.text() == "480.00"
    assert "List price (off-framework)" in dialog.unit_price_note.text()


def test_the_split_grid_shows_every_member_and_a_live_remainder(qtbot, dialog):
    fill(qtbot, dialog)  # 500 at £450.00: £225,000.00
    grid = dialog.split
    assert dialog.form.isRowVisible(grid)
    assert grid.table.rowCount() == 4 and grid.current_mode() == "officers"
    shown = [grid.table.item(r, AMOUNT).text() for r in range(4)]
    assert all(text.startswith("£") for text in shown)
    assert "Every penny allocated" in grid.remainder.text()
    grid.mode.setCurrentIndex(grid.mode.findData(AMOUNTS))
    for row, amount in enumerate(["100000", "100000", "0", "0"]):
        grid.table.item(row, AMOUNT).setText(amount)
    settled(qtbot, dialog)
    assert "£25,000.00 left to allocate" in grid.remainder.text()
    assert dialog.error.text() == (
        "The amounts leave £25,000.00 of the total £225,000.00 to allocate."
    )
    assert not save_button(dialog).isEnabled()
    grid.table.item(3, AMOUNT).setText("25000")
    settled(qtbot, dialog)
    assert "Every penny allocated" in grid.remainder.text() and save_button(dialog).isEnabled()
    assert {s.force: s.amount for s in dialog.preview.shares}["suffolk"] == Decimal("25000.00")
    grid.mode.setCurrentIndex(grid.mode.findData(PERCENTAGES))
    for row, share in enumerate(["50", "50", "0", "10"]):
        grid.table.item(row, PERCENT).setText(share)
    settled(qtbot, dialog)
    assert "10.00 % too much" in grid.remainder.text() and not save_button(dialog).isEnabled()
    grid.table.item(3, PERCENT).setText("0")
    settled(qtbot, dialog)
    assert dialog.draft().split == "custom:essex=50%,kent=50%,norfolk=0%,suffolk=0%"
    assert grid.table.item(0, AMOUNT).text() == "£112,500.00" and save_button(dialog).isEnabled()


def test_a_force_has_no_split(qtbot, dialog):
    fill(qtbot, dialog, buyer="norfolk", ref="NOR/D/1")
    assert not dialog.form.isRowVisible(dialog.split) and dialog.draft().split is None
    assert save_button(dialog).isEnabled()


def test_a_zero_price_asks_with_its_reason_and_go_back_keeps_the_dialog(qtbot, dialog):
    fill(qtbot, dialog)
    dialog.unit_price.setText("0")
    dialog.unit_price.setModified(True)
    settled(qtbot, dialog)
    seen = []
    answer_box("Go back", seen)
    save_button(dialog).click()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    drain(qtbot)
    assert "Record this purchase anyway?" in seen[0]
    assert "The unit price is £0.00, so the whole baseline of £240,000.00" in seen[0]
    assert dialog.isVisible() and dialog.result() == 0
    answer_box("Record anyway", seen)
    save_button(dialog).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert dialog.result() == 1


def test_a_total_beyond_the_headroom_and_an_unusual_quantity_ask_first(qtbot, dialog):
    fill(qtbot, dialog, quantity="1,000,000")
    seen = []
    answer_box("Go back", seen)
    save_button(dialog).click()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    drain(qtbot)
    assert "is more than framework ESSEX-ATHENA can take" in seen[0]
    assert "more than 10 times what East Coast IT Services usually orders" in seen[0]
    assert dialog.isVisible()


def test_a_duplicate_reference_offers_only_to_change_it(qtbot, dialog, db):
    PurchaseService(db).record(
        PurchaseDraft("ecis", "ATHENA", 5, DAY, "ECIS/D/1", "ESSEX-ATHENA", "1"), today=TODAY
    )
    fill(qtbot, dialog)
    seen, buttons = [], []

    def look():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            buttons.extend(b.text() for b in box.buttons())
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(20, look)
    answer_box("Change the reference", seen)
    save_button(dialog).click()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    drain(qtbot)
    assert "already has an active purchase with order reference ECIS/D/1" in seen[0]
    assert not any("anyway" in text.lower() for text in buttons)
    assert dialog.isVisible() and dialog.result() == 0
    assert dialog.order_reference.selectedText() == "ECIS/D/1"


def test_editing_a_joint_purchase_keeps_its_rule_and_recomputes_it(qtbot, ctx, db):
    service = PurchaseService(db)
    recorded = service.record(
        PurchaseDraft(
            "ecis", "ATHENA", 500, DAY, "ECIS/D/9", "ESSEX-ATHENA", "1", split="officers"
        ),
        today=TODAY,
    )
    d = PurchaseDialog(ctx, stored=service.get(recorded.id), today=TODAY)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.buyer.code() == "ecis", timeout=5000)
    settled(qtbot, d)
    assert d.split.current_mode() == "officers" and save_button(d).isEnabled()
    assert "The ceiling price of ESSEX-ATHENA lot 1" in d.unit_price_note.text()
    d.quantity.setText("600")
    settled(qtbot, d)
    assert d.draft().split == "officers"
    assert sum(s.amount for s in d.preview.shares) == Decimal("270000.00")
    assert d.unit_price.text() == "450.00"  # a stored price is never replaced


def test_ctrl_n_records_through_the_real_dialog(qtbot, window, db):
    done = []

    def drive():
        d = QApplication.activeModalWidget()
        if not isinstance(d, PurchaseDialog):
            QTimer.singleShot(20, drive)
            return
        done.append(d.error.text())
        qtbot.waitUntil(lambda: d.buyer.count() > 1, timeout=5000)
        choose_buyer(d, "norfolk")
        d.product.setText("ATHENA")
        d.quantity.setText("3")
        d.order_reference.setText("NOR/CTRL-N/1")
        qtbot.waitUntil(lambda: d.settled() and save_button(d).isEnabled(), timeout=5000)
        save_button(d).click()

    # on the Purchases view (Ctrl+N in Products, Frameworks and Suppliers adds one of those)
    window.view_actions[window.views.index(window.purchases)].trigger()
    QTimer.singleShot(20, drive)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.undo_stack.count() == 1, timeout=10000)
    drain(qtbot)
    assert done[0].startswith("To record the purchase, give")
    stored = PurchaseService(db).get(window.undo_stack.command(0).purchase_id)
    assert (stored.order_reference, stored.quantity, stored.buyer) == ("NOR/CTRL-N/1", 3, "norfolk")
