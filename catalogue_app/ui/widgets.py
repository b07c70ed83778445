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


FIT_SAMPLE_ROWS = 100  # rows measured when fitting columns to their content (the first page)
ELASTIC_MIN = 96  # the narrowest a long text column is squeezed to while there is room
ELASTIC_FLOOR = 56  # ... and when there is not, before the table scrolls sideways
TEXT_CAP = 460  # the widest a text column grows from its content
CELL_PADDING = 18


def _share(room: int, natural: dict[int, int]) -> dict[int, int]:
    """Widths for long text columns sharing ``room``, each in proportion to its content,
    none below ELASTIC_MIN while the room allows (the table scrolls sideways only when
    even ELASTIC_FLOOR is too wide)."""
    if room < ELASTIC_MIN * len(natural):
        # a narrow window: all of them narrower still, before any figure is hidden
        return dict.fromkeys(natural, max(ELASTIC_FLOOR, room // max(1, len(natural))))
    widths: dict[int, int] = {}
    left = dict(natural)
    while left:
        room_left = room - sum(widths.values())
        weight = sum(left.values())
        narrow = [c for c, w in left.items() if room_left * w // weight < ELASTIC_MIN]
        if not narrow:
            for c, w in left.items():
                widths[c] = room_left * w // weight
            break
        for c in narrow:
            widths[c] = ELASTIC_MIN
            del left[c]
    return widths


class RecordTable(QTableView):
    """A table view with the app's conventions: whole rows, chooser for columns, copy.

    Column widths come from the content: figures (right-aligned) and short
    columns always get their full width, so money is never cut off; long text
    columns share what is left of the viewport and elide, with the full text in
    the tooltip. Once the officer drags a column edge, the widths are theirs.
    """

    details_requested = Signal()  # Enter on a row

    def __init__(self, name: str, widths: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setMinimumWidth(200)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        header.sortIndicatorChanged.connect(self._sort)
        header.sectionResized.connect(self._section_resized)
        self._widths = widths
        self._natural: dict[int, tuple[int, bool]] | None = None  # measured for these rows
        self._fitting = False
        self.user_sized = False  # the officer has set the widths: keep them

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        self._fitting = True
        for column, width in enumerate(self._widths):
            self.setColumnWidth(column, width)
        self._fitting = False
        model.modelReset.connect(self.remeasure)
        model.layoutChanged.connect(self.remeasure)

    def remeasure(self) -> None:
        """New rows or columns: measure the content again, then fit."""
        self._natural = None
        self.fit_columns()

    def _section_resized(self, _column: int, _old: int, _new: int) -> None:
        if not self._fitting:
            self.user_sized = True

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def natural_widths(self) -> dict[int, tuple[int, bool]]:
        """Each shown column's width from its header and content, and whether it may shrink.

        Figures and short values never shrink; long text may (down to ELASTIC_MIN).
        """
        model, header = self.model(), self.horizontalHeader()
        metrics = self.fontMetrics()
        rows = min(model.rowCount(), FIT_SAMPLE_ROWS)
        widths: dict[int, tuple[int, bool]] = {}
        for column in range(model.columnCount()):
            if header.isSectionHidden(column):
                continue
            widest = header.sectionSizeFromContents(column).width()
            figures = False  # any right-aligned value makes it a column of figures
            for row in range(rows):
                index = model.index(row, column)
                text = index.data()
                if not text:
                    continue
                widest = max(widest, metrics.horizontalAdvance(str(text)) + CELL_PADDING)
                if not figures:
                    align = index.data(Qt.ItemDataRole.TextAlignmentRole)
                    figures = align is not None and bool(
                        int(align) & int(Qt.AlignmentFlag.AlignRight)
                    )
            elastic = not figures and widest > ELASTIC_MIN
            widths[column] = (min(widest, TEXT_CAP) if elastic else widest, elastic)
        return widths

    def fit_columns(self) -> None:
        """Size the columns to their content within the viewport (unless the officer has)."""
        model = self.model()
        if self.user_sized or model is None or model.rowCount() == 0:
            return
        # room for the vertical scroll bar whether it shows yet or not: no sideways scrolling
        available = self.viewport().width()
        if not self.verticalScrollBar().isVisible():
            available -= self.verticalScrollBar().sizeHint().width()
        if available <= 0:
            return
        if self._natural is None:
            self._natural = self.natural_widths()
        natural = self._natural
        if not natural:
            return
        widths = {c: w for c, (w, _e) in natural.items()}
        elastic = [c for c, (_w, e) in natural.items() if e]
        total = sum(widths.values())
        if total > available and elastic:
            widths.update(
                _share(
                    available - (total - sum(widths[c] for c in elastic)),
                    {c: widths[c] for c in elastic},
                )
            )
        elif total < available and elastic:
            extra = available - total
            for n, c in enumerate(elastic):  # room to spare: long text gets it
                widths[c] += extra // len(elastic) + (1 if n < extra % len(elastic) else 0)
        elif total < available:
            last = max(widths, key=lambda c: self.horizontalHeader().visualIndex(c))
            widths[last] += available - total
        self._fitting = True
        try:
            for column, width in widths.items():
                self.setColumnWidth(column, width)
        finally:
            self._fitting = False

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
            action.toggled.connect(lambda on, c=column: self._show_column(c, on))
            menu.addAction(action)
        return menu

    def _show_column(self, column: int, shown: bool) -> None:
        self.horizontalHeader().setSectionHidden(column, not shown)
        self.remeasure()

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
        self.tree.setIndentation(12)
        # the value elides when the panel is narrow; its count never does
        self.tree.setColumnCount(2)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
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
        # one above the other: the panel stays narrow enough for a small screen
        row = QVBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.accredited)
        row.addWidget(self.accredited_date)
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
                child = QTreeWidgetItem([label, f"{value.count:,}"])
                child.setData(0, Qt.ItemDataRole.UserRole, value.value)
                child.setTextAlignment(
                    1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                child.setToolTip(0, f"{label} ({value.count:,})")
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
