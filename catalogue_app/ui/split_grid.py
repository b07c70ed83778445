"""How a collaboration's joint purchase is shared: a grid of its members with their shares,
by officer numbers, equally, or custom amounts or percentages, and a live remainder."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import format_gbp, parse_money
from catalogue_app.domain.purchases import SplitRule
from catalogue_app.services.ledger.advice import MemberChoice

OFFICERS, EQUAL, AMOUNTS, PERCENTAGES = "officers", "equal", "amounts", "percentages"
MODES = [
    (OFFICERS, "By officer numbers"),
    (EQUAL, "Equally"),
    (AMOUNTS, "Custom amounts (£)"),
    (PERCENTAGES, "Custom percentages"),
]
MEMBER, OFFICER_FTE, AMOUNT, PERCENT = range(4)
HUNDRED = Decimal(100)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _percent(value: Decimal) -> str:
    return f"{value:.2f} %"


class SplitGrid(QWidget):
    """The members of the buyer on the order date, one row each; :meth:`rule` is the split
    the ledger records and :meth:`problem` what stops it (nothing left to allocate)."""

    changed = Signal()  # the rule or a share changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.setAccessibleName("Split rule")
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.remainder = QLabel()
        self.remainder.setObjectName("splitRemainder")
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName("Members' shares")
        self.table.setHorizontalHeaderLabels(["Member", "Officers", "Amount", "Share"])
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(MEMBER, QHeaderView.ResizeMode.Stretch)
        for column in (OFFICER_FTE, AMOUNT, PERCENT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.mode)
        top.addStretch(1)
        top.addWidget(self.remainder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self._members: list[MemberChoice] = []
        self._total: Decimal | None = None
        self._custom: dict[str, str] = {}  # what was typed per member, in the custom mode shown
        self._filling = False
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.table.itemChanged.connect(self._edited)

    # -- what the dialog sets ------------------------------------------------------------------
    def set_members(self, members: list[MemberChoice]) -> None:
        if [m.code for m in members] == [m.code for m in self._members]:
            return
        self._members = list(members)
        self._refresh()

    def set_total(self, total: Decimal | None) -> None:
        if total == self._total:
            return
        self._total = total
        self._refresh()

    def set_rule(self, text: str | None) -> None:
        """Show the split ``text`` (as :class:`SplitRule` writes it); officers when empty."""
        rule = SplitRule.parse(text)
        if rule.kind != "custom":
            self._set_mode(rule.kind, {})
        elif rule.amounts is not None:
            self._set_mode(AMOUNTS, {c: f"{a:.2f}" for c, a in rule.amounts.items()})
        else:
            shares = rule.percentages or {}
            self._set_mode(PERCENTAGES, {c: f"{p.normalize():f}" for c, p in shares.items()})
        self._refresh()
        self.changed.emit()

    def _set_mode(self, mode: str, custom: dict[str, str]) -> None:
        self._custom = custom
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(self.mode.findData(mode))
        self.mode.blockSignals(False)

    # -- what the dialog reads -------------------------------------------------------------------
    def current_mode(self) -> str:
        return str(self.mode.currentData())

    def rule(self) -> str:
        """The split as the ledger reads it: officers, equal or custom:code=amount,…"""
        mode = self.current_mode()
        if mode in (OFFICERS, EQUAL):
            return mode
        suffix = "%" if mode == PERCENTAGES else ""
        parts = [
            f"{m.code}={self._custom.get(m.code, '').strip() or '0'}{suffix}" for m in self._members
        ]
        return "custom:" + ",".join(parts)

    def problem(self) -> str:
        """Why the custom shares cannot be recorded yet, in one sentence; "" when they can."""
        mode = self.current_mode()
        if mode in (OFFICERS, EQUAL) or not self._members:
            return ""
        try:
            typed = self._typed()
        except ValidationError as exc:
            return str(exc)
        given = sum(typed.values(), Decimal(0))
        if mode == PERCENTAGES:
            if given != HUNDRED:
                return f"The percentages add up to {_percent(given)}; they must add up to 100 %."
            return ""
        if self._total is not None and given != self._total:
            gap = self._total - given
            return (
                f"The amounts leave {format_gbp(gap)} of the total {format_gbp(self._total)} "
                "to allocate."
                if gap > 0
                else f"The amounts come to {format_gbp(-gap)} more than the total "
                f"{format_gbp(self._total)}."
            )
        return ""

    # -- showing ---------------------------------------------------------------------------------
    def _typed(self) -> dict[str, Decimal]:
        """Each member's typed amount or percentage (blank is zero), or a ValidationError."""
        mode = self.current_mode()
        values: dict[str, Decimal] = {}
        for member in self._members:
            text = self._custom.get(member.code, "").strip().removesuffix("%").strip() or "0"
            if mode == AMOUNTS:
                values[member.code] = parse_money(text, field=f"{member.name}'s amount")
                continue
            try:
                value = Decimal(text.replace(",", ""))
            except InvalidOperation:
                value = Decimal(-1)
            if not value.is_finite() or value < 0 or value > HUNDRED:
                raise ValidationError(
                    f"{member.name}'s share “{text}” is not a percentage from 0 to 100",
                    field="split",
                )
            values[member.code] = value
        return values

    def _computed(self) -> dict[str, Decimal]:
        """Each member's amount under the rule shown, as far as it can be worked out."""
        if self._total is None or not self._members:
            return {}
        members = [(m.code, m.officer_fte) for m in self._members]
        mode = self.current_mode()
        try:
            if mode in (OFFICERS, EQUAL):
                return SplitRule(mode).allocate(self._total, members)
            typed = self._typed()
            if mode == AMOUNTS:
                return typed
            if sum(typed.values(), Decimal(0)) == HUNDRED:
                return SplitRule("custom", percentages=typed).allocate(self._total, members)
        except ValidationError:
            return {}
        return {}

    def _refresh(self) -> None:
        mode = self.current_mode()
        amounts = self._computed()
        total = self._total
        self._filling = True
        self.table.setRowCount(len(self._members))
        for row, member in enumerate(self._members):
            officers = f"{member.officer_fte:,.0f}" if member.officer_fte else "—"
            amount = amounts.get(member.code)
            if mode == AMOUNTS:
                amount_text = self._custom.get(member.code, "")
            else:
                amount_text = format_gbp(amount) if amount is not None else ""
            if mode == PERCENTAGES:
                percent_text = self._custom.get(member.code, "")
            elif amount is not None and total:
                percent_text = _percent(amount * HUNDRED / total)
            else:
                percent_text = ""
            cells = [
                (member.name, False),
                (officers, False),
                (amount_text, mode == AMOUNTS),
                (percent_text, mode == PERCENTAGES),
            ]
            for column, (text, editable) in enumerate(cells):
                item = QTableWidgetItem(text)
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                if editable:
                    flags |= Qt.ItemFlag.ItemIsEditable
                    item.setToolTip("Type this member's share")
                item.setFlags(flags)
                if column != MEMBER:
                    item.setTextAlignment(_RIGHT)
                self.table.setItem(row, column, item)
        self._filling = False
        self._show_remainder()
        rows = max(1, len(self._members))
        height = self.table.horizontalHeader().height() + 2 * self.table.frameWidth()
        height += sum(self.table.rowHeight(r) for r in range(len(self._members))) or 24 * rows
        self.table.setFixedHeight(min(height + 2, 260))

    def _show_remainder(self) -> None:
        mode = self.current_mode()
        problem = self.problem()
        if self._total is None or not self._members:
            text, colour = "", "#2d6a35"
        elif mode in (OFFICERS, EQUAL):
            text, colour = "Every penny allocated", "#2d6a35"
        elif problem:
            try:
                given = sum(self._typed().values(), Decimal(0))
            except ValidationError:
                text, colour = "A share is not a number", "#a11d1d"
            else:
                if mode == PERCENTAGES:
                    gap = HUNDRED - given
                    text = (
                        f"{_percent(gap)} left to allocate"
                        if gap > 0
                        else f"{_percent(-gap)} too much"
                    )
                else:
                    gap = self._total - given
                    text = (
                        f"{format_gbp(gap)} left to allocate"
                        if gap > 0
                        else f"{format_gbp(-gap)} too much"
                    )
                colour = "#a11d1d"
        else:
            text, colour = "Every penny allocated", "#2d6a35"
        self.remainder.setText(f"<span style='color:{colour}'>{text}</span>")

    def _mode_changed(self) -> None:
        """Switching to a custom rule starts from the shares shown, to adjust from there."""
        mode = self.current_mode()
        if mode in (AMOUNTS, PERCENTAGES):
            shown = {}
            for row, member in enumerate(self._members):
                column = AMOUNT if mode == AMOUNTS else PERCENT
                item = self.table.item(row, column)
                text = item.text() if item else ""
                shown[member.code] = text.replace("£", "").replace(",", "").replace("%", "").strip()
            self._custom = shown
        self._refresh()
        self.changed.emit()

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling or item.row() >= len(self._members):
            return
        mode = self.current_mode()
        column = AMOUNT if mode == AMOUNTS else PERCENT
        if mode not in (AMOUNTS, PERCENTAGES) or item.column() != column:
            return
        self._custom[self._members[item.row()].code] = item.text()
        self._refresh_computed()
        self.changed.emit()

    def _refresh_computed(self) -> None:
        """After a share is typed: the other column and the remainder, not the cell typed in."""
        mode = self.current_mode()
        amounts = self._computed()
        total = self._total
        self._filling = True
        for row, member in enumerate(self._members):
            amount = amounts.get(member.code)
            if mode == AMOUNTS:
                column = PERCENT
                text = _percent(amount * HUNDRED / total) if amount is not None and total else ""
            else:
                column = AMOUNT
                text = format_gbp(amount) if amount is not None else ""
            item = self.table.item(row, column)
            if item is not None:
                item.setText(text)
        self._filling = False
        self._show_remainder()
