"""Reusable pieces: a record table with a column chooser, the facet panel, saved searches."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.services.catalogue import Facet, ProductQuery
from catalogue_app.ui.settings import SAVED_SEARCHES, Settings

FACET_TITLES = {
    "status": "Status",
    "category": "Category",
    "supplier": "Supplier",
    "framework": "Framework",
}


class RecordTable(QTableView):
    """A table view with the app's conventions: whole rows, chooser for columns, copy."""

    details_requested = Signal()  # Enter on a row

    def __init__(self, name: str, widths: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        header.sortIndicatorChanged.connect(self._sort)
        self._widths = widths

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        for column, width in enumerate(self._widths):
            self.setColumnWidth(column, width)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.details_requested.emit()
            return
        super().keyPressEvent(event)

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        model = self.model()
        if model is not None:
            model.sort(column, order)

    def column_menu(self) -> QMenu:
        menu = QMenu(self)
        model = self.model()
        header = self.horizontalHeader()
        visible = [c for c in range(model.columnCount()) if not header.isSectionHidden(c)]
        for column in range(model.columnCount()):
            title = str(model.headerData(column, Qt.Orientation.Horizontal))
            action = QAction(title, menu, checkable=True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(not (len(visible) == 1 and column in visible))
            action.toggled.connect(lambda on, c=column: header.setSectionHidden(c, not on))
            menu.addAction(action)
        return menu

    def _column_menu(self, pos: Any) -> None:
        self.column_menu().exec(self.horizontalHeader().mapToGlobal(pos))

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.selectionModel().selectedRows()})

    def copy_rows(self) -> int:
        """Selected rows as tab-separated text with a header line, in the visible order."""
        rows = self.selected_rows()
        if not rows:
            return 0
        model = self.model()
        header = self.horizontalHeader()
        columns = [header.logicalIndex(v) for v in range(header.count())]
        columns = [c for c in columns if not header.isSectionHidden(c)]
        lines = ["\t".join(str(model.headerData(c, Qt.Orientation.Horizontal)) for c in columns)]
        for r in rows:
            lines.append("\t".join(str(model.index(r, c).data() or "") for c in columns))
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        return len(rows)


class FacetPanel(QWidget):
    """Facet values with counts; one value per facet can be chosen."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setObjectName("facets")
        self.tree.setAccessibleName("Filters")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.itemChanged.connect(self._item_changed)
        self.accredited = QCheckBox("Accreditation valid on")
        self.accredited.setAccessibleName("Only products accredited on the date")
        self.accredited_date = QDateEdit(QDate.currentDate())
        self.accredited_date.setCalendarPopup(True)
        self.accredited_date.setDisplayFormat("d MMM yyyy")
        self.accredited_date.setAccessibleName("Accreditation date")
        self.accredited.toggled.connect(lambda _on: self.changed.emit())
        self.accredited_date.dateChanged.connect(
            lambda _d: self.changed.emit() if self.accredited.isChecked() else None
        )
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.accredited)
        row.addWidget(self.accredited_date, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        self._chosen: dict[str, str | None] = dict.fromkeys(FACET_TITLES)
        self._updating = False

    def chosen(self) -> dict[str, str | None]:
        return dict(self._chosen)

    def accredited_on(self) -> date | None:
        if not self.accredited.isChecked():
            return None
        return self.accredited_date.date().toPython()

    def set_state(self, chosen: dict[str, str | None], accredited_on: date | None) -> None:
        self._chosen = {k: chosen.get(k) for k in FACET_TITLES}
        self.accredited.blockSignals(True)
        self.accredited.setChecked(accredited_on is not None)
        if accredited_on is not None:
            self.accredited_date.setDate(QDate(accredited_on))
        self.accredited.blockSignals(False)

    def clear(self) -> None:
        self._chosen = dict.fromkeys(FACET_TITLES)
        self.accredited.setChecked(False)
        self.changed.emit()

    def show_counts(self, facets: dict[str, list[Facet]]) -> None:
        self._updating = True
        expanded = {
            self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
            for i in range(self.tree.topLevelItemCount())
            if self.tree.topLevelItem(i).isExpanded()
        } or {"status", "category"}
        self.tree.clear()
        for facet, title in FACET_TITLES.items():
            top = QTreeWidgetItem([title])
            top.setData(0, Qt.ItemDataRole.UserRole, facet)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            values = facets.get(facet, [])
            chosen = self._chosen.get(facet)
            if chosen and chosen not in {v.value for v in values}:
                values = [Facet(facet, chosen, chosen, 0), *values]
            for value in values:
                label = value.label.capitalize() if facet == "status" else value.label
                child = QTreeWidgetItem([f"{label}  ({value.count:,})"])
                child.setData(0, Qt.ItemDataRole.UserRole, value.value)
                child.setToolTip(0, label)
                child.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                child.setCheckState(
                    0, Qt.CheckState.Checked if value.value == chosen else Qt.CheckState.Unchecked
                )
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(facet in expanded or chosen is not None)
        self._updating = False

    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if self._updating or item.parent() is None:
            return
        facet = item.parent().data(0, Qt.ItemDataRole.UserRole)
        value = item.data(0, Qt.ItemDataRole.UserRole)
        checked = item.checkState(0) == Qt.CheckState.Checked
        self._chosen[facet] = value if checked else None
        self._updating = True
        parent = item.parent()
        for i in range(parent.childCount()):
            other = parent.child(i)
            if other is not item:
                other.setCheckState(0, Qt.CheckState.Unchecked)
        self._updating = False
        self.changed.emit()


class SavedSearches:
    """Named searches (text and facets), kept in the user's settings."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def all(self) -> dict[str, ProductQuery]:
        try:
            data = json.loads(self._settings.get(SAVED_SEARCHES))
        except json.JSONDecodeError:
            return {}
        if not isinstance(data, dict):
            return {}
        result = {}
        for name, fields in data.items():
            day = fields.get("accredited_on")
            fields["accredited_on"] = date.fromisoformat(day) if day else None
            try:
                result[name] = ProductQuery(**fields)
            except TypeError:
                continue  # written by an incompatible version: skip it
        return result

    def save(self, name: str, query: ProductQuery) -> None:
        data = {n: self._plain(q) for n, q in self.all().items()}
        data[name] = self._plain(query)
        self._settings.set(SAVED_SEARCHES, json.dumps(data))
        self._settings.sync()

    def delete(self, name: str) -> None:
        data = {n: self._plain(q) for n, q in self.all().items() if n != name}
        self._settings.set(SAVED_SEARCHES, json.dumps(data))
        self._settings.sync()

    @staticmethod
    def _plain(query: ProductQuery) -> dict[str, Any]:
        fields = asdict(query)
        day = fields.get("accredited_on")
        fields["accredited_on"] = day.isoformat() if day else None
        return fields
