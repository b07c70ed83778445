"""The History tab of a detail pane: every audited change of the record, newest first.

The history is read in a query op, only while the tab is shown, and again when a
change notice touches the record.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.services.changes import CatalogueChanged, Change
from catalogue_app.services.editing import HistoryEntry, Kind
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.errors import show_failure
from catalogue_app.ui.operations import catalogue as catalogue_ops


def when(entry: HistoryEntry) -> str:
    """ "30 Nov 2026 10:04", in the officer's local time."""
    local = entry.occurred_at.astimezone()
    return f"{local.day} {local:%b %Y %H:%M}"


def _touches(change: CatalogueChanged, kind: Kind, key: str) -> bool:
    if change.unbounded:
        return True
    match kind:
        case Kind.PRODUCT:
            return key in change.products
        case Kind.SUPPLIER:
            return key in change.suppliers
        case _:
            return key in change.frameworks


class HistoryTab(QWidget):
    """Who changed the record, when, and what: "Changed: list price £900.00 → £950.00"."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind: Kind | None = None
        self.key: str | None = None
        self._shown_for: tuple[Kind, str] | None = None
        self._rows: list[tuple[str, str, str]] = []
        # a narrow pane: each change on its own lines, wrapped, rather than cut-off columns
        self.tree = QTextBrowser()
        self.tree.setObjectName("history")
        self.tree.setAccessibleName("History")
        self.tree.setOpenLinks(False)
        self.empty = QLabel()
        self.empty.setObjectName("historyEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setMargin(8)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        ctx.hub.changed.connect(self._changed)

    def show_record(self, kind: Kind, key: str | None) -> None:
        """Follow the record the pane shows; read its history if the tab is in view."""
        self.kind, self.key = kind, key
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.kind is not None and self.key and self._shown_for != (self.kind, self.key):
            self.reload()

    def reload(self) -> None:
        kind, key = self.kind, self.key
        if kind is None or not key:
            return
        catalogue_ops.read_history(self, self.ctx, kind, key).success(
            lambda entries: self._show(kind, key, entries)
        ).failure(self._failed).run_in_background()

    def _show(self, kind: Kind, key: str, entries: list[HistoryEntry]) -> None:
        if (kind, key) != (self.kind, self.key):
            return
        self._shown_for = (kind, key)
        self.tree.clear()
        self._rows = [(when(e), e.actor, e.summary) for e in reversed(entries)]  # newest first
        if not entries:
            self.empty.setText(
                f"No change to {kind.label} {key} has been made in the app yet: "
                "it is as the catalogue was loaded."
            )
            self.stack.setCurrentWidget(self.empty)
            return
        self.tree.setHtml(
            "".join(
                f"<p style='margin: 0 0 8px 0'><span style='color: #5b6b7d'>{escape(at)} · "
                f"{escape(who)}</span><br>{escape(what)}</p>"
                for at, who, what in self._rows
            )
        )
        self.stack.setCurrentWidget(self.tree)

    def rows(self) -> list[tuple[str, str, str]]:
        """(when, who, what) as listed, newest first."""
        return list(self._rows)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, CatalogueError):
            self.empty.setText(str(exc)[:1].upper() + str(exc)[1:])
            self.stack.setCurrentWidget(self.empty)
        else:
            show_failure(self, exc, "read the history")

    def _changed(self, change: Change) -> None:
        if (
            isinstance(change, CatalogueChanged)
            and self.kind is not None
            and self.key
            and _touches(change, self.kind, self.key)
        ):
            self._shown_for = None
            if self.isVisible():
                self.reload()
