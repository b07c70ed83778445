"""A new database asks once about demonstration data; the title says when it is present;
a read-only database is marked and refuses changes before any dialog opens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import drain, open_window, result_of
from file_modes import unwritable
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox, QWidget

from catalogue_app.services.database import open_database
from catalogue_app.ui.first_run import FirstRunDialog
from catalogue_app.ui.ops import wait_for_ops
from catalogue_app.ui.purchase_dialog import PurchaseDialog
from catalogue_app.ui.record_form import RecordForm

DEMO_MARK = "— includes demonstration data"


def when_shown(kind: type[QWidget], act: Callable[[QWidget], None], tries: int = 500) -> None:
    """Do ``act`` to the modal dialog of ``kind`` as soon as it is on screen."""

    def attempt(left: int) -> None:
        shown = QApplication.activeModalWidget()
        if isinstance(shown, kind):
            act(shown)
        elif left:
            QTimer.singleShot(10, lambda: attempt(left - 1))

    QTimer.singleShot(0, lambda: attempt(tries))


@pytest.fixture
def new_db(new_location):
    db = open_database(new_location)
    yield db
    wait_for_ops(30_000)
    db.close()


def test_a_new_database_is_created_with_an_empty_ledger(new_db):
    assert new_db.migration.created
    assert not new_db.has_demo_data()


def test_choosing_demonstration_data_fills_the_ledger_and_marks_the_title(qtbot, new_db, settings):
    window = open_window(qtbot, new_db, settings)
    drain(qtbot)
    assert DEMO_MARK not in window.windowTitle()
    assert not window.remove_demo_action.isVisible()

    when_shown(FirstRunDialog, lambda d: d.demo_button.click())
    op = window.offer_demonstration_data()

    assert op is not None
    report = result_of(qtbot, op, timeout=60_000)
    assert report.demo_purchases > 1000
    qtbot.waitUntil(lambda: DEMO_MARK in window.windowTitle(), timeout=10_000)
    assert window.remove_demo_action.isVisible() and window.remove_demo_action.isEnabled()
    window.view_actions[window.views.index(window.purchases)].trigger()
    qtbot.waitUntil(lambda: window.purchases.model.rowCount() > 0, timeout=10_000)
    drain(qtbot)


def test_the_empty_ledger_is_the_default_answer(qtbot, new_db, settings):
    window = open_window(qtbot, new_db, settings)
    seen: list[FirstRunDialog] = []

    def press_enter(dialog: QWidget) -> None:
        assert isinstance(dialog, FirstRunDialog)
        seen.append(dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_Return)

    when_shown(FirstRunDialog, press_enter)
    assert window.offer_demonstration_data() is None

    assert seen and seen[0].empty_button.isDefault() and not seen[0].wants_demo
    drain(qtbot)
    assert DEMO_MARK not in window.windowTitle()
    assert not new_db.has_demo_data()


def test_the_first_run_dialog_says_demonstration_purchases_are_invented_and_marked(qtbot):
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "invented" in text and "marked" in text
    assert dialog.demo_button.text().replace("&", "") == "Explore with demonstration data"
    assert dialog.empty_button.text().replace("&", "") == "Start an empty ledger"


def test_removing_demonstration_data_clears_the_mark_and_the_ledger(qtbot, window):
    qtbot.waitUntil(lambda: DEMO_MARK in window.windowTitle(), timeout=10_000)
    assert window.remove_demo_action.isVisible()

    when_shown(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    window.remove_demo_action.trigger()

    qtbot.waitUntil(lambda: DEMO_MARK not in window.windowTitle(), timeout=30_000)
    assert not window.remove_demo_action.isVisible()
    assert not window.ctx.db.has_demo_data()
    window.view_actions[window.views.index(window.purchases)].trigger()
    drain(qtbot)
    qtbot.waitUntil(lambda: window.purchases.model.rowCount() == 0, timeout=10_000)


def test_cancelling_the_removal_keeps_the_demonstration_data(qtbot, window):
    qtbot.waitUntil(lambda: DEMO_MARK in window.windowTitle(), timeout=10_000)

    when_shown(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    window.remove_demo_action.trigger()

    drain(qtbot)
    assert DEMO_MARK in window.windowTitle()
    assert window.ctx.db.has_demo_data()


# -- read-only -----------------------------------------------------------------------------------


@pytest.fixture
def read_only_db(tmp_path):
    path = tmp_path / "catalogue.sqlite"
    open_database(str(path)).close()
    with unwritable(path):
        db = open_database(str(path))
        yield db
        wait_for_ops(30_000)
        db.close()


def test_a_read_only_database_is_marked_and_its_changes_are_disabled(
    qtbot, read_only_db, settings, monkeypatch
):
    assert read_only_db.read_only
    opened: list[object] = []
    monkeypatch.setattr(PurchaseDialog, "exec", lambda self: opened.append(self) or 0)
    monkeypatch.setattr(RecordForm, "exec", lambda self: opened.append(self) or 0)
    window = open_window(qtbot, read_only_db, settings)

    assert window.windowTitle().endswith("— read-only")
    assert window.read_only_label.isVisible()
    assert window.read_only_label.toolTip() == read_only_db.read_only_reason
    for action in (
        window.record_action,
        window.record_product_action,
        window.edit_action,
        window.void_action,
        window.import_action,
    ):
        assert not action.isEnabled(), action.text()
        assert read_only_db.read_only_reason in action.toolTip()
    assert window.export_action.isEnabled() and window.briefing_action.isEnabled()

    for action in window.catalogue_editing.all_actions():
        assert not action.isEnabled(), action.text()
        assert read_only_db.read_only_reason in action.toolTip()

    window.record_action.trigger()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    window.show_view(window.views.index(window.products))
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert opened == []


def test_a_read_only_database_refuses_an_edit_asked_from_the_ledger_with_its_reason(
    qtbot, read_only_db, settings
):
    window = open_window(qtbot, read_only_db, settings)
    said: list[str] = []

    def read_and_close(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        said.append(box.text())
        box.accept()

    when_shown(QMessageBox, read_and_close)
    window.purchases.edit_requested.emit("any-purchase")

    assert said == [f"{read_only_db.read_only_reason}."]
    assert "read-only" in said[0]
    assert not [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
    ]
    assert window.offer_demonstration_data() is None
