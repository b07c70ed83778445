"""The Conflicts view: purchases changed on two sides, the two versions side by side.

A merge never settles a conflict by itself. Here the officer reads both versions
and keeps this side's, the other side's, or both; the decision is a command op
(audited by the service) and travels in the next bundle, where it closes the same
conflict on the other side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.services.bundles import ConflictLine, ConflictService
from catalogue_app.services.changes import Change, LedgerChanged
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.errors import show_failure
from catalogue_app.ui.operations import bundles as ops
from catalogue_app.ui.ops import CommandOp
from catalogue_app.ui.products_model import Column, format_day
from catalogue_app.ui.settings import Settings
from catalogue_app.ui.views import ListView

# The fields compared, in the order a person reads a purchase.
FIELDS = (
    ("status", "Status"),
    ("order_date", "Order date"),
    ("product", "Product"),
    ("route", "Route"),
    ("quantity", "Quantity"),
    ("unit_price", "Unit price"),
    ("void_reason", "Reason void"),
    ("notes", "Notes"),
    ("revision", "Version"),
    ("recorded_by", "Changed by"),
)
KEEP_LABELS = {
    "mine": "Keep this side's",
    "theirs": "Keep the other side's",
    "both": "Keep both",
}
MUTED = "color:#5b6b7d"
DIFFERENT = "background:#fff3cd"


def side_name(origin: str) -> str:
    """Where the other version was made, in words: a device, or a login on a server."""
    kind, _sep, name = origin.partition(":")
    if kind == "device" and name:
        return f"device {name}"
    if kind == "login" and name:
        return f"{name} on the shared server"
    return origin or "the other side"


def _value(version: dict[str, Any], key: str) -> str:
    value = version.get(key, "")
    if value in ("", None):
        return ""
    if key == "order_date":
        try:
            return format_day(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if key == "quantity":
        return f"{int(value):,}"
    if key == "status":
        return str(value).capitalize()
    return str(value)


def _what_happened(line: ConflictLine, other: str) -> str:
    if line.kind == "edit":
        return (
            f"This purchase was changed here and on {other}, both from the same version. "
            "Neither change has been applied over the other."
        )
    if line.kind == "void":
        return (
            f"This purchase was voided on one side and changed on the other ({other}). "
            "Neither has been applied over the other."
        )
    return (
        f"The order reference {line.order_reference} was recorded for {line.buyer} here and "
        f"on {other}, for different purchases."
    )


def _choices(line: ConflictLine) -> list[tuple[str, str]]:
    if line.kind == "reference":
        return [
            ("mine", "this side's purchase stays; the other side's is kept, marked void."),
            ("theirs", "the other side's purchase is kept; this side's is marked void."),
            ("both", "both stay, as two purchases with the same order reference."),
        ]
    return [
        ("mine", "this side's version stays; the other side's stays in the history."),
        ("theirs", "the other side's version becomes the purchase's next version."),
        ("both", "this side's version stays and the other side's becomes a purchase of its own."),
    ]


def conflict_html(line: ConflictLine, buyer_name: str) -> str:
    """The detail pane: what happened, both versions side by side, what each choice does."""
    other = side_name(line.theirs_device)
    cell = "padding:3px 10px 3px 0; vertical-align:top"
    parts = [
        f"<h3 style='margin-bottom:4px'>{escape(line.order_reference)} · {escape(buyer_name)}</h3>",
        f"<p>{escape(_what_happened(line, other))}</p>",
        "<table cellspacing='0'>",
        f"<tr><th align='left' style='{cell}'></th>"
        f"<th align='left' style='{cell}'>This side</th>"
        f"<th align='left' style='{cell}'>Other side</th></tr>",
    ]
    for key, label in FIELDS:
        mine, theirs = _value(line.mine, key), _value(line.theirs, key)
        if not mine and not theirs:
            continue
        shade = f";{DIFFERENT}" if mine != theirs and key not in ("revision", "recorded_by") else ""
        parts.append(
            f"<tr><td style='{cell};{MUTED}'>{label}</td>"
            f"<td style='{cell}{shade}'>{escape(mine) or '—'}</td>"
            f"<td style='{cell}{shade}'>{escape(theirs) or '—'}</td></tr>"
        )
    parts.append("</table>")
    if line.resolved_at is not None:
        how = (line.resolution or "resolved").replace("kept mine", "kept this side's version")
        how = how.replace("kept theirs", "kept the other side's version")
        how = how.replace("kept both", "kept both versions")
        parts.append(
            f"<p><b>Resolved</b> on {format_day(line.resolved_at.astimezone().date())}: "
            f"{escape(how)}.</p>"
        )
        return "".join(parts)
    parts.append(
        f"<p style='{MUTED}'>Differences are shaded. Choose which to keep with the buttons "
        "below; the decision is recorded in the audit trail and travels in the next bundle.</p>"
    )
    parts.append("<ul style='margin-top:0'>")
    parts.extend(
        f"<li><b>{escape(KEEP_LABELS[keep])}</b>: {escape(text)}</li>"
        for keep, text in _choices(line)
    )
    parts.append("</ul>")
    return "".join(parts)


@dataclass(frozen=True)
class ConflictRow:
    """One row of the Conflicts view."""

    id: str
    detected: date
    order_reference: str
    buyer: str
    what: str
    other_side: str
    state: str
    line: ConflictLine

    @classmethod
    def of(cls, line: ConflictLine, names: dict[str, str]) -> ConflictRow:
        if line.resolved_at is None:
            state = "Open"
        else:
            state = f"Resolved {format_day(line.resolved_at.astimezone().date())}"
        return cls(
            line.id,
            line.detected_at.astimezone().date(),
            line.order_reference,
            names.get(line.buyer, line.buyer),
            line.description[:1].upper() + line.description[1:],
            side_name(line.theirs_device),
            state,
            line,
        )


class ConflictsView(ListView):
    """The conflicts merging found; Resolve keeps this side's, the other side's, or both.

    ``resolved`` carries a sentence saying what was kept, for the status bar.
    """

    resolved = Signal(str)

    def __init__(self, ctx: UiContext, settings: Settings) -> None:
        self.ctx = ctx
        self._include_resolved = False  # read by the worker: never the checkbox itself
        self.show_resolved = QCheckBox("Show resolved conflicts too")
        self.show_resolved.setAccessibleName("Show resolved conflicts")
        columns = [
            Column("detected", "Found", width=100),
            Column("order_reference", "Order ref", width=150),
            Column("buyer", "Buyer", width=200),
            # the details open with it; shown when chosen (View → Columns)
            Column("what", "What happened", width=300, hidden=True),
            # in the details too; shown when chosen (View → Columns)
            Column("other_side", "Other side", width=200, hidden=True),
            Column("state", "State", width=130),
        ]
        catalogue = ctx.catalogue
        conflicts = ConflictService(ctx.app)
        self._names: dict[str, str] = {}

        def load() -> list[Any]:
            names = {f.code: f.name for f in catalogue.list_forces()}
            names.update({c.code: c.name for c in catalogue.list_collaborations()})
            self._names = names
            lines = conflicts.list(include_resolved=self._include_resolved)
            return [ConflictRow.of(line, names) for line in reversed(lines)]

        super().__init__(
            "conflictsView",
            "Conflicts",
            ("conflict", "conflicts"),
            columns,
            load,
            lambda row: conflict_html(row.line, row.buyer),
            settings,
            ctx,
            key=lambda row: str(row.id),
            dimmed=lambda row: row.line.resolved_at is not None,
        )
        self.detail.setObjectName("conflictDetails")
        self.keep_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for keep, label in KEEP_LABELS.items():
            button = QPushButton(label)
            button.setObjectName(f"keep{keep.capitalize()}")
            button.setEnabled(False)
            button.clicked.connect(lambda _c=False, k=keep: self.resolve(k))
            buttons.addWidget(button)
            self.keep_buttons[keep] = button
        buttons.addStretch(1)
        pane = QWidget()
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(0, 0, 0, 0)
        pane_layout.addWidget(self.detail, 1)  # out of the splitter, into the pane
        self.splitter.addWidget(pane)
        pane_layout.addLayout(buttons)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([660, 520])
        self.show_resolved.toggled.connect(self._show_resolved)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.setSpacing(6)
        layout.insertWidget(0, self.show_resolved)

    def _show_resolved(self, shown: bool) -> None:
        self._include_resolved = shown
        self.refresh()

    def status_text(self) -> str:
        text = super().status_text()
        if not self.model.loaded or not self.show_resolved.isChecked():
            return text
        rows = (self.model.row_at(n) for n in range(self.model.rowCount()))
        still = sum(1 for row in rows if row is not None and row.line.resolved_at is None)
        return f"{text}; {still:,} open"

    def _current_changed(self, current: Any, previous: Any) -> None:
        super()._current_changed(current, previous)
        self._enable_buttons()

    def _loaded(self, rows: list[Any]) -> None:
        super()._loaded(rows)
        if not rows:
            self.detail.setHtml(
                "<p>No conflicts: every change merged from other devices has landed.</p>"
                if not self.show_resolved.isChecked()
                else "<p>No conflict has been found here yet.</p>"
            )
        self._enable_buttons()

    def _enable_buttons(self) -> None:
        row = self.selected_record()
        open_ = row is not None and row.line.resolved_at is None
        for button in self.keep_buttons.values():
            button.setEnabled(open_ and not self.ctx.db.read_only)

    def resolve(self, keep: str, *, confirm: bool = True) -> CommandOp[ConflictLine] | None:
        """Settle the highlighted conflict keeping ``keep`` (after asking), off the GUI thread."""
        row = self.selected_record()
        if row is None or row.line.resolved_at is not None:
            return None
        if confirm:
            text = dict(_choices(row.line))[keep]
            answer = QMessageBox.question(
                self,
                "Resolve conflict",
                f"{KEEP_LABELS[keep]} for {row.order_reference}: {text}\n\n"
                "The decision is recorded in the audit trail and travels in the next bundle.",
                QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Ok:
                return None
        for button in self.keep_buttons.values():
            button.setEnabled(False)
        kept = KEEP_LABELS[keep].lower().replace("keep", "kept", 1)
        op = (
            ops.resolve_conflict(self, self.ctx, row.line, keep)
            .success(
                lambda line: self.resolved.emit(
                    f"Resolved the conflict on {line.order_reference}: {kept}"
                )
            )
            .failure(self._resolve_failed)
        )
        op.run_in_background()
        return op

    def _resolve_failed(self, exc: BaseException) -> None:
        show_failure(self, exc, "resolve conflict")
        self._enable_buttons()

    def _changed(self, change: Change) -> None:
        if isinstance(change, LedgerChanged):
            if self.model.loaded:
                self.refresh()
            return
        super()._changed(change)
