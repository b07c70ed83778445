"""Savings targets per buyer and period: list them, add, edit and end them (audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.periods import FinancialYear
from catalogue_app.services.targets import Target, TargetDraft, TargetService
from catalogue_app.ui.context import Buyers, UiContext
from catalogue_app.ui.operations import home as home_ops
from catalogue_app.ui.ops import QueryOp
from catalogue_app.ui.products_model import Column, ListTableModel
from catalogue_app.ui.widgets import RecordTable

COLUMNS = [
    Column("buyer_name", "Buyer", width=200),
    Column("start", "From", width=100),
    Column("end", "To", width=100),
    Column("amount_text", "Target", width=220),
    Column("description", "Description", width=260),
    Column("source", "Source", width=260),
]


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class TargetForm(QDialog):
    """One target's fields; the command runs on accept and the form stays open on an error."""

    def __init__(
        self, ctx: UiContext, parent: QWidget, *, buyer: str = "", target: Target | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx, self.target = ctx, target
        self.setWindowTitle("Edit savings target" if target else "Add savings target")
        self.buyer = QComboBox()
        self.buyer.setAccessibleName("Buyer")
        ctx.buyers.when_ready(lambda b: self._fill(b, target.buyer if target else buyer))
        self.buyer.setEnabled(target is None)
        fy = FinancialYear.containing(ctx.app.today())
        self.start = QDateEdit(_qdate(target.start if target else fy.start))
        self.end = QDateEdit(_qdate(target.end if target else fy.end))
        for edit, name in ((self.start, "First day"), (self.end, "Last day")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
        self.amount = QLineEdit(f"{target.amount:.2f}" if target else "")
        self.amount.setPlaceholderText("£ saved over the period, e.g. 250,000")
        self.amount.setAccessibleName("Target amount")
        upper = target.amount_upper if target else None
        self.upper = QLineEdit("" if upper is None else f"{upper:.2f}")
        self.upper.setPlaceholderText("Optional: the top of a range")
        self.upper.setAccessibleName("Upper amount")
        self.description = QPlainTextEdit(target.description if target else "")
        self.description.setAccessibleName("Description")
        self.description.setFixedHeight(60)
        self.source = QLineEdit(target.source if target else "")
        self.source.setPlaceholderText("Where the figure comes from (default: who entered it)")
        self.source.setAccessibleName("Source")
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setStyleSheet("color:#a11d1d")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Buyer", self.buyer)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        form.addRow("Target", self.amount)
        form.addRow("Up to", self.upper)
        form.addRow("Description", self.description)
        form.addRow("Source", self.source)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.saved: Target | None = None

    def _fill(self, buyers: Buyers, chosen: str) -> None:
        buyers.fill(self.buyer)
        self.buyer.setCurrentIndex(max(0, self.buyer.findData(chosen)))

    def draft(self) -> TargetDraft:
        return TargetDraft(
            str(self.buyer.currentData() or ""),
            self.start.date().toPython(),  # type: ignore[arg-type]
            self.end.date().toPython(),  # type: ignore[arg-type]
            self.amount.text().strip(),
            self.upper.text().strip() or None,
            self.description.toPlainText(),
            self.source.text(),
        )

    def save(self) -> None:
        self.error.clear()
        draft = self.draft()
        if self.target is None:
            op = home_ops.add_target(self, self.ctx, draft)
        else:
            op = home_ops.edit_target(self, self.ctx, self.target.id, draft)
        op.success(self._saved).failure(lambda exc: self.error.setText(_sentence(exc)))
        op.run_in_background()

    def _saved(self, target: Target) -> None:
        self.saved = target
        self.accept()


class EndForm(QDialog):
    """Asks for a target's new last day."""

    def __init__(self, ctx: UiContext, target: Target, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx, self.target = ctx, target
        self.setWindowTitle("End savings target")
        today = ctx.app.today()
        self.on = QDateEdit(_qdate(min(max(today, target.start), target.end)))
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("d MMM yyyy")
        self.on.setAccessibleName("Last day")
        self.error = QLabel()
        self.error.setStyleSheet("color:#a11d1d")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"End “{target.description or target.amount_text}” for {target.buyer_name} "
                "early. Its period is cut short; the audit log keeps what it was."
            )
        )
        form = QFormLayout()
        form.addRow("Last day", self.on)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> None:
        on = self.on.date().toPython()
        op = home_ops.end_target(self, self.ctx, self.target.id, on)  # type: ignore[arg-type]
        op.success(lambda _t: self.accept()).failure(lambda exc: self.error.setText(_sentence(exc)))
        op.run_in_background()


class TargetsDialog(QDialog):
    targets_changed = Signal()

    def __init__(self, ctx: UiContext, buyer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Savings targets")
        self.ctx, self.buyer = ctx, buyer
        self.service = TargetService(ctx.app)
        self.model = ListTableModel(COLUMNS, list, self, autoload=False, key=lambda t: str(t.id))
        self.table = RecordTable("Savings targets", [c.width for c in COLUMNS])
        self.table.setModel(self.model)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.end_button = QPushButton("End early…")
        self.add_button.clicked.connect(lambda: self.add())
        self.edit_button.clicked.connect(lambda: self.edit())
        self.end_button.clicked.connect(lambda: self.end())
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.end_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        note = QLabel(
            "The public targets loaded with the reference data say where they were published. "
            "A target is never deleted: ending it early cuts its period short."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(980, 420)
        if ctx.db.read_only_reason is not None:
            for button in (self.add_button, self.edit_button, self.end_button):
                button.setEnabled(False)
                button.setToolTip(ctx.db.read_only_reason)
        self.reload()

    def reload(self) -> None:
        service = self.service
        QueryOp(
            self, service.list_targets, kind="targets", doing="reading the savings targets"
        ).success(self._listed).run_in_background()

    def _listed(self, targets: list[Target]) -> None:
        # the chosen buyer's targets first, then everyone else's
        ordered = sorted(targets, key=lambda t: (t.buyer != self.buyer, t.start))
        self.model.set_rows(ordered)
        if ordered:
            self.table.selectRow(0)

    def selected(self) -> Target | None:
        index = self.table.currentIndex()
        record = self.model.row_at(index.row()) if index.isValid() else None
        return record if isinstance(record, Target) else None

    def add(self) -> TargetForm:
        form = TargetForm(self.ctx, self, buyer=self.buyer)
        form.accepted.connect(self._changed)
        form.open()
        return form

    def edit(self) -> TargetForm | None:
        target = self.selected()
        if target is None:
            return None
        form = TargetForm(self.ctx, self, target=target)
        form.accepted.connect(self._changed)
        form.open()
        return form

    def end(self) -> EndForm | None:
        target = self.selected()
        if target is None:
            return None
        form = EndForm(self.ctx, target, self)
        form.accepted.connect(self._changed)
        form.open()
        return form

    def _changed(self) -> None:
        self.reload()
        self.targets_changed.emit()


def _sentence(exc: BaseException) -> Any:
    text = str(exc).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
