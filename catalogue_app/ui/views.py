"""The browser's views: products (search, facets, details) and the smaller lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.services.browse import BrowseService
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.services.database import Database
from catalogue_app.ui.detail_html import buyer_html, framework_html, product_html
from catalogue_app.ui.products_model import (
    PRODUCT_COLUMNS,
    Column,
    ListTableModel,
    ProductTableModel,
)
from catalogue_app.ui.widgets import FacetPanel, RecordTable
from catalogue_app.ui.workers import Worker

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
    browser.setMinimumWidth(260)
    return browser


class CatalogueView(QWidget):
    """Common ground: a title for the sidebar, a status line, saved splitter state."""

    title = ""
    status_changed = Signal(str)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
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
        for name, widget in (
            ("splitter", self.splitter),
            ("header", self.table.horizontalHeader()),
        ):
            state = self._settings.value(f"{key}/{name}")
            if isinstance(state, QByteArray | bytes) and state:
                widget.restoreState(state)

    def save_state(self) -> None:
        key = self.objectName()
        self._settings.setValue(f"{key}/splitter", self.splitter.saveState())
        self._settings.setValue(f"{key}/header", self.table.horizontalHeader().saveState())

    def focus_details(self) -> None:
        """Enter on a row: move to its details."""


class ProductsView(CatalogueView):
    title = "Products"

    def __init__(self, db: Database, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(settings, parent)
        self.setObjectName("productsView")
        self.catalogue = CatalogueService(db)
        self.browse = BrowseService(db)
        self.all_products = self.catalogue.search_products(ProductQuery(), limit=0).total

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
        self.model = ProductTableModel(self.catalogue, self)
        self._table = RecordTable("Products", [c.width for c in PRODUCT_COLUMNS])
        self._table.setModel(self.model)
        self._table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.results = QStackedWidget()
        self.results.addWidget(self._table)
        self.results.addWidget(self.empty_label)
        self.detail = _detail_browser("Product details")

        self.splitter.addWidget(self.facets)
        self.splitter.addWidget(self.results)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 760, 380])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search_box)
        layout.addWidget(self.splitter, 1)
        self.setTabOrder(self.search_box, self.facets.tree)
        self.setTabOrder(self.facets.tree, self._table)
        self.setTabOrder(self._table, self.detail)

        self._facet_worker = Worker(self.facets.show_counts, self._report_error, self)
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(60)
        self._detail_timer.timeout.connect(self._load_detail)
        self._facet_timer = QTimer(self)
        self._facet_timer.setSingleShot(True)
        self._facet_timer.setInterval(250)
        self._facet_timer.timeout.connect(self._count_facets)
        self._detail_worker = Worker(self._show_stats, self._report_error, self)
        self._detail_code: str | None = None
        self._detail_product: Any = None
        # First rows first: counting facets waits until the window has painted.
        self._refresh_views(facets=False)
        QTimer.singleShot(100, self._count_facets)

    def query(self) -> ProductQuery:
        chosen = self.facets.chosen()
        return self.model.query.with_changes(
            text=self.search_box.text(),
            status=chosen["status"],
            category=chosen["category"],
            supplier=chosen["supplier"],
            framework=chosen["framework"],
            accredited_on=self.facets.accredited_on(),
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

    def apply_search(self) -> None:
        self._timer.stop()
        try:
            self.model.set_query(self.query())
        except CatalogueError as exc:
            self.status_changed.emit(str(exc))
            return
        self._refresh_views()

    def clear_search(self) -> None:
        self.search_box.clear()
        self.facets.clear()

    def _count_facets(self) -> None:
        query = self.model.query
        self._facet_worker.submit(lambda: self.catalogue.facet_counts(query))

    def _refresh_views(self, *, facets: bool = True) -> None:
        query = self.model.query
        if facets:  # once typing pauses, not on every keystroke
            self._facet_timer.start()
        shown = self.model.total
        if shown == 0:
            text = query.text.strip()
            what = f"No products match “{text}”" if text else "No products match these filters"
            self.empty_label.setText(
                f"{what}.\nPress Esc to clear the search, or untick a filter on the left."
            )
            self.results.setCurrentWidget(self.empty_label)
            self.detail.clear()
        else:
            self.results.setCurrentWidget(self._table)
            self._table.selectRow(0)
        self.status_changed.emit(self.status_text())

    def status_text(self) -> str:
        return f"{self.model.total:,} of {self.all_products:,} products"

    def _current_changed(self, current: Any, _previous: Any) -> None:
        row = self.model.row_at(current.row()) if current.isValid() else None
        if row is None:
            return
        self.show_product(row.code)

    def show_product(self, code: str) -> None:
        """Fill the detail pane off the GUI thread (once the selection settles)."""
        self._detail_code = code
        self._detail_timer.start()

    def _load_detail(self) -> None:
        code = self._detail_code
        if code is None:
            return
        self._detail_worker.submit(
            lambda: (code, self.catalogue.get_product(code), self.browse.price_stats(code))
        )

    def _show_stats(self, result: tuple[str, Any, Any]) -> None:
        code, product, stats = result
        if code == self._detail_code:
            self._detail_product = product
            self.detail.setHtml(product_html(product, stats, date.today()))

    def _report_error(self, message: str) -> None:
        self.status_changed.emit(message)

    def focus_details(self) -> None:
        self.detail.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def refresh(self) -> None:
        self.all_products = self.catalogue.search_products(ProductQuery(), limit=0).total
        self.model.reload()
        self._refresh_views()


class ListView(CatalogueView):
    """A small list with a detail pane (frameworks, suppliers, forces and collaborations)."""

    def __init__(
        self,
        name: str,
        title: str,
        noun: tuple[str, str],
        columns: list[Column],
        load: Callable[[], list[Any]],
        describe: Callable[[Any], str],
        settings: QSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(settings, parent)
        self.setObjectName(name)
        self.title, self.noun = title, noun
        self._describe = describe
        # Loaded when first shown, so that start-up only pays for the products view.
        self.model = ListTableModel(columns, load, self, autoload=False)
        self._table = RecordTable(title, [c.width for c in columns])
        self._table.setModel(self.model)
        self._table.horizontalHeader().setStretchLastSection(True)
        self._table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.detail = _detail_browser(f"{title} details")
        self.splitter.addWidget(self._table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([820, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._worker = Worker(self.detail.setHtml, self.detail.setPlainText, self)

    def ensure_loaded(self) -> None:
        if not self.model.loaded:
            self.refresh()

    def showEvent(self, event: Any) -> None:
        self.ensure_loaded()
        super().showEvent(event)

    def status_text(self) -> str:
        self.ensure_loaded()
        n = self.model.rowCount()
        return f"{n:,} {self.noun[0] if n == 1 else self.noun[1]}"

    def _current_changed(self, current: Any, _previous: Any) -> None:
        record = self.model.row_at(current.row()) if current.isValid() else None
        if record is not None:
            self.detail.setHtml("<p>Loading…</p>")
            self._worker.submit(lambda: self._describe(record))

    def focus_details(self) -> None:
        self.detail.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def refresh(self) -> None:
        self.model.reload()
        if self.model.rowCount():
            self._table.selectRow(0)


def frameworks_view(db: Database, settings: QSettings) -> ListView:
    catalogue, browse = CatalogueService(db), BrowseService(db)
    columns = [
        Column("reference", "Reference", width=140),
        Column("title", "Title", width=330),
        Column("owner", "Owner", width=200),
        Column("effective_end", "Ends", width=100),
        Column("extensions_left", "Extensions left", width=110),
        Column("status", "Status", width=90),
    ]
    return ListView(
        "frameworksView",
        "Frameworks",
        ("framework", "frameworks"),
        columns,
        catalogue.list_frameworks,
        lambda f: framework_html(browse.framework_detail(f.reference)),
        settings,
    )


def suppliers_view(db: Database, settings: QSettings) -> ListView:
    browse = BrowseService(db)
    columns = [
        Column("name", "Supplier", width=320),
        Column("status", "Status", width=100),
        Column("products", "Products", width=90),
        Column("lots", "Framework lots", width=110),
    ]

    def describe(s: Any) -> str:
        from html import escape

        warning = (
            f"<p style='color:#8a1c1c'><b>⚠ This supplier is {escape(s.status)}.</b></p>"
            if s.status != "active"
            else ""
        )
        note = "<p style='color:#6b5b00'>Illustrative supplier.</p>" if s.illustrative else ""
        return (
            f"<h2>{escape(s.name)}</h2><p style='color:#5b6b7d'>{escape(s.code)}</p>{warning}"
            f"<p>{s.products:,} products in the catalogue; on {s.lots:,} framework lots.</p>"
            f"<p>To see its products, choose it under Supplier in the Products view's filters."
            f"</p>{note}"
        )

    return ListView(
        "suppliersView",
        "Suppliers",
        ("supplier", "suppliers"),
        columns,
        browse.list_suppliers,
        describe,
        settings,
    )


def buyers_view(db: Database, settings: QSettings) -> ListView:
    catalogue, browse = CatalogueService(db), BrowseService(db)
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
    )
