"""Keeping the catalogue true from the window: the forms, the actions and their shortcuts,
price versions, withdrawal with its consequences, history, and undo."""

import traceback
from datetime import date, timedelta
from decimal import Decimal

import pytest
from conftest import drain
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from sqlalchemy import select

from catalogue_app.db import models as m
from catalogue_app.services.catalogue import ProductQuery
from catalogue_app.services.context import AppContext
from catalogue_app.services.editing import CatalogueEditor, CatalogueHistory, Kind
from catalogue_app.services.ledger import PurchaseService
from catalogue_app.ui.catalogue_editing import ConfirmChange
from catalogue_app.ui.purchase_dialog import PurchaseDialog
from catalogue_app.ui.record_form import ERROR_STYLE, RecordForm

TODAY = date.today()
CODE = "BWC-T1"
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def on_modal(qtbot, cls, act):
    """Run ``act`` on the modal dialog of ``cls`` once it is open; a failure closes it."""
    failures = []
    tries = iter(range(500))

    def poll():
        d = QApplication.activeModalWidget()
        if not isinstance(d, cls):
            if next(tries, None) is not None:
                QTimer.singleShot(20, poll)
            return
        try:
            act(d)
        except BaseException:  # closed so that the test goes on to report it
            failures.append(traceback.format_exc())
            d.reject()

    QTimer.singleShot(20, poll)
    return failures


def save(d):
    return d.buttons.button(QDialogButtonBox.StandardButton.Save)


def ready(qtbot, form):
    qtbot.waitUntil(form.settled, timeout=5000)


def fill(form, **values):
    for name, text in values.items():
        field = form.fields[name]
        field.set_text(text)
        field.touched = True
    form.validate()


def note(form, name):
    field = form.fields[name]
    return field.note.text() if field.note.styleSheet() == ERROR_STYLE else ""


def a_lot(db):
    """A lot of a framework open from 120 days ago to today."""
    with db.reading() as s:
        return s.execute(
            select(m.Framework.reference, m.Lot.number)
            .join(m.Lot)
            .where(
                m.Framework.start_date <= TODAY - timedelta(days=120),
                m.Framework.end_date >= TODAY,
                m.Framework.withdrawn_on.is_(None),
            )
            .order_by(m.Framework.reference, m.Lot.number)
            .limit(1)
        ).one()


def press(qtbot, window, key, modifiers=CTRL):
    """A shortcut typed in the window (active again once a dialog has closed)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(window, key, modifiers)


def show(qtbot, window, key):
    press(qtbot, window, key)
    drain(qtbot)


def choose_product(qtbot, window, code):
    show(qtbot, window, Qt.Key.Key_1)
    window.products.search_box.setText(code)
    qtbot.waitUntil(lambda: window.products.selected_key() == code, timeout=5000)
    drain(qtbot)


def create_product(qtbot, window, code=CODE, price="900.00", since=TODAY - timedelta(days=90)):
    """Ctrl+N in the Products view, the form filled in and saved."""
    show(qtbot, window, Qt.Key.Key_1)

    def act(form):
        assert isinstance(form, RecordForm) and form.kind is Kind.PRODUCT
        ready(qtbot, form)
        assert not save(form).isEnabled()
        fill(
            form,
            code=code,
            name="Body-worn camera T1",
            category="35125300-2",
            supplier="motorola-solutions",
            unit="camera",
            list_price=price,
            price_from=since.isoformat(),
        )
        qtbot.waitUntil(lambda: save(form).isEnabled(), timeout=5000)
        save(form).click()

    failures = on_modal(qtbot, RecordForm, act)
    count = window.undo_stack.count()
    press(qtbot, window, Qt.Key.Key_N)
    assert not failures, "\n".join(failures)
    qtbot.waitUntil(lambda: window.undo_stack.count() == count + 1, timeout=10000)
    drain(qtbot)


def set_prices(qtbot, window, framework, lot, since, breaks):
    """ "New prices on a lot…" from the product's detail pane."""
    button = window.products.pane.bar.widgetForAction(window.catalogue_editing.prices_action)

    def act(form):
        assert form.kind is Kind.OFFER
        assert not form.fields["product"].widget.isEnabled()
        ready(qtbot, form)
        fill(form, framework=framework)
        qtbot.waitUntil(lambda: form.fields["lot"].widget.count() > 0, timeout=5000)
        ready(qtbot, form)
        ceiling = breaks.split(",")[0].split(":")[1]
        fill(
            form, lot=lot, valid_from=since.isoformat(), ceiling_price=ceiling, price_breaks=breaks
        )
        qtbot.waitUntil(lambda: save(form).isEnabled(), timeout=5000)
        save(form).click()

    failures = on_modal(qtbot, RecordForm, act)
    count = window.undo_stack.count()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not failures, "\n".join(failures)
    qtbot.waitUntil(lambda: window.undo_stack.count() == count + 1, timeout=10000)
    drain(qtbot)


def purchase(qtbot, window, framework, lot, day, reference, *, record=True):
    """Ctrl+Shift+N: the purchase dialog on the lot; returns the unit price it proposed."""
    seen = []

    def act(d):
        qtbot.waitUntil(lambda: d.buyer.count() > 1, timeout=5000)
        d.buyer.setCurrentIndex(d.buyer.findData("kent"))
        d.order_date.setDate(day)
        d.product.setText(CODE)
        qtbot.waitUntil(lambda: d.product.code() == CODE, timeout=5000)

        def route():
            found = [i for i in range(d.route.count()) if d.route.itemData(i) == (framework, lot)]
            return found[0] if found else -1

        qtbot.waitUntil(lambda: route() >= 0, timeout=5000)
        d.route.setCurrentIndex(route())
        d.quantity.setText("20")
        d.order_reference.setText(reference)
        qtbot.waitUntil(lambda: d.settled() and save(d).isEnabled(), timeout=5000)
        seen.append(Decimal(d.unit_price.text()))
        if record:
            on_modal(qtbot, QMessageBox, lambda box: seen.append(box.text()) or box.reject())
            save(d).click()
        else:
            qtbot.keyClick(d, Qt.Key.Key_Escape)

    failures = on_modal(qtbot, PurchaseDialog, act)
    count = window.undo_stack.count()
    press(qtbot, window, Qt.Key.Key_N, CTRL_SHIFT)
    assert not failures, "\n".join(failures)
    if record:
        qtbot.waitUntil(lambda: window.undo_stack.count() == count + 1, timeout=10000)
    drain(qtbot)
    return seen[0]


def test_a_new_product_offered_on_a_lot_keeps_old_prices_for_old_purchases_and_undo_reverts(
    qtbot, window, db
):
    framework, lot = a_lot(db)
    create_product(qtbot, window)
    choose_product(qtbot, window, CODE)
    set_prices(
        qtbot, window, framework, lot, TODAY - timedelta(days=60), "1:450.00, 10:440.00, 50:425.00"
    )
    editor = CatalogueEditor(AppContext(db))
    first = editor.offer_versions(framework, lot, CODE)
    assert [(v.ceiling_price, len(v.price_breaks)) for v in first] == [(Decimal("450.00"), 2)]

    price = purchase(qtbot, window, framework, lot, TODAY - timedelta(days=30), "KENT/T1/OLD")
    assert price == Decimal("440.00")
    old = PurchaseService(db).get(
        window.undo_stack.command(window.undo_stack.count() - 1).purchase_id
    )
    assert old.unit_price == Decimal("440.00")

    set_prices(
        qtbot, window, framework, lot, TODAY - timedelta(days=10), "1:430.00, 10:420.00, 50:410.00"
    )
    assert [v.valid_to for v in editor.offer_versions(framework, lot, CODE)] == [
        TODAY - timedelta(days=11),
        None,
    ]
    # the purchase already recorded keeps the price of its order date
    assert PurchaseService(db).get(old.id).unit_price == Decimal("440.00")
    assert purchase(
        qtbot, window, framework, lot, TODAY - timedelta(days=30), "KENT/T1/X", record=False
    ) == Decimal("440.00")
    # a new purchase gets the new price
    assert purchase(qtbot, window, framework, lot, TODAY, "KENT/T1/NEW", record=False) == Decimal(
        "420.00"
    )
    # the detail pane shows both versions
    qtbot.waitUntil(lambda: "Price history" in window.products.detail.toPlainText(), timeout=5000)
    shown = window.products.detail.toPlainText()
    assert "£430.00" in shown and "£450.00" in shown

    press(qtbot, window, Qt.Key.Key_Z)
    qtbot.waitUntil(lambda: len(editor.offer_versions(framework, lot, CODE)) == 1, timeout=10000)
    drain(qtbot)
    assert editor.offer_versions(framework, lot, CODE)[0].valid_to is None
    assert purchase(qtbot, window, framework, lot, TODAY, "KENT/T1/AFTER", record=False) == Decimal(
        "440.00"
    )


def test_the_history_tab_lists_the_edits(qtbot, window, db):
    create_product(qtbot, window)
    choose_product(qtbot, window, CODE)

    def act(form):
        assert form.original is not None and not form.fields["code"].widget.isEnabled()
        ready(qtbot, form)
        fill(form, status="champion")
        qtbot.waitUntil(lambda: save(form).isEnabled(), timeout=5000)
        save(form).click()

    failures = on_modal(qtbot, RecordForm, act)
    window.products.table.setFocus()
    qtbot.keyClick(window.products.table, Qt.Key.Key_F2)
    assert not failures, "\n".join(failures)
    qtbot.waitUntil(lambda: window.undo_stack.count() == 2, timeout=10000)
    pane = window.products.pane
    pane.setCurrentWidget(pane.history)
    qtbot.waitUntil(lambda: len(pane.history.rows()) == 2, timeout=5000)
    newest, oldest = pane.history.rows()
    assert newest[2] == f"Changed product {CODE}: status approved → champion"
    assert oldest[2] == f"Added product {CODE}"
    assert newest[1] == AppContext(db).actor


@pytest.mark.parametrize(
    ("kind_key", "kind", "values", "field", "says"),
    [
        (
            Qt.Key.Key_1,
            Kind.PRODUCT,
            {"list_price": "12.345"},
            "list_price",
            "fractions of a penny",
        ),
        (
            Qt.Key.Key_3,
            Kind.SUPPLIER,
            {"companies_house_number": "XYZ"},
            "companies_house_number",
            "is not 8 characters",
        ),
        (
            Qt.Key.Key_2,
            Kind.FRAMEWORK,
            {"start_date": "2026-06-01", "end_date": "2026-01-01"},
            "end_date",
            "ends before it starts",
        ),
    ],
)
def test_each_new_form_names_the_problem_next_to_its_field_and_holds_save(
    qtbot, window, kind_key, kind, values, field, says
):
    show(qtbot, window, kind_key)
    seen = {}

    def act(form):
        seen["kind"] = form.kind
        ready(qtbot, form)
        seen["guidance"] = form.message.text()
        fill(form, **values)
        seen["note"] = note(form, field)
        seen["save"] = save(form).isEnabled()
        qtbot.keyClick(form, Qt.Key.Key_Escape)

    failures = on_modal(qtbot, RecordForm, act)
    press(qtbot, window, Qt.Key.Key_N)
    assert not failures, "\n".join(failures)
    assert seen["kind"] is kind
    assert seen["guidance"].startswith(f"To save the {kind.label}, give the ")
    assert says in seen["note"]
    assert seen["save"] is False


def test_lot_and_price_forms_check_their_fields(qtbot, window, db):
    framework, _lot = a_lot(db)
    show(qtbot, window, Qt.Key.Key_2)
    window.frameworks.search_box.setText(framework)
    qtbot.waitUntil(lambda: window.frameworks.selected_key() == framework, timeout=5000)
    seen = {}

    def lot_form(form):
        ready(qtbot, form)
        seen["framework"] = form.fields["framework"].text()
        fill(form, number="99", title="x" * 201)
        seen["lot"] = (note(form, "title"), save(form).isEnabled())
        form.reject()

    failures = on_modal(qtbot, RecordForm, lot_form)
    window.catalogue_editing.add_lot_action.trigger()
    assert not failures, "\n".join(failures)
    assert seen["framework"] == framework
    assert "longer than 200 characters" in seen["lot"][0] and seen["lot"][1] is False

    choose_product(qtbot, window, "ATHENA")

    def price_form(form):
        ready(qtbot, form)
        fill(form, ceiling_price="450.00", price_breaks="10:abc")
        seen["prices"] = (note(form, "price_breaks"), save(form).isEnabled())
        form.reject()

    failures = on_modal(qtbot, RecordForm, price_form)
    window.catalogue_editing.prices_action.trigger()
    assert not failures, "\n".join(failures)
    assert "price breaks" in seen["prices"][0].lower() and seen["prices"][1] is False


def test_an_unknown_supplier_is_named_next_to_its_field_after_save(qtbot, window):
    show(qtbot, window, Qt.Key.Key_1)
    seen = {}

    def act(form):
        ready(qtbot, form)
        fill(
            form,
            code=CODE,
            name="Camera",
            category="35125300-2",
            supplier="no-such-supplier",
            unit="camera",
            list_price="10.00",
        )
        qtbot.waitUntil(lambda: save(form).isEnabled(), timeout=5000)
        save(form).click()
        qtbot.waitUntil(lambda: bool(note(form, "supplier")), timeout=10000)
        seen["note"] = note(form, "supplier")
        seen["save"] = save(form).isEnabled()
        form.reject()

    failures = on_modal(qtbot, RecordForm, act)
    press(qtbot, window, Qt.Key.Key_N)
    assert not failures, "\n".join(failures)
    assert seen == {"note": "No supplier has the code “no-such-supplier”.", "save": False}
    assert window.undo_stack.count() == 0


def test_a_stale_edit_is_refused_with_the_sentence(qtbot, window, db):
    create_product(qtbot, window)
    choose_product(qtbot, window, CODE)
    seen = {}

    def act(form):
        ready(qtbot, form)
        # someone else saves first
        editor = CatalogueEditor(AppContext(db, actor="someone.else"))
        stored = editor.get(Kind.PRODUCT, CODE)
        editor.edit(stored.__class__(**{**stored.__dict__, "name": "Renamed elsewhere"}))
        fill(form, unit="kit")
        qtbot.waitUntil(lambda: save(form).isEnabled(), timeout=5000)
        save(form).click()
        qtbot.waitUntil(lambda: "someone else" in form.message.text(), timeout=10000)
        seen["message"] = form.message.text()
        seen["save"] = save(form).isEnabled()
        seen["open"] = form.isVisible()
        form.reject()

    failures = on_modal(qtbot, RecordForm, act)
    window.catalogue_editing.edit_action.trigger()
    qtbot.waitUntil(lambda: bool(seen or failures), timeout=10000)
    assert not failures, "\n".join(failures)
    assert seen["message"] == (
        f"Product {CODE} was changed by someone else since you opened it; open it again to "
        "see their change, then make yours."
    )
    assert seen["save"] is False and seen["open"] is True
    stored = CatalogueEditor(AppContext(db)).get(Kind.PRODUCT, CODE)
    assert (stored.name, stored.unit) == ("Renamed elsewhere", "camera")


def test_withdrawing_shows_what_it_touches_first_and_undo_reinstates(qtbot, window, db):
    create_product(qtbot, window)
    choose_product(qtbot, window, CODE)
    window.saved.save("Cameras T1", ProductQuery(text=CODE))
    window.add_to_comparison()
    seen = {}

    def act(d):
        seen["touches"] = d.touches.text()
        d.go.click()

    failures = on_modal(qtbot, ConfirmChange, act)
    window.catalogue_editing.withdraw_action.trigger()
    qtbot.waitUntil(lambda: "touches" in seen, timeout=10000)
    assert not failures, "\n".join(failures)
    assert seen["touches"] == (
        "This touches 0 purchases in the last 12 months, 0 framework offers in force today, "
        "1 saved search and 1 product in the comparison. Saved searches: “Cameras T1”."
    )
    editor = CatalogueEditor(AppContext(db))
    qtbot.waitUntil(lambda: editor.get(Kind.PRODUCT, CODE).status == "withdrawn", timeout=10000)
    drain(qtbot)
    press(qtbot, window, Qt.Key.Key_Z)
    qtbot.waitUntil(lambda: editor.get(Kind.PRODUCT, CODE).status == "approved", timeout=10000)
    drain(qtbot)
    actions = [e.action for e in CatalogueHistory(db).history(Kind.PRODUCT, CODE)]
    assert actions == ["create", "withdraw", "undo"]


def test_suspending_a_supplier_asks_for_a_reason_and_shows_it(qtbot, window, db):
    show(qtbot, window, Qt.Key.Key_3)
    view = window.current_view()
    qtbot.waitUntil(lambda: view.selected_key() is not None, timeout=5000)
    code = view.selected_key()
    seen = {}

    def act(d):
        seen["enabled_without_reason"] = d.go.isEnabled()
        d.exclude.setChecked(True)
        d.reason.setPlainText("Convicted of fraud")
        seen["button"] = d.go.text()
        d.go.click()

    failures = on_modal(qtbot, ConfirmChange, act)
    window.catalogue_editing.suspend_action.trigger()
    qtbot.waitUntil(lambda: "button" in seen, timeout=10000)
    assert not failures, "\n".join(failures)
    assert seen == {"enabled_without_reason": False, "button": "Exclude"}
    editor = CatalogueEditor(AppContext(db))
    qtbot.waitUntil(lambda: editor.get(Kind.SUPPLIER, code).status == "excluded", timeout=10000)
    qtbot.waitUntil(lambda: "Convicted of fraud" in view.detail.toPlainText(), timeout=10000)
    assert f"Excluded from public procurement since {TODAY.day} {TODAY:%b %Y}" in (
        view.detail.toPlainText()
    )


def test_ctrl_n_makes_the_views_kind_and_records_a_purchase_elsewhere(qtbot, window):
    opened = []

    def close(d):
        opened.append(getattr(d, "kind", type(d).__name__))
        d.reject()

    for key, expected in (
        (Qt.Key.Key_1, Kind.PRODUCT),
        (Qt.Key.Key_2, Kind.FRAMEWORK),
        (Qt.Key.Key_3, Kind.SUPPLIER),
    ):
        show(qtbot, window, key)
        failures = on_modal(qtbot, RecordForm, close)
        press(qtbot, window, Qt.Key.Key_N)
        assert not failures and opened[-1] is expected
    show(qtbot, window, Qt.Key.Key_5)
    failures = on_modal(qtbot, PurchaseDialog, close)
    press(qtbot, window, Qt.Key.Key_N)
    drain(qtbot)
    assert not failures and opened[-1] == "PurchaseDialog"
    # the Purchases view has no catalogue edit: F2 there does nothing
    assert not window.catalogue_editing.edit_action.isEnabled()


def test_reinstating_a_record_that_is_not_withdrawn_says_so(qtbot, window, monkeypatch):
    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: said.append(text))
    choose_product(qtbot, window, "ATHENA")
    window.catalogue_editing.reinstate_action.trigger()
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert said[0].endswith("is not withdrawn.")
    assert window.undo_stack.count() == 0
