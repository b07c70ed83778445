"""Compare products side by side, compare routes for one, and pool demand across forces.

The figures are read in one query op whenever an input changes; the newest
inputs' answer is the one shown. Every figure uses the prices in force on the day
chosen under "Prices on" (today unless changed; the choice lasts for the session).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.domain.pooling import PoolOutcome
from catalogue_app.interchange.comparison import write_comparison_csv
from catalogue_app.reports import comparison as report
from catalogue_app.reports.document import PageFurniture
from catalogue_app.services.changes import CatalogueChanged, Change, LedgerChanged
from catalogue_app.services.compare import ProductComparison, RouteOption
from catalogue_app.services.ledger import protected_files
from catalogue_app.ui.context import Buyers, UiContext
from catalogue_app.ui.errors import show_failure
from catalogue_app.ui.files import ask_save_path, file_name
from catalogue_app.ui.ops import QueryOp, latest_query_running
from catalogue_app.ui.products_model import display
from catalogue_app.ui.settings import Settings

DIFFERENT = QBrush(QColor("#fff4d6"))
BEST = "★ "
EARLIEST = QDate(2000, 1, 1)

# The "Prices on" day chosen last, per window context: kept for the session, never saved.
_prices_on: WeakKeyDictionary[UiContext, date] = WeakKeyDictionary()


def _day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _table(name: str) -> QTableWidget:
    # a handful of rows and columns: a QTableWidget is the right tool here
    table = QTableWidget()
    table.setObjectName(name)
    table.setAccessibleName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


class CompareDialog(QDialog):
    """Quantity at the top; everything below recomputes as it changes."""

    def __init__(
        self,
        ctx: UiContext,
        codes: list[str],
        parent: QWidget | None = None,
        record_joint: Callable[[str, str, int, tuple[str, str], str], object] | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings if settings is not None else Settings()
        self.compare = ctx.compare
        self._ctx = ctx
        self._protected = protected_files(ctx.db)
        self.codes = list(dict.fromkeys(codes))[:6]
        self.rows: list[ProductComparison] = []
        self.routes: list[RouteOption] = []
        self.outcome: PoolOutcome | None = None
        self._record_joint = record_joint
        self.setWindowTitle("Compare products and routes")
        self.resize(1100, 720)

        self.quantity = QSpinBox()
        self.quantity.setRange(1, 10_000_000)
        self.quantity.setValue(500)
        self.quantity.setGroupSeparatorShown(True)
        self.quantity.setAccessibleName("Quantity")
        top = QHBoxLayout()
        quantity_label = QLabel("&Quantity")
        quantity_label.setBuddy(self.quantity)
        top.addWidget(quantity_label)
        top.addWidget(self.quantity)
        top.addSpacing(16)
        self.buyer = QComboBox()
        self.buyer.setAccessibleName("Buyer")
        self.buyer.addItem("No buyer", None)
        self.force_names: dict[str, str] = {}
        buyer_label = QLabel("&Buyer")
        buyer_label.setBuddy(self.buyer)
        top.addWidget(buyer_label)
        top.addWidget(self.buyer)
        top.addSpacing(16)
        today = ctx.app.today()
        self.prices_on = QDateEdit(_qdate(_prices_on.get(ctx, today)))
        self.prices_on.setCalendarPopup(True)
        self.prices_on.setDisplayFormat("d MMM yyyy")
        self.prices_on.setMinimumDate(EARLIEST)
        self.prices_on.setAccessibleName("Prices on")
        self.prices_on.setToolTip(
            "Compare and pool at the list prices and framework offers in force on this day"
        )
        prices_label = QLabel("Prices o&n")
        prices_label.setBuddy(self.prices_on)
        self.prices_today = QPushButton("&Today")
        self.prices_today.setAccessibleName("Prices on today")
        self.prices_today.setToolTip("Use the prices in force today")
        self.prices_today.clicked.connect(lambda: self.prices_on.setDate(_qdate(ctx.app.today())))
        top.addWidget(prices_label)
        top.addWidget(self.prices_on)
        top.addWidget(self.prices_today)
        top.addStretch(1)
        self.error = QLabel()
        self.error.setStyleSheet("color: #a11d1d; font-weight: 600;")

        self.products_table = _table("Comparison")
        self.products_table.horizontalHeader().setSectionsMovable(True)
        self.products_table.horizontalHeader().setContextMenuPolicy(
            Qt.ContextMenuPolicy.CustomContextMenu
        )
        self.products_table.horizontalHeader().customContextMenuRequested.connect(self._column_menu)
        self.hide_same = QCheckBox("Hide rows that are the same for every product")
        self.hide_same.toggled.connect(lambda _on: self._show_products())
        products_tab = QWidget()
        lay = QVBoxLayout(products_tab)
        lay.addWidget(self.hide_same)
        lay.addWidget(self.products_table)
        hint = QLabel(
            "★ best value · shaded: differs between products · right-click a "
            "product's header to remove it; drag headers to reorder"
        )
        hint.setStyleSheet("color: #5b6b7d;")
        lay.addWidget(hint)

        self.route_product = QComboBox()
        self.route_product.setAccessibleName("Product for routes")
        self.routes_table = _table("Routes")
        routes_tab = QWidget()
        lay = QVBoxLayout(routes_tab)
        lay.addWidget(self.route_product)
        lay.addWidget(self.routes_table)

        self.pool_product = QComboBox()
        self.pool_product.setAccessibleName("Product to pool")
        self.pool_buyers = QComboBox()
        self.pool_buyers.setAccessibleName("Forces to pool")
        self.pool_custom = QLineEdit()
        self.pool_custom.setPlaceholderText("or force codes: norfolk,suffolk")
        self.pool_custom.setAccessibleName("Forces to pool, as codes")
        self.pool_table = _table("Pooling")
        self.pool_table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.pool_table.itemChanged.connect(self._quantity_edited)
        self.pool_quantities: list[int] | None = None  # None: one per officer
        self.pool_summary = QLabel()
        self.pool_summary.setWordWrap(True)
        self.record_button = QPushButton("Record as a joint purchase…")
        self.record_button.clicked.connect(self._record)
        self.record_button.setEnabled(record_joint is not None)
        pool_tab = QWidget()
        lay = QVBoxLayout(pool_tab)
        row = QHBoxLayout()
        for w in (self.pool_product, self.pool_buyers, self.pool_custom):
            row.addWidget(w, 1)
        lay.addLayout(row)
        lay.addWidget(self.pool_table)
        lay.addWidget(self.pool_summary)
        lay.addWidget(self.record_button, 0, Qt.AlignmentFlag.AlignRight)

        self.tabs = QTabWidget()
        self.tabs.addTab(products_tab, "&Products")
        self.tabs.addTab(routes_tab, "&Routes")
        self.tabs.addTab(pool_tab, "P&ool demand")
        pdf = QPushButton("Export &PDF…")
        pdf.clicked.connect(lambda: self.export_pdf())
        csv_button = QPushButton("Export &CSV…")
        csv_button.clicked.connect(lambda: self.export_csv())
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (pdf, csv_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.recompute)
        self.quantity.valueChanged.connect(lambda _v: self._timer.start())
        self.prices_on.dateChanged.connect(lambda _d: self._day_changed())
        self._show_day()
        self.buyer.currentIndexChanged.connect(lambda _i: self._timer.start())
        self.route_product.currentIndexChanged.connect(lambda *_: self._timer.start())
        for signal in (
            self.pool_product.currentIndexChanged,
            self.pool_buyers.currentIndexChanged,
            self.pool_custom.editingFinished,
        ):
            signal.connect(lambda *_: self._reset_pool())
        self._fill_product_choices()
        ctx.buyers.when_ready(self._fill_buyers)
        ctx.hub.changed.connect(self._changed)

    # -- data ---------------------------------------------------------------------------
    def _fill_product_choices(self) -> None:
        for combo in (self.route_product, self.pool_product):
            combo.blockSignals(True)
            combo.clear()
            for code in self.codes:
                combo.addItem(code, code)
            combo.blockSignals(False)

    def _fill_buyers(self, buyers: Buyers) -> None:
        buyers.fill(self.buyer, ("No buyer", None))
        self.force_names = buyers.force_names
        self.pool_buyers.blockSignals(True)
        self.pool_buyers.clear()
        for c in buyers.collaborations:
            self.pool_buyers.addItem(c.name, c.code)
        self.pool_buyers.blockSignals(False)
        self.recompute()

    def day(self) -> date:
        """The day whose prices the figures use."""
        shown = self.prices_on.date()
        return date(shown.year(), shown.month(), shown.day())

    def _day_changed(self) -> None:
        _prices_on[self._ctx] = self.day()
        self._show_day()
        self._timer.start()

    def _show_day(self) -> None:
        self.prices_today.setEnabled(self.day() != self._ctx.app.today())

    def settled(self) -> bool:
        """No recomputation is waiting or running."""
        return not (self._timer.isActive() or latest_query_running(self, "compare"))

    def _pool_buyers(self) -> tuple[list[str], bool]:
        custom = [c.strip() for c in self.pool_custom.text().split(",") if c.strip()]
        chosen = [self.pool_buyers.currentData()] if self.pool_buyers.count() else []
        return custom or chosen, bool(custom)

    def recompute(self) -> None:
        """Read the comparison, the routes and the pool for the inputs shown, in a query op."""
        self._timer.stop()
        compare, codes, quantity = self.compare, list(self.codes), self.quantity.value()
        buyer, route_code = self.buyer.currentData(), self.route_product.currentData()
        product, (buyers, custom) = self.pool_product.currentData(), self._pool_buyers()
        quantities, day = self.pool_quantities, self.day()
        # only a collaboration can record one joint purchase; a list of forces cannot
        self.record_button.setEnabled(self._record_joint is not None and not custom)

        def read() -> tuple[list[ProductComparison], list[RouteOption], PoolOutcome | None]:
            rows = compare.compare(codes, quantity, day, buyer) if len(codes) >= 2 else []
            routes = compare.routes(route_code, quantity, day) if route_code else []
            outcome = compare.pool(product, buyers, quantities, day) if product and buyers else None
            return rows, routes, outcome

        QueryOp(self, read, kind="compare", doing="comparing products").success(
            self._computed
        ).failure(self._failed).run_in_background()

    def _computed(
        self, result: tuple[list[ProductComparison], list[RouteOption], PoolOutcome | None]
    ) -> None:
        self.error.clear()
        self.rows, self.routes, outcome = result
        self._show_products()
        self._show_routes()
        if outcome is not None:
            self.outcome = outcome
            self._show_pool()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, CatalogueError):
            self.error.setText(str(exc)[:1].upper() + str(exc)[1:])
        else:
            show_failure(self, exc, "comparing products")

    def _changed(self, change: Change) -> None:
        if isinstance(change, LedgerChanged):
            touched = change.touches_buyer(self.buyer.currentData())  # what it last paid
        elif isinstance(change, CatalogueChanged):
            touched = any(change.touches_product(code) for code in self.codes)
        else:
            touched = False
        if touched:
            self.recompute()

    def _reset_pool(self) -> None:
        self.pool_quantities = None  # back to one per officer for the new choice
        self._timer.start()

    def _quantity_edited(self, item: QTableWidgetItem) -> None:
        if item.column() != 1 or self.outcome is None:
            return
        text = item.text().replace(",", "").strip()
        member = self.outcome.members[item.row()].member
        if not text.isdigit() or int(text) <= 0:
            self.error.setText(
                f"{self.force_names.get(member, member)}'s quantity must be a whole number "
                "more than zero"
            )
            return
        quantities = [m.quantity for m in self.outcome.members]
        quantities[item.row()] = int(text)
        self.pool_quantities = quantities
        self.error.clear()
        self.recompute()

    # -- showing ------------------------------------------------------------------------
    def _show_products(self) -> None:
        t = self.products_table
        rows = self.rows
        t.clear()
        t.setColumnCount(len(rows))
        t.setHorizontalHeaderLabels([f"{r.name}\n{r.code}" for r in rows])
        shown = []
        for key, title in report.shown_attributes(rows):
            values = [display(getattr(r, key), key) for r in rows]
            differs = len(set(values)) > 1
            if self.hide_same.isChecked() and not differs:
                continue
            shown.append((key, title, values, differs))
        t.setRowCount(len(shown))
        labels = []
        for n, (key, title, values, differs) in enumerate(shown):
            best = report.best_columns(rows, key)
            if key in ("unit_price", "total"):
                title = f"{title} at {self.quantity.value():,}"
            labels.append(title)
            for c, value in enumerate(values):
                item = QTableWidgetItem((BEST if c in best else "") + (value or "—"))
                if differs:
                    item.setBackground(DIFFERENT)
                if c in best:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                item.setToolTip("Best value" if c in best else "")
                t.setItem(n, c, item)
        t.setVerticalHeaderLabels(labels)
        t.resizeRowsToContents()

    def _show_routes(self) -> None:
        t = self.routes_table
        head = report.ROUTE_HEAD
        t.clear()
        t.setColumnCount(len(head))
        t.setHorizontalHeaderLabels(head)
        t.setRowCount(len(self.routes))
        for n, o in enumerate(self.routes):
            cells = [report.display_text(v) for v in report.route_values(o)]
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if o.flags:
                    item.setForeground(QBrush(QColor("#8a1c1c")))
                t.setItem(n, c, item)

    def _show_pool(self) -> None:
        outcome = self.outcome
        assert outcome is not None
        t = self.pool_table
        head = report.POOL_HEAD
        t.blockSignals(True)
        t.clear()
        t.setColumnCount(len(head))
        t.setHorizontalHeaderLabels(head)
        # force names are long ("Cambridgeshire Constabulary"): give them the room they need
        t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        t.setRowCount(len(outcome.members))
        for n, m in enumerate(outcome.members):
            cells = [report.display_text(v) for v in report.pool_values(m, self.force_names)]
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if c == 0:
                    item.setToolTip(m.member)
                else:  # figures line up on the right, as in a spreadsheet
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if c == 1:
                    item.setToolTip("Double-click to change this force's quantity")
                    item.setBackground(QBrush(QColor("#eef5ff")))
                else:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                t.setItem(n, c, item)
        t.blockSignals(False)
        # names come from the database: escaped before they reach a rich-text label
        self.pool_summary.setText(
            f"<b>{html.escape(report.pool_summary(outcome))}</b> "
            "Each force's share is split by quantity, to the penny."
        )

    # -- actions ------------------------------------------------------------------------
    def remove_product(self, code: str) -> None:
        if code in self.codes:
            self.codes.remove(code)
            self._fill_product_choices()
            self.recompute()

    def _column_menu(self, pos: Any) -> None:
        column = self.products_table.horizontalHeader().logicalIndexAt(pos)
        if not 0 <= column < len(self.rows):
            return
        code = self.rows[column].code
        menu = QMenu(self)
        menu.addAction(f"Remove {code} from the comparison", lambda: self.remove_product(code))
        menu.exec(self.products_table.horizontalHeader().mapToGlobal(pos))

    def _ask_path(self, title: str, extension: str, file_filter: str) -> str | None:
        suggested = file_name("comparison", *self.codes[:3], extension=extension)
        return ask_save_path(self, self._settings, "comparisons", title, suggested, file_filter)

    def export_pdf(self, path: str | None = None) -> int:
        if path is None:
            path = self._ask_path("Export PDF", "pdf", "PDF (*.pdf)")
            if path is None:
                return 0
        quantity = self.quantity.value()
        story = report.comparison_story(self.rows, quantity) if self.rows else []
        code = self.route_product.currentData()
        if code:
            story += report.routes_story(code, self.routes, quantity)
        if self.outcome is not None:
            story += report.pool_story(
                self.pool_product.currentData(), self.outcome, self.force_names
            )
        try:
            # the save dialog asked before replacing a file; the database is never replaced
            return report.write_pdf(
                PageFurniture(
                    "Product comparison",
                    f"{', '.join(self.codes)} · prices on {_day_text(self.day())}",
                ),
                story,
                path,
                overwrite=True,
                protected=self._protected,
            )
        except CatalogueError as exc:
            QMessageBox.warning(self, "Export PDF", str(exc))
            return 0
        except OSError as exc:
            QMessageBox.warning(self, "Export PDF", f"Cannot write {path}: {exc}")
            return 0

    def export_csv(self, path: str | None = None) -> int:
        if path is None:
            path = self._ask_path("Export CSV", "csv", "CSV, comma-separated (*.csv)")
            if path is None:
                return 0
        blocks = report.comparison_blocks(
            self.rows,
            routes=self.routes,
            route_product=self.route_product.currentData(),
            quantity=self.quantity.value(),
            outcome=self.outcome,
            pool_product=self.pool_product.currentData(),
            names=self.force_names,
        )
        try:
            write_comparison_csv(blocks, path, overwrite=True, protected=self._protected)
        except CatalogueError as exc:
            QMessageBox.warning(self, "Export CSV", str(exc))
            return 0
        except OSError as exc:
            QMessageBox.warning(self, "Export CSV", f"Cannot write {path}: {exc}")
            return 0
        return len(self.rows)

    def _record(self) -> None:
        if self.outcome is None or self._record_joint is None:
            return
        outcome = self.outcome
        buyer = self.pool_buyers.currentData()
        pooled = outcome.pooled.route
        route = (pooled.framework or "", pooled.lot or "")
        split = "custom:" + ",".join(f"{m.member}={m.pooled_share:.2f}" for m in outcome.members)
        self._record_joint(buyer, self.pool_product.currentData(), outcome.quantity, route, split)
