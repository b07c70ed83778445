"""The browser's views: products (search, facets, details) and the smaller lists.

Every read runs in a query op; each view listens to the hub and reads again
only what a change notice says it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.domain.money import format_gbp
from catalogue_app.services.catalogue import ProductQuery
from catalogue_app.services.changes import CatalogueChanged, Change, LedgerChanged
from catalogue_app.services.editing import CatalogueHistory, Kind
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.detail_html import buyer_html, framework_html, product_html, supplier_html
from catalogue_app.ui.errors import show_failure
from catalogue_app.ui.history_tab import HistoryTab
from catalogue_app.ui.ops import QueryOp
from catalogue_app.ui.products_model import (
    PAGE_SIZE,
    PRODUCT_COLUMNS,
    Column,
    ListTableModel,
    ProductTableModel,
)
from catalogue_app.ui.settings import Settings, view_columns_sized, view_header, view_splitter
from catalogue_app.ui.widgets import FacetPanel, RecordTable

SEARCH_DELAY_MS = 60


@dataclass(frozen=True)
class BuyerRow:
    code: str
    name: str
    kind: str
    region: str | None
    officers: Decimal | None


def _detail_browser(name: str) -> QTextBrowser:
    browser = QTextBrowser()
    browser.setObjectName(name)
    browser.setAccessibleName(name)
    browser.setOpenLinks(False)
    browser.setMinimumWidth(200)
    return browser


class DetailPane(QTabWidget):
    """A record's details, with the buttons that change it, and its History tab."""

    def __init__(self, browser: QTextBrowser, ctx: UiContext, kind: Kind) -> None:
        super().__init__()
        self.setObjectName(f"{kind.value}DetailPane")
        self.setDocumentMode(True)
        self.kind = kind
        self.browser = browser
        self.bar = QToolBar(f"{kind.label.capitalize()} actions")
        self.bar.setObjectName(f"{kind.value}Actions")
        self.bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.bar.setMovable(False)
        self.bar.setFloatable(False)
        details = QWidget()
        column = QVBoxLayout(details)
        column.setContentsMargins(0, 4, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.bar)
        column.addWidget(browser, 1)
        self.history = HistoryTab(ctx)
        self.addTab(details, "Details")
        self.addTab(self.history, "History")
        self.setMinimumWidth(browser.minimumWidth())

    def add_action(self, action: QAction) -> None:
        """A button for ``action`` (the same action as the menu's) above the details."""
        self.bar.addAction(action)

    def show_record(self, key: str | None) -> None:
        self.history.show_record(self.kind, key)


class CatalogueView(QWidget):
    """Common ground: a title for the sidebar, a status line, saved splitter state."""

    title = ""
    status_changed = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)

    _table: RecordTable  # each view makes its own

    @property
    def table(self) -> RecordTable:
        return self._table

    def status_text(self) -> str:
        return ""

    def restore_state(self) -> None:
        key = self.objectName()
        for setting, widget in (
            (view_splitter(key), self.splitter),
            (view_header(key), self.table.horizontalHeader()),
        ):
            state = self._settings.get(setting)
            if not state.isEmpty():
                widget.restoreState(state)
        # widths the officer set stay; otherwise they follow the content
        self.table.user_sized = self._settings.get(view_columns_sized(key))
        self.table.remeasure()

    def save_state(self) -> None:
        key = self.objectName()
        self._settings.set(view_splitter(key), self.splitter.saveState())
        self._settings.set(view_header(key), self.table.horizontalHeader().saveState())
        self._settings.set(view_columns_sized(key), self.table.user_sized)

    pane: DetailPane | None = None  # the views of records the catalogue editor can change

    def selected_key(self) -> str | None:
        """The code or reference of the highlighted record, if any."""
        return None

    def focus_details(self) -> None:
        """Enter on a row: move to its details."""

    def refresh(self) -> None:
        """Read everything shown again (View → Refresh)."""

    def _report_error(self, exc: BaseException) -> None:
        """A read that failed: its sentence in the status bar, or the error dialog."""
        if isinstance(exc, CatalogueError):
            self.status_changed.emit(str(exc))
        else:
            show_failure(self, exc)


class ProductsView(CatalogueView):
    title = "Products"

    def __init__(self, ctx: UiContext, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(settings, parent)
        self.setObjectName("productsView")
        self.ctx = ctx
        self.catalogue = ctx.catalogue
        self.browse = ctx.browse
        self.all_products = 0
        self.loaded = False

        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText(
            "Search products by name, code, supplier, tag or category…  (Ctrl+F)"
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search products")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_search)
        self.search_box.textChanged.connect(lambda _t: self._timer.start())
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search_box, self.clear_search)

        self.facets = FacetPanel()
        self.facets.changed.connect(self.apply_search)
        self.model = ProductTableModel(self.catalogue, self, hub=ctx.hub)
        self.model.sort_requested.connect(self.apply_search)
        self.model.rowsInserted.connect(lambda *_: self.status_changed.emit(self.status_text()))
        self._table = RecordTable("Products", [c.width for c in PRODUCT_COLUMNS])
        self._table.setModel(self.model)
        for n, column in enumerate(PRODUCT_COLUMNS):
            self._table.setColumnHidden(n, column.hidden)
        self._table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        # a long search text must never widen the window
        self.empty_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.results = QStackedWidget()
        self.results.addWidget(self._table)
        self.results.addWidget(self.empty_label)
        self.detail = _detail_browser("Product details")
        self.product_pane = DetailPane(self.detail, ctx, Kind.PRODUCT)
        self.pane = self.product_pane
        self.history = CatalogueHistory(ctx.db)

        self.splitter.addWidget(self.facets)
        self.splitter.addWidget(self.results)
        self.splitter.addWidget(self.product_pane)
        # a narrower window takes from every part, not the table alone
        for part, stretch in enumerate((2, 3, 3)):
            self.splitter.setStretchFactor(part, stretch)
        self.splitter.setSizes([210, 780, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search_box)
        layout.addWidget(self.splitter, 1)
        self.setTabOrder(self.search_box, self.facets.tree)
        self.setTabOrder(self.facets.tree, self._table)
        self.setTabOrder(self._table, self.detail)

        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(60)
        self._detail_timer.timeout.connect(self._load_detail)
        self._facet_timer = QTimer(self)
        self._facet_timer.setSingleShot(True)
        self._facet_timer.setInterval(250)
        self._facet_timer.timeout.connect(self._count_facets)
        self._detail_code: str | None = None
        ctx.hub.changed.connect(self._changed)
        # First rows first: counting facets waits until the window has painted.
        self._count_all()
        self.apply_search(facets=False)
        QTimer.singleShot(100, self._count_facets)

    def query(self) -> ProductQuery:
        chosen = self.facets.chosen()
        sort, descending = self.model.sort_order
        return self.model.query.with_changes(
            text=self.search_box.text(),
            status=chosen["status"],
            category=chosen["category"],
            supplier=chosen["supplier"],
            framework=chosen["framework"],
            accredited_on=self.facets.accredited_on(),
            sort=sort,
            descending=descending,
        )

    def set_query(self, query: ProductQuery) -> None:
        """Recall a search: text and facets."""
        self.search_box.blockSignals(True)
        self.search_box.setText(query.text)
        self.search_box.blockSignals(False)
        self.facets.set_state(
            {
                "status": query.status,
                "category": query.category,
                "supplier": query.supplier,
                "framework": query.framework,
            },
            query.accredited_on,
        )
        self.apply_search()

    def apply_search(self, *, facets: bool = True) -> None:
        """Search in a query op; a newer search drops this one's answer."""
        self._timer.stop()
        query = self.query()
        QueryOp(
            self, lambda: self.model.first_page(query), kind="search", doing="searching"
        ).success(lambda result: self._searched(result, facets)).failure(
            self._report_error
        ).run_in_background()

    def _searched(self, result: Any, facets: bool) -> None:
        followed = self._detail_code  # the product shown stays selected if it is still found
        self.model.show(result)
        self.loaded = True
        # a new result starts at its left edge, where Code and Name are
        self._table.horizontalScrollBar().setValue(0)
        self._refresh_views(facets=facets, follow=followed)

    def clear_search(self) -> None:
        """Esc in the search box: the text goes, the filters stay."""
        self.search_box.clear()

    def _count_all(self) -> None:
        catalogue = self.catalogue
        QueryOp(
            self,
            lambda: catalogue.search_products(ProductQuery(), limit=0).total,
            kind="count",
            doing="counting products",
        ).success(self._counted).failure(self._report_error).run_in_background()

    def _counted(self, total: int) -> None:
        self.all_products = total
        if self.loaded:
            self.status_changed.emit(self.status_text())

    def _count_facets(self) -> None:
        query, catalogue = self.model.query, self.catalogue
        QueryOp(
            self, lambda: catalogue.facet_counts(query), kind="facets", doing="counting filters"
        ).success(self.facets.show_counts).failure(self._report_error).run_in_background()

    def _row_of(self, code: str | None) -> int:
        """The row of ``code`` among the rows already read, or -1."""
        for row in range(min(self.model.total, PAGE_SIZE)):
            found = self.model.cached_row(row)
            if found is not None and found.code == code:
                return row
        return -1

    def selected_key(self) -> str | None:
        return self._detail_code

    def _refresh_views(self, *, facets: bool = True, follow: str | None = None) -> None:
        query = self.model.query
        if facets:  # once typing pauses, not on every keystroke
            self._facet_timer.start()
        shown = self.model.total
        if shown == 0:
            text = query.text.strip()
            if len(text) > 60:
                text = text[:59] + "…"
            what = f"No products match “{text}”" if text else "No products match these filters"
            self.empty_label.setText(
                f"{what}.\nPress Esc to clear the search, or untick a filter on the left."
            )
            self.results.setCurrentWidget(self.empty_label)
            self.detail.clear()
            self._detail_code = None
            self.product_pane.show_record(None)
        else:
            self.results.setCurrentWidget(self._table)
            row = max(0, self._row_of(follow))
            self._table.selectRow(row)
            self._table.scrollTo(self.model.index(row, 0))
        self.status_changed.emit(self.status_text())

    def status_text(self) -> str:
        if not self.loaded:
            return "Searching…"
        if self.model.more:  # counting stopped at a bound; scrolling on counts further
            return f"{self.model.total:,}+ matches of {self.all_products:,} products"
        return f"{self.model.total:,} of {max(self.all_products, self.model.total):,} products"

    def _current_changed(self, current: Any, _previous: Any) -> None:
        row = self.model.cached_row(current.row()) if current.isValid() else None
        if row is None:
            return
        self.show_product(row.code)

    def show_product(self, code: str) -> None:
        """Fill the detail pane off the GUI thread (once the selection settles)."""
        self._detail_code = code
        self.product_pane.show_record(code)
        self._detail_timer.start()

    def _load_detail(self) -> None:
        code = self._detail_code
        if code is None:
            return
        catalogue, browse, history = self.catalogue, self.browse, self.history
        QueryOp(
            self,
            lambda: (
                code,
                catalogue.get_product(code),
                browse.price_stats(code),
                history.prices(code),
            ),
            kind="detail",
            doing=f"reading product {code}",
        ).success(self._show_stats).failure(self._report_error).run_in_background()

    def _show_stats(self, result: tuple[str, Any, Any, Any]) -> None:
        code, product, stats, prices = result
        if code == self._detail_code:
            self.detail.setHtml(product_html(product, stats, date.today(), prices))

    def _changed(self, change: Change) -> None:
        if isinstance(change, LedgerChanged):
            # what forces paid: the one figure here that purchases move
            if change.touches_product(self._detail_code):
                self._load_detail()
        elif isinstance(change, CatalogueChanged):
            self.refresh()

    def focus_details(self) -> None:
        self.detail.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def refresh(self) -> None:
        self._count_all()
        self.apply_search()
        self._load_detail()


class ListView(CatalogueView):
    """A small list with a detail pane (frameworks, suppliers, forces and collaborations).

    ``affected`` says whether a change notice touches a record's detail pane.
    """

    def __init__(
        self,
        name: str,
        title: str,
        noun: tuple[str, str],
        columns: list[Column],
        load: Callable[[], list[Any]],
        describe: Callable[[Any], str],
        settings: Settings,
        ctx: UiContext,
        affected: Callable[[Change, Any], bool] = lambda _change, _record: False,
        parent: QWidget | None = None,
        *,
        key: Callable[[Any], str] = lambda record: str(record.code),
        dimmed: Callable[[Any], bool] = lambda _record: False,
        editable: Kind | None = None,
    ) -> None:
        super().__init__(settings, parent)
        self.setObjectName(name)
        self.title, self.noun = title, noun
        self._describe = describe
        self._affected = affected
        self._loading = False
        # Loaded when first shown, so that start-up only pays for the products view.
        self.model = ListTableModel(columns, load, self, autoload=False, key=key, dimmed=dimmed)
        self._table = RecordTable(title, [c.width for c in columns])
        self._table.setModel(self.model)
        for n, column in enumerate(columns):
            self._table.setColumnHidden(n, column.hidden)
        self._table.selectionModel().currentRowChanged.connect(self._current_changed)
        self._table.horizontalHeader().sortIndicatorChanged.connect(
            lambda *_: self._table.scrollTo(self._table.currentIndex())
        )
        self.detail = _detail_browser(f"{title} details")
        self.pane = DetailPane(self.detail, ctx, editable) if editable is not None else None
        self.splitter.addWidget(self._table)
        self.splitter.addWidget(self.pane if self.pane is not None else self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([880, 340])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._record: Any = None
        ctx.hub.changed.connect(self._changed)

    def ensure_loaded(self) -> None:
        if not self.model.loaded and not self._loading:
            self.refresh()

    def showEvent(self, event: Any) -> None:
        self.ensure_loaded()
        super().showEvent(event)

    def status_text(self) -> str:
        self.ensure_loaded()
        if not self.model.loaded:
            return f"Reading the {self.noun[1]}…"
        n, everything = self.model.rowCount(), self.model.loaded_count
        if n != everything:
            return f"{n:,} of {everything:,} {self.noun[1]}"
        return f"{n:,} {self.noun[0] if n == 1 else self.noun[1]}"

    def selected_record(self) -> Any:
        """The highlighted record, if any."""
        index = self._table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def selected_key(self) -> str | None:
        record = self.selected_record()
        return self.model.key(record) if record is not None else None

    def _select(self, key: str | None) -> None:
        """Highlight the record named ``key`` if it is shown, else the first; details follow."""
        if self.model.rowCount() == 0:
            self._record = None
            if self.pane is not None:
                self.pane.show_record(None)
            self.detail.setHtml(f"<p>No {escape(self.noun[1])} match these filters.</p>")
            return
        row = max(0, self.model.row_of(key))
        self._table.selectRow(row)
        self._table.scrollTo(self.model.index(row, 0))

    def _current_changed(self, current: Any, _previous: Any) -> None:
        record = self.model.row_at(current.row()) if current.isValid() else None
        if record is not None:
            self._record = record
            if self.pane is not None:
                self.pane.show_record(self.model.key(record))
            self.detail.setHtml("<p>Loading…</p>")
            self._load_detail()

    def _load_detail(self) -> None:
        record, describe = self._record, self._describe
        if record is None:
            return
        QueryOp(self, lambda: describe(record), kind="detail", doing="reading the details").success(
            self.detail.setHtml
        ).failure(lambda exc: self.detail.setPlainText(str(exc))).run_in_background()

    def _changed(self, change: Change) -> None:
        if isinstance(change, CatalogueChanged):
            if self.model.loaded:
                self.refresh()
        elif self._record is not None and self._affected(change, self._record):
            self._load_detail()

    def focus_details(self) -> None:
        self.detail.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def refresh(self) -> None:
        self._loading = True
        QueryOp(self, self.model.load, kind="list", doing=f"reading the {self.noun[1]}").success(
            self._loaded
        ).failure(self._load_failed).run_in_background()

    def _loaded(self, rows: list[Any]) -> None:
        self._loading = False
        followed = self.selected_key()
        self._rows_arrived(rows)
        self.model.set_rows(rows)
        self._select(followed)
        self.status_changed.emit(self.status_text())

    def _rows_arrived(self, rows: list[Any]) -> None:
        """Fresh rows, about to be shown (a view with filters updates their choices)."""

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = False
        self._report_error(exc)

    def _matches(self) -> Callable[[Any], bool]:
        """Which rows the view's search and filters let through: all, unless a view filters."""
        return lambda _row: True

    def apply_filter(self) -> None:
        """Show the rows the search and filters allow; the highlighted one stays if shown."""
        followed = self.selected_key()
        self.model.set_filter(self._matches())
        if self.model.loaded:
            self._select(followed)
            self.status_changed.emit(self.status_text())


EXPIRING_DAYS = 365
FRAMEWORK_STATUSES = (
    ("All frameworks", None),
    ("Active", "active"),
    ("Expiring within a year", "expiring"),
    ("Expired", "expired"),
)


def _days_left(days: int) -> str:
    return "Ended" if days < 0 else f"{days:,}"


def _headroom(value: Decimal | None) -> str:
    return "No maximum" if value is None else format_gbp(value)


def framework_matches(row: Any, words: list[str], status: str | None, owner: str | None) -> bool:
    """Whether a framework row passes the search words, the status and the owner chosen."""
    if owner is not None and row.owner != owner:
        return False
    if status == "active" and row.status != "active":
        return False
    if status == "expiring" and not (row.status == "active" and row.days_left <= EXPIRING_DAYS):
        return False
    if status == "expired" and row.status != "expired":
        return False
    haystack = f"{row.reference} {row.title} {row.owner}".lower()
    return all(word in haystack for word in words)


class FrameworksView(ListView):
    """Frameworks with a search box and filters (status, owner), applied in memory."""

    def __init__(self, ctx: UiContext, settings: Settings) -> None:
        catalogue, browse = ctx.catalogue, ctx.browse
        columns = [
            Column("reference", "Reference", width=140),
            Column("title", "Title", width=330),
            Column("owner", "Owner", width=200),
            Column("effective_end", "Ends", width=100),
            Column("days_left", "Days left", width=80, shown_as=_days_left),
            Column("headroom", "Headroom", width=130, shown_as=_headroom),
            Column("extensions_left", "Extensions left", width=110, hidden=True),
            Column("status", "Status", width=90),
        ]
        super().__init__(
            "frameworksView",
            "Frameworks",
            ("framework", "frameworks"),
            columns,
            catalogue.list_frameworks,
            lambda f: framework_html(browse.framework_detail(f.reference)),
            settings,
            ctx,
            # call-offs recorded and headroom move with every purchase
            affected=lambda change, _f: isinstance(change, LedgerChanged),
            key=lambda f: str(f.reference),
            dimmed=lambda f: f.status == "expired",
            editable=Kind.FRAMEWORK,
        )
        self.search_box = QLineEdit()
        self.search_box.setObjectName("frameworkSearch")
        self.search_box.setPlaceholderText("Search frameworks by reference, title or owner…")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search frameworks")
        self.search_box.textChanged.connect(lambda _t: self.apply_filter())
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search_box, self.search_box.clear)
        self.status = QComboBox()
        self.status.setAccessibleName("Framework status filter")
        for label, value in FRAMEWORK_STATUSES:
            self.status.addItem(label, value)
        self.status.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.owner = QComboBox()
        self.owner.setAccessibleName("Framework owner filter")
        self.owner.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.owner.setMinimumContentsLength(16)
        self.owner.addItem("All owners", None)
        self.owner.currentIndexChanged.connect(lambda _i: self.apply_filter())
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search_box, 3)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.owner, 2)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.setSpacing(6)
        layout.insertLayout(0, bar)
        self.setTabOrder(self.search_box, self.status)
        self.setTabOrder(self.status, self.owner)
        self.setTabOrder(self.owner, self._table)

    def _rows_arrived(self, rows: list[Any]) -> None:
        owners = sorted({r.owner for r in rows}, key=str.lower)
        chosen = self.owner.currentData()
        self.owner.blockSignals(True)
        self.owner.clear()
        self.owner.addItem("All owners", None)
        for owner in owners:
            self.owner.addItem(owner, owner)
        self.owner.setCurrentIndex(max(0, self.owner.findData(chosen)))
        self.owner.blockSignals(False)
        self.model.set_filter(self._matches())

    def _matches(self) -> Callable[[Any], bool]:
        words = self.search_box.text().lower().split()
        status, owner = self.status.currentData(), self.owner.currentData()
        return lambda row: framework_matches(row, words, status, owner)


def suppliers_view(ctx: UiContext, settings: Settings) -> ListView:
    browse = ctx.browse
    columns = [
        Column("name", "Supplier", width=320),
        Column("status", "Status", width=100),
        Column("products", "Products", width=90),
        Column("lots", "Framework lots", width=110),
    ]

    return ListView(
        "suppliersView",
        "Suppliers",
        ("supplier", "suppliers"),
        columns,
        browse.list_suppliers,
        lambda s: supplier_html(browse.supplier_detail(s.code)),
        settings,
        ctx,
        # the forces buying from it and their spend move with purchases
        affected=lambda change, _s: isinstance(change, LedgerChanged),
        editable=Kind.SUPPLIER,
    )


def buyers_view(ctx: UiContext, settings: Settings) -> ListView:
    catalogue, browse = ctx.catalogue, ctx.browse
    columns = [
        Column("name", "Name", width=300),
        Column("kind", "Kind", width=110),
        Column("region", "Region / lead force", width=200),
        Column("officers", "Officers (FTE)", width=110, money=False),
    ]

    def load() -> list[Any]:
        all_forces = catalogue.list_forces()
        names = {f.code: f.name for f in all_forces}
        forces = [BuyerRow(f.code, f.name, f.kind, f.region, f.officer_fte) for f in all_forces]
        collaborations = [
            BuyerRow(c.code, c.name, "collaboration", names.get(c.lead_force or ""), None)
            for c in catalogue.list_collaborations()
        ]
        return collaborations + forces

    return ListView(
        "buyersView",
        "Forces & collaborations",
        ("force or collaboration", "forces and collaborations"),
        columns,
        load,
        lambda b: buyer_html(browse.buyer_detail(b.code)),
        settings,
        ctx,
        # the buyer's own spend by financial year
        affected=lambda change, b: (
            isinstance(change, LedgerChanged) and change.touches_buyer(b.code)
        ),
    )
