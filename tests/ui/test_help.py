"""Help: keyboard shortcuts listed from the window's own actions, and Getting started."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from catalogue_app.paths import resources_dir
from catalogue_app.ui.help import GettingStartedDialog, ShortcutsDialog, plain
from catalogue_app.ui.settings import GETTING_STARTED_SHOWN, Settings


def menu_actions_with_keys(window):
    found = []
    for top in window.menuBar().actions():
        for action in top.menu().actions():
            if action.menu() is None and (action.shortcuts() or action.property("shortcut_note")):
                found.append((plain(top.text()), plain(action.text())))
    return found


def test_keyboard_shortcuts_lists_every_action_with_a_key_by_menu(window, qtbot):
    window.shortcuts_action.trigger()
    dialog = window._shortcuts_dialog
    window.shortcuts_action.trigger()  # again: the same dialog, brought to the front
    assert window._shortcuts_dialog is dialog
    qtbot.addWidget(dialog)
    assert isinstance(dialog, ShortcutsDialog) and dialog.isVisible()
    rows = dialog.rows()
    assert [(menu, action) for menu, action, _ in rows] == menu_actions_with_keys(window)
    assert ("File", "Import purchases", "Ctrl+I") in rows
    assert (
        "Purchases",
        "Record purchase",
        "Ctrl+Shift+N; Ctrl+N too outside Products, Frameworks and Suppliers",
    ) in rows
    assert ("Catalogue", "New product", "Ctrl+N in the Products view") in rows
    assert ("Catalogue", "Edit", "F2") in rows
    assert ("View", "Forces & collaborations", "Ctrl+4") in rows
    assert ("Help", "Keyboard shortcuts", "Ctrl+/") in rows
    groups = [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]
    assert groups == [
        "File",
        "Edit",
        "Purchases",
        "Catalogue",
        "Compare",
        "View",
        "Searches",
        "Help",
    ]


def test_keyboard_shortcuts_opens_from_its_key(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeWindow(), ShortcutsDialog), timeout=3000)
    window._shortcuts_dialog.close()


def test_getting_started_is_a_page_shipped_with_the_app(window, qtbot):
    assert (resources_dir() / "help" / "getting-started.html").is_file()
    window.getting_started_action.trigger()
    dialog = window._getting_started
    qtbot.addWidget(dialog)
    assert isinstance(dialog, GettingStartedDialog) and dialog.isVisible()
    text = dialog.page.toPlainText()
    assert text.startswith("Getting started")
    assert "Record a purchase" in text and "Ctrl+F" in text


def test_getting_started_opens_on_the_first_run_only(qtbot, db, settings):
    from conftest import open_window

    first = open_window(qtbot, db, settings)
    first.welcome(new_database=False)
    assert isinstance(first._getting_started, GettingStartedDialog)
    qtbot.addWidget(first._getting_started)
    assert first._getting_started.isVisible()
    assert Settings(settings).get(GETTING_STARTED_SHOWN)
    first.close()
    second = open_window(qtbot, db, settings)
    second.welcome(new_database=False)
    assert second._getting_started is None


def test_on_a_new_database_the_demo_question_comes_before_getting_started(
    qtbot, db, settings, monkeypatch
):
    from conftest import open_window

    window = open_window(qtbot, db, settings)
    order = []
    monkeypatch.setattr(window, "offer_demonstration_data", lambda: order.append("demo"))
    real = window.show_getting_started
    monkeypatch.setattr(window, "show_getting_started", lambda: order.append("help") or real())
    window.welcome(new_database=True)
    qtbot.addWidget(window._getting_started)
    assert order == ["demo", "help"]


def test_about_is_still_there(window):
    help_menu = window.menuBar().actions()[-1].menu()
    texts = [plain(a.text()) for a in help_menu.actions() if not a.isSeparator()]
    assert texts == ["Getting started", "Keyboard shortcuts", "About Police Procurement Catalogue"]
