"""Table models. Products are windowed: SQL does the ordering and filtering, and
rows are fetched a page at a time for the part of the table being looked at."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from catalogue_app.domain.money import format_gbp
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.services.dto import ProductRow
from catalogue_app.ui.ops import ChangeHub, QueryOp

PAGE_SIZE = 200
COUNT_BOUND = 1_000  # a search counts this many matches at most, then more as rows are reached
CACHED_PAGES = 40  # at most 8,000 rows held in memory

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")
_ROOT = QModelIndex()
DIMMED = "#8a8f96"  # rows that no longer count: expired frameworks


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    sortable: bool = True
    width: int = 120
    money: bool = True  # show Decimal values as pounds (officer numbers are not money)
    shown_as: Callable[[Any], str] | None = None  # words for a value, where figures mislead
    hidden: bool = False  # left out until chosen (View → Columns)


PRODUCT_COLUMNS = [
    Column("code", "Code", width=130),
    Column("name", "Name", width=320),
    Column("supplier", "Supplier", width=220),
    # category, unit and accreditation are in the filters and the details; shown when chosen
    Column("category", "Category", width=230, hidden=True),
    Column("status", "Status", width=90),
    Column("unit", "Unit", sortable=False, width=150, hidden=True),
    Column("list_price", "List price", width=100),
    Column("accredited_to", "Accredited to", sortable=False, width=110, hidden=True),
]
COLUMNS = [(c.key, c.title) for c in PRODUCT_COLUMNS]


def format_day(day: date) -> str:
    """A date as tables and dialogs show it: 23 Nov 2026."""
    return f"{day.day} {day:%b %Y}"


def display(value: Any, key: str = "", money: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_gbp(value) if money else f"{value:,}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if key == "status" or key == "kind":
        return str(value).capitalize()
    return str(value)


class PagedRows(Generic[T]):
    """Rows of a result known only by its total, fetched a page at a time on demand.

    Keeps the most recently used pages (a bounded cache), so scrolling anywhere in
    100,000 rows holds a few thousand in memory.
    """

    def __init__(self, fetch: Callable[[int, int], list[T]]) -> None:
        self._fetch = fetch  # (offset, limit) -> rows
        self._pages: OrderedDict[int, list[T]] = OrderedDict()
        self.total = 0

    def reset(self, total: int, first_page: list[T]) -> None:
        self.total = total
        self._pages = OrderedDict({0: first_page})

    @property
    def cached_pages(self) -> list[int]:
        return list(self._pages)

    def cached(self, row: int) -> T | None:
        """The row if its page is held; never fetches."""
        if not 0 <= row < self.total:
            return None
        rows = self._pages.get(row // PAGE_SIZE)
        offset = row % PAGE_SIZE
        return rows[offset] if rows is not None and offset < len(rows) else None

    def store(self, number: int, rows: list[T]) -> None:
        self._pages[number] = rows
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)

    def at(self, row: int) -> T | None:
        if not 0 <= row < self.total:
            return None
        number = row // PAGE_SIZE
        rows = self._pages.get(number)
        if rows is None:
            rows = self._fetch(number * PAGE_SIZE, PAGE_SIZE)
            self._pages[number] = rows
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = row % PAGE_SIZE
        return rows[offset] if offset < len(rows) else None


class PageLoader(Generic[T]):
    """Fetches the pages a table is looking at off the GUI thread.

    A row whose page is not held shows blank until the page arrives; then the
    model repaints those rows. While a command writes (the hub is busy) no page
    is fetched, so a table never mixes rows from before and after the change.
    """

    def __init__(
        self,
        model: QAbstractTableModel,
        rows: PagedRows[T],
        fetch: Callable[[int, int], list[T]],
        hub: ChangeHub,
    ) -> None:
        self._model, self._rows, self._fetch, self._hub = model, rows, fetch, hub
        self._requested: set[int] = set()
        self._generation = 0
        hub.busy_changed.connect(self._busy_changed)

    def reset(self) -> None:
        """A new result: pages asked for the old one are dropped when they arrive."""
        self._generation += 1
        self._requested.clear()

    def row(self, row: int) -> T | None:
        found = self._rows.cached(row)
        if found is None and 0 <= row < self._rows.total:
            self._request(row // PAGE_SIZE)
        return found

    def _request(self, number: int) -> None:
        if number in self._requested or self._hub.busy:
            return
        self._requested.add(number)
        generation, fetch = self._generation, self._fetch
        QueryOp(
            self._model,
            lambda: fetch(number * PAGE_SIZE, PAGE_SIZE),
            kind=f"page-{number}",
            doing="reading more rows",
        ).success(lambda rows: self._arrived(generation, number, rows)).run_in_background()

    def _arrived(self, generation: int, number: int, rows: list[T]) -> None:
        if generation != self._generation:
            return
        self._rows.store(number, rows)
        self._requested.discard(number)
        first = number * PAGE_SIZE
        last = min(first + len(rows), self._rows.total) - 1
        if last >= first:
            columns = self._model.columnCount() - 1
            self._model.dataChanged.emit(
                self._model.index(first, 0), self._model.index(last, columns)
            )

    def _busy_changed(self, busy: bool) -> None:
        if not busy and self._rows.total:
            self._model.dataChanged.emit(
                self._model.index(0, 0),
                self._model.index(self._rows.total - 1, self._model.columnCount() - 1),
            )


class ProductTableModel(QAbstractTableModel):
    """All products matching a query; only the pages in view are fetched.

    Standalone it reads synchronously (scripts, model tests). In a window it is
    given the hub: results then arrive through :meth:`show` from a query op,
    and pages scrolled to are fetched off the GUI thread.
    """

    sort_requested = Signal()  # in a window: search again in ``sort_order``

    def __init__(
        self,
        service: CatalogueService,
        parent: Any = None,
        *,
        hub: ChangeHub | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._query = ProductQuery()
        self.sort_order: tuple[str, bool] = (self._query.sort, self._query.descending)
        self._rows: PagedRows[ProductRow] = PagedRows(self._fetch)
        self._loader: PageLoader[ProductRow] | None = None
        self.more = False  # matches beyond ``total`` not counted yet
        self._counting = False
        self._hub = hub
        if hub is None:
            self.reload()
        else:
            self._loader = PageLoader(self, self._rows, self._fetch_for(self._query), hub)

    @property
    def query(self) -> ProductQuery:
        return self._query

    @property
    def total(self) -> int:
        """How many products match the current query."""
        return self._rows.total

    def set_query(self, query: ProductQuery) -> None:
        if query != self._query:
            self._query = query
            self.reload()

    def _fetch(self, offset: int, limit: int) -> list[ProductRow]:
        return list(self._service.search_products(self._query, limit=limit, offset=offset).rows)

    def _fetch_for(self, query: ProductQuery) -> Callable[[int, int], list[ProductRow]]:
        service = self._service

        def fetch(offset: int, limit: int) -> list[ProductRow]:
            return list(service.search_products(query, limit=limit, offset=offset).rows)

        return fetch

    def first_page(self, query: ProductQuery) -> tuple[ProductQuery, int, list[ProductRow]]:
        """The count (up to one past :data:`COUNT_BOUND`) and first page for ``query``
        (run it in a query op)."""
        page = self._service.search_products(query, limit=PAGE_SIZE, count_up_to=COUNT_BOUND)
        return query, page.total, list(page.rows)

    def show(self, result: tuple[ProductQuery, int, list[ProductRow]]) -> None:
        """Show what :meth:`first_page` found, in one reset."""
        query, total, rows = result
        self.beginResetModel()
        self._query = query
        self.sort_order = (query.sort, query.descending)
        self.more = total > COUNT_BOUND
        self._counting = False
        self._rows.reset(min(total, COUNT_BOUND), rows)
        if self._loader is not None:
            self._loader.reset()
            self._loader._fetch = self._fetch_for(query)
        self.endResetModel()

    def reload(self) -> None:
        """Count the matches and fetch the first page, in one reset."""
        self.show(self.first_page(self._query))

    def row_at(self, row: int) -> ProductRow | None:
        """The row, read now if its page is not held (scripts and tests)."""
        return self._rows.at(row)

    def cached_row(self, row: int) -> ProductRow | None:
        """The row if it has arrived; never reads the database."""
        return self._rows.cached(row)

    def _display_row(self, row: int) -> ProductRow | None:
        return self._rows.at(row) if self._loader is None else self._loader.row(row)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else self._rows.total

    def canFetchMore(self, parent: Index = _ROOT) -> bool:
        return not parent.isValid() and self.more

    def fetchMore(self, parent: Index = _ROOT) -> None:
        """The table reached the last counted row: count up to the next bound."""
        if parent.isValid() or not self.more or self._counting:
            return
        query, service = self._query, self._service
        bound = self._rows.total + COUNT_BOUND

        def count() -> tuple[ProductQuery, int]:
            return query, service.search_products(query, limit=0, count_up_to=bound).total

        if self._hub is None:
            self._counted(bound, count())
            return
        self._counting = True
        QueryOp(self, count, kind="count-more", doing="counting more matches").success(
            lambda result: self._counted(bound, result)
        ).run_in_background()

    def _counted(self, bound: int, result: tuple[ProductQuery, int]) -> None:
        query, total = result
        if query != self._query or not self.more:
            return  # a newer search replaced the one counted
        self._counting = False
        first, last = self._rows.total, min(total, bound)
        self.more = total > bound
        if last > first:
            self.beginInsertRows(_ROOT, first, last - 1)
            self._rows.total = last
            self.endInsertRows()

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(PRODUCT_COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() >= len(PRODUCT_COLUMNS):
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
        ):
            return None
        row = self._display_row(index.row())
        if row is None:
            return None
        key = PRODUCT_COLUMNS[index.column()].key
        value = getattr(row, key)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if isinstance(value, Decimal):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        return display(value, key)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(PRODUCT_COLUMNS):
            return PRODUCT_COLUMNS[section].title
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(PRODUCT_COLUMNS) or not PRODUCT_COLUMNS[column].sortable:
            key, descending = "relevance", False
        else:
            key = PRODUCT_COLUMNS[column].key
            descending = order == Qt.SortOrder.DescendingOrder
        if self._loader is None:
            self.set_query(self._query.with_changes(sort=key, descending=descending))
        elif (key, descending) != self.sort_order:
            self.sort_order = (key, descending)
            self.sort_requested.emit()


class ListTableModel(QAbstractTableModel):
    """A small, fully loaded list of records (frameworks, suppliers, buyers).

    ``key`` names a record for good (its code or reference), so that the view can
    find it again after a sort, a filter or a reload. ``shown`` filters the list in
    memory; ``dimmed`` greys a record out (an expired framework).
    """

    def __init__(
        self,
        columns: Sequence[Column],
        load: Callable[[], list[Any]],
        parent: Any = None,
        *,
        autoload: bool = True,
        key: Callable[[Any], str] = lambda record: str(getattr(record, "code", "")),
        dimmed: Callable[[Any], bool] = lambda _record: False,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._load = load
        self.key = key
        self._dimmed = dimmed
        self._all: list[Any] = []
        self._rows: list[Any] = []
        self._shown: Callable[[Any], bool] = lambda _record: True
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self.loaded = False
        if autoload:
            self.reload()

    def reload(self) -> None:
        self.set_rows(list(self._load()))

    def load(self) -> list[Any]:
        """Read the rows (run it in a query op, then :meth:`set_rows`)."""
        return list(self._load())

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._all = list(rows)
        self._rows = self._arranged()
        self.loaded = True
        self.endResetModel()

    def set_filter(self, shown: Callable[[Any], bool]) -> None:
        """Show only the records ``shown`` accepts (in one reset)."""
        self.beginResetModel()
        self._shown = shown
        self._rows = self._arranged()
        self.endResetModel()

    @property
    def loaded_count(self) -> int:
        """Every record read, whether the filter shows it or not."""
        return len(self._all)

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: str | None) -> int:
        """The row showing the record named ``key``, or -1."""
        if key is None:
            return -1
        return next((n for n, r in enumerate(self._rows) if self.key(r) == key), -1)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if index.column() >= len(self.columns):
            return None
        column = self.columns[index.column()]
        record = self._rows[index.row()]
        value = getattr(record, column.key)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column.shown_as is not None:
                return column.shown_as(value)
            return display(value, column.key, column.money)
        numeric = isinstance(value, Decimal | int) and not isinstance(value, bool)
        if role == Qt.ItemDataRole.TextAlignmentRole and numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and self._dimmed(record):
            return QBrush(QColor(DIMMED))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].title
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def _arranged(self) -> list[Any]:
        rows = [r for r in self._all if self._shown(r)]
        if self._sort is None:
            return rows
        column, order = self._sort
        key = self.columns[column].key

        def sort_key(row: Any) -> tuple[bool, Any]:
            value = getattr(row, key)
            return (value is None, value if not isinstance(value, str) else value.lower())

        none_last = sorted((r for r in rows if getattr(r, key) is not None), key=sort_key)
        if order == Qt.SortOrder.DescendingOrder:
            none_last.reverse()
        return none_last + [r for r in rows if getattr(r, key) is None]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in memory; selections and other persistent indexes move with their records."""
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        keys = [self.key(self._rows[i.row()]) if i.isValid() else None for i in before]
        self._sort = (column, order)
        self._rows = self._arranged()
        where = {self.key(r): n for n, r in enumerate(self._rows)}
        after = [
            self.index(where[k], i.column()) if k in where else QModelIndex()
            for i, k in zip(before, keys, strict=True)
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()
