"""Help: the keyboard shortcuts (read from the window's own actions) and getting started."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QMenuBar,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.paths import resources_dir


@dataclass(frozen=True)
class Shortcut:
    menu: str
    action: str
    keys: str


def plain(text: str) -> str:
    """A menu text as a reader sees it: no mnemonic marks, no trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(action: QAction) -> str:
    """The action's keys; an action whose keys depend on the view says so in words."""
    note = action.property("shortcut_note")
    if note:
        return str(note)
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())


def shortcuts(menu_bar: QMenuBar) -> list[Shortcut]:
    """Every action with a shortcut, menu by menu, in the order the menus show them."""
    found: list[Shortcut] = []

    def walk(menu: QMenu, title: str) -> None:
        for action in menu.actions():
            submenu = action.menu()
            if isinstance(submenu, QMenu):
                walk(submenu, f"{title} ▸ {plain(action.text())}")
            elif not action.isSeparator() and (
                action.shortcuts() or action.property("shortcut_note")
            ):
                found.append(Shortcut(title, plain(action.text()), _keys(action)))

    for top in menu_bar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, plain(top.text()))
    return found


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: a list grouped by menu."""

    def __init__(self, menu_bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsDialog")
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcuts")
        self.tree.setAccessibleName("Keyboard shortcuts")
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        groups: dict[str, QTreeWidgetItem] = {}
        for shortcut in shortcuts(menu_bar):
            group = groups.get(shortcut.menu)
            if group is None:
                group = QTreeWidgetItem([shortcut.menu, ""])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(group)
                groups[shortcut.menu] = group
            group.addChild(QTreeWidgetItem([shortcut.action, shortcut.keys]))
        self.tree.expandAll()
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(520, 620)

    def rows(self) -> list[tuple[str, str, str]]:
        """(menu, action, keys) as listed, for reading back."""
        listed = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            if group is None:
                continue
            for n in range(group.childCount()):
                item = group.child(n)
                if item is not None:
                    listed.append((group.text(0), item.text(0), item.text(1)))
        return listed


def getting_started_html() -> str:
    return (resources_dir() / "help" / "getting-started.html").read_text(encoding="utf-8")


class GettingStartedDialog(QDialog):
    """Help → Getting started: a short page that ships with the app (no network needed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Getting started")
        self.setObjectName("gettingStartedDialog")
        self.page = QTextBrowser()
        self.page.setObjectName("gettingStarted")
        self.page.setAccessibleName("Getting started")
        self.page.setOpenExternalLinks(False)
        self.page.document().setDocumentMargin(14)
        self.page.setHtml(getting_started_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.page)
        layout.addWidget(buttons)
        self.resize(640, 600)
