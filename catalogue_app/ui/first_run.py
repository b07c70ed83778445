"""The first start on a new database: an empty ledger, or invented data to explore.

A new database holds the reference catalogue and no purchases. The officer is
asked once whether to add the demonstration history; an empty ledger is the
default answer, so pressing Enter never puts invented spend into a real ledger.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from catalogue_app import APP_NAME
from catalogue_app.services.changes import LedgerChanged
from catalogue_app.services.database import Database, SeedReport
from catalogue_app.ui.ops import ChangeHub, CommandOp

EXPLAIN = (
    "This catalogue is new: it holds the approved products, frameworks, suppliers and "
    "forces, and no purchases yet. You can start recording real purchases in an empty "
    "ledger, or explore the app with demonstration purchases, which are invented and are "
    "marked as demonstration data in the window title, in every briefing and in exports, "
    "and can be removed later (File ▸ Remove demonstration data)."
)


class FirstRunDialog(QDialog):
    """Asks once: "Explore with demonstration data" or "Start an empty ledger" (default)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self.setObjectName("firstRunDialog")
        self.wants_demo = False
        text = QLabel(EXPLAIN)
        text.setWordWrap(True)
        text.setMinimumWidth(420)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox()
        self.demo_button = QPushButton("Explore with &demonstration data")
        self.empty_button = QPushButton("Start an &empty ledger")
        buttons.addButton(self.demo_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.empty_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.demo_button.setAutoDefault(False)
        self.empty_button.setDefault(True)
        self.empty_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.demo_button.clicked.connect(self._explore)
        self.empty_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)

    def _explore(self) -> None:
        self.wants_demo = True
        self.accept()


def add_demonstration_data(parent: QObject, hub: ChangeHub, db: Database) -> CommandOp[SeedReport]:
    """Add the demonstration history to the ledger, with progress; every ledger view reloads."""
    return CommandOp(
        parent,
        hub,
        "add demonstration data",
        lambda _p: db.seed(demo=True),
        notice=lambda _report: LedgerChanged.everything(),
    ).with_progress("Adding demonstration purchases…")


def remove_demonstration_data(parent: QObject, hub: ChangeHub, db: Database) -> CommandOp[int]:
    """Delete every demonstration purchase (they were never real); returns how many went."""
    return CommandOp(
        parent,
        hub,
        "remove demonstration data",
        lambda _p: db.remove_demo(),
        notice=lambda _removed: LedgerChanged.everything(),
    ).with_progress("Removing demonstration purchases…")
