"""Query and command ops, the error dialog, the exception hooks, the log and the settings."""

import logging
import threading

import pytest
from conftest import drain
from PySide6.QtCore import QByteArray, QSettings, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from catalogue_app import logs
from catalogue_app.domain.errors import ValidationError
from catalogue_app.services.catalogue import ProductQuery
from catalogue_app.services.changes import LedgerChanged
from catalogue_app.ui.errors import ErrorDialog, ExceptionHooks
from catalogue_app.ui.main_window import MainWindow
from catalogue_app.ui.ops import ChangeHub, CommandOp, QueryOp
from catalogue_app.ui.settings import (
    SAVED_SEARCHES,
    SETTINGS_VERSION,
    VERSION_KEY,
    WINDOW_VIEW,
    Settings,
    upgrade,
    view_header,
)


@pytest.fixture
def log_file(tmp_path):
    path = logs.configure(tmp_path / "app.log")
    yield path
    logger = logging.getLogger(logs.LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


def error_dialogs(parent):
    return [d for d in parent.findChildren(ErrorDialog) if d.isVisible()]


def test_a_newer_query_never_waits_for_nor_shows_an_older_one(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    release = threading.Event()
    shown = []

    def slow():
        release.wait(10)
        return "typed 'ath'"

    QueryOp(widget, slow, kind="search").success(shown.append).run_in_background()
    QueryOp(widget, lambda: "typed 'athena'", kind="search").success(
        shown.append
    ).run_in_background()
    qtbot.waitUntil(lambda: shown == ["typed 'athena'"], timeout=3000)  # the slow one still runs
    release.set()
    drain(qtbot)
    assert shown == ["typed 'athena'"]


def test_a_command_broadcasts_its_notice_and_holds_tables_while_it_runs(qtbot, log_file):
    widget = QWidget()
    qtbot.addWidget(widget)
    hub = ChangeHub(widget)
    heard, busy = [], []
    hub.changed.connect(heard.append)
    hub.busy_changed.connect(busy.append)
    op = CommandOp(
        widget,
        hub,
        "record purchase",
        lambda _p: "p-1",
        notice=lambda pid: LedgerChanged.of([pid], ["norfolk"], ["ATHENA"]),
    )
    op.run_in_background()
    assert hub.busy
    drain(qtbot)
    assert not hub.busy and busy == [True, False]
    assert heard == [LedgerChanged.of(["p-1"], ["norfolk"], ["ATHENA"])]
    logs.flush()
    assert "record purchase: ok in" in log_file.read_text() and "p-1" in log_file.read_text()


def test_a_refused_command_shows_its_sentence(qtbot, window, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise ValidationError("purchase X is already void", field="status")

    monkeypatch.setattr(window.ctx.purchases, "void", refuse)
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QInputDialog.getText", lambda *a, **k: ("twice", True)
    )
    window.void_purchase("X")
    qtbot.waitUntil(lambda: bool(error_dialogs(window)), timeout=5000)
    dialog = error_dialogs(window)[0]
    assert dialog.message.text() == "Purchase X is already void."
    assert window.undo_stack.count() == 0  # nothing was done, so nothing to undo


def test_an_unexpected_failure_shows_copy_details_and_is_logged(
    qtbot, window, monkeypatch, log_file
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("connection reset by peer")

    monkeypatch.setattr(window.ctx.purchases, "void", broken)
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QInputDialog.getText", lambda *a, **k: ("twice", True)
    )
    window.void_purchase("X")
    qtbot.waitUntil(lambda: bool(error_dialogs(window)), timeout=5000)
    dialog = error_dialogs(window)[0]
    text = dialog.message.text()
    assert "“void purchase” stopped" in text and "RuntimeError: connection reset by peer" in text
    assert str(log_file) in text
    assert "Traceback" not in text
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("Traceback") and "connection reset by peer" in copied
    assert dialog.isVisible()  # copying does not close it
    logs.flush()
    logged = log_file.read_text()
    assert "void purchase: failed" in logged and "RuntimeError: connection reset" in logged


@pytest.mark.qt_no_exception_capture
def test_uncaught_exceptions_are_logged_and_shown(qtbot, log_file):
    hooks = ExceptionHooks().install()
    try:

        def slot_that_breaks():
            raise KeyError("vanished-row")

        QTimer.singleShot(0, slot_that_breaks)
        qtbot.waitUntil(lambda: len(hooks.dialogs) == 1, timeout=5000)
        worker = threading.Thread(target=lambda: 1 / 0, name="exporter")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: len(hooks.dialogs) == 2, timeout=5000)
        first, second = hooks.dialogs
        assert "KeyError: 'vanished-row'" in first.message.text()
        assert "ZeroDivisionError" in second.message.text()
        second.copy_button.click()
        assert "ZeroDivisionError" in QGuiApplication.clipboard().text()
        assert "Traceback" in QGuiApplication.clipboard().text()
        logs.flush()
        logged = log_file.read_text()
        assert logged.count("uncaught exception") == 2
        assert "slot_that_breaks" in logged and "ZeroDivisionError" in logged
        for dialog in hooks.dialogs:
            dialog.close()
    finally:
        hooks.uninstall()


def old_layout(path):
    store = QSettings(str(path), QSettings.Format.IniFormat)
    store.setValue("mainWindow/view", 3)
    store.setValue("productsView/header", QByteArray(b"\x00\x01header"))
    store.setValue(
        "savedSearches/v1",
        '{"Radios": {"text": "radio", "status": "champion", "accredited_on": null}}',
    )
    store.sync()
    return store


def test_settings_written_by_the_first_version_are_upgraded(tmp_path):
    store = old_layout(tmp_path / "old.ini")
    assert upgrade(store) == 1
    assert store.value(VERSION_KEY) in (SETTINGS_VERSION, str(SETTINGS_VERSION))
    settings = Settings(store)
    assert settings.upgraded_from == SETTINGS_VERSION  # already done: nothing moves twice
    assert settings.get(WINDOW_VIEW) == 4  # Buyers, now that Home comes first
    assert bytes(settings.get(view_header("productsView"))) == b"\x00\x01header"
    assert "Radios" in settings.get(SAVED_SEARCHES)
    leftovers = {"mainWindow/view", "productsView/header", "savedSearches/v1"}
    assert leftovers.isdisjoint(store.allKeys())


def test_the_window_opens_with_upgraded_settings(qtbot, db, tmp_path):
    store = old_layout(tmp_path / "old.ini")
    window = MainWindow(db, store)
    qtbot.addWidget(window)
    assert window.current_view() is window.buyers
    assert window.saved_list.item(0).text() == "Radios"
    window.recall_search("Radios")
    qtbot.waitUntil(lambda: window.model.query.status == "champion", timeout=5000)
    assert window.model.query == ProductQuery("radio", status="champion").with_changes(
        sort=window.model.query.sort, descending=window.model.query.descending
    )
    drain(qtbot)


def test_the_view_shown_before_home_came_first_is_shown_again(qtbot, db, tmp_path):
    store = QSettings(str(tmp_path / "v2.ini"), QSettings.Format.IniFormat)
    store.setValue(VERSION_KEY, 2)
    store.setValue(WINDOW_VIEW.key, 4)  # Purchases, when Products was first
    store.sync()
    window = MainWindow(db, store)
    qtbot.addWidget(window)
    assert window.current_view() is window.purchases
    assert Settings(store).upgraded_from == SETTINGS_VERSION
    assert store.value(WINDOW_VIEW.key) in (5, "5")  # moved once, not again
    drain(qtbot)


def test_a_version_2_store_without_a_view_opens_on_home(qtbot, db, tmp_path):
    store = QSettings(str(tmp_path / "v2.ini"), QSettings.Format.IniFormat)
    store.setValue(VERSION_KEY, 2)
    store.setValue(WINDOW_VIEW.key, "not a number")
    store.sync()
    assert upgrade(store) == 2
    assert store.value(WINDOW_VIEW.key) == "not a number"
    window = MainWindow(db, store)
    qtbot.addWidget(window)
    assert window.current_view() is window.home
    drain(qtbot)


def test_a_fresh_store_starts_at_the_current_version(tmp_path):
    store = QSettings(str(tmp_path / "new.ini"), QSettings.Format.IniFormat)
    settings = Settings(store)
    assert settings.upgraded_from == SETTINGS_VERSION
    assert settings.get(WINDOW_VIEW) == 0
    store.setValue(WINDOW_VIEW.key, "not a number")
    assert settings.get(WINDOW_VIEW) == 0
