"""A lazily paged table of products: ordering and filtering happen in SQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from catalogue_app.domain.money import format_gbp
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.services.dto import ProductRow

PAGE_SIZE = 200
COLUMNS: list[tuple[str, str]] = [
    ("code", "Code"),
    ("name", "Name"),
    ("supplier", "Supplier"),
    ("category", "Category"),
    ("status", "Status"),
    ("unit", "Unit"),
    ("list_price", "List price"),
]
SORTABLE = {"code", "name", "supplier", "category", "status", "list_price"}

Index = QModelIndex | QPersistentModelIndex


class ProductTableModel(QAbstractTableModel):
    def __init__(self, service: CatalogueService, parent: Any = None) -> None:
        super().__init__(parent)
        self._service = service
        self._query = ProductQuery()
        self._rows: list[ProductRow] = []
        self._total = 0
        self.reload()

    # -- state ---------------------------------------------------------------------------
    @property
    def query(self) -> ProductQuery:
        return self._query

    @property
    def total(self) -> int:
        """How many products match the current query (loaded or not)."""
        return self._total

    def set_query(self, query: ProductQuery) -> None:
        if query != self._query:
            self._query = query
            self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        page = self._service.search_products(self._query, limit=PAGE_SIZE)
        self._rows = list(page.rows)
        self._total = page.total
        self.endResetModel()

    def row_at(self, row: int) -> ProductRow:
        return self._rows[row]

    # -- Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        page = self._service.search_products(self._query, limit=PAGE_SIZE, offset=len(self._rows))
        if not page.rows:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
        self._rows.extend(page.rows)
        self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        key = COLUMNS[index.column()][0]
        value = getattr(self._rows[index.row()], key)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if isinstance(value, Decimal):
                return format_gbp(value)
            if key == "status":
                return str(value).capitalize()
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, Decimal):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section][1]
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][0] if 0 <= column < len(COLUMNS) else "relevance"
        if key not in SORTABLE:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        q = self._query
        self.set_query(ProductQuery(q.text, q.status, q.category, key, descending))
