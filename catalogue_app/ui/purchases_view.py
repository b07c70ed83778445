"""The Purchases view: the ledger, filtered in SQL, with totals and each purchase's history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.enums import PurchaseStatus
from catalogue_app.domain.money import format_gbp
from catalogue_app.services.changes import Change, LedgerChanged
from catalogue_app.services.ledger import (
    LedgerBrowser,
    LedgerFilter,
    LedgerLine,
    LedgerPage,
)
from catalogue_app.services.ledger.details import PurchaseDetails, PurchaseReader
from catalogue_app.ui.context import Buyers, UiContext
from catalogue_app.ui.operations.bundles import read_conflicted_purchases
from catalogue_app.ui.ops import ChangeHub, QueryOp
from catalogue_app.ui.products_model import PAGE_SIZE, Column, PagedRows, PageLoader, display
from catalogue_app.ui.settings import Settings
from catalogue_app.ui.views import CatalogueView
from catalogue_app.ui.widgets import RecordTable

COLUMNS = [
    Column("order_date", "Date", width=90),
    Column("order_reference", "Order ref", width=150),
    Column("buyer", "Buyer", width=170),
    Column("product", "Product", width=210),
    Column("route", "Route", width=140),
    Column("quantity", "Qty", width=60),
    Column("unit_price", "Unit price", width=90),
    Column("total", "Total", width=105),
    Column("saving", "Saving", width=95),
    Column("status", "Status", width=65),
]
CONFLICT_MARK = "⚠ "
CONFLICT_TIP = (
    "In conflict: changed in two places. Choose which version to keep in Conflicts (Ctrl+7)."
)


class PurchaseTableModel(QAbstractTableModel):
    """Windowed like the products table: totals and pages come from SQL.

    Standalone it reads synchronously; given the hub (in a window) results
    arrive through :meth:`show` and pages are fetched off the GUI thread.
    """

    def __init__(
        self, ledger: LedgerBrowser, parent: Any = None, *, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self._ledger = ledger
        self.filter = LedgerFilter()
        self._rows: PagedRows[LedgerLine] = PagedRows(
            lambda offset, limit: self._ledger.page(self.filter, limit, offset)
        )
        self._loader: PageLoader[LedgerLine] | None = None
        if hub is not None:
            self._loader = PageLoader(self, self._rows, self._fetch_for(self.filter), hub)
        self.spend = self.savings = Decimal("0.00")
        self.conflicted: frozenset[str] = frozenset()  # purchases with an open conflict

    def set_conflicted(self, ids: frozenset[str]) -> bool:
        """Flag the purchases with an open conflict (their order reference is marked);
        whether that changed anything."""
        if ids == self.conflicted:
            return False
        self.conflicted = ids
        if self.total:
            self.dataChanged.emit(self.index(0, 1), self.index(self.total - 1, 1))
        return True

    @property
    def total(self) -> int:
        return self._rows.total

    def _fetch_for(self, f: LedgerFilter) -> Any:
        ledger = self._ledger
        return lambda offset, limit: ledger.page(f, limit, offset)

    def set_filter(self, f: LedgerFilter) -> None:
        self.filter = f
        self.reload()

    def first_page(self, f: LedgerFilter) -> tuple[LedgerFilter, LedgerPage, list[LedgerLine]]:
        """Totals and the first page under ``f`` (run it in a query op)."""
        return f, self._ledger.summary(f), self._ledger.page(f, PAGE_SIZE)

    def show(self, result: tuple[LedgerFilter, LedgerPage, list[LedgerLine]]) -> None:
        f, summary, first = result
        self.beginResetModel()
        self.filter = f
        self._rows.reset(summary.total, first)
        self.spend, self.savings = summary.spend, summary.savings
        if self._loader is not None:
            self._loader.reset()
            self._loader._fetch = self._fetch_for(f)
        self.endResetModel()

    def reload(self) -> None:
        self.show(self.first_page(self.filter))

    def line_at(self, row: int) -> LedgerLine | None:
        """The line, read now if its page is not held (scripts and tests)."""
        return self._rows.at(row)

    def cached_line(self, row: int) -> LedgerLine | None:
        """The line if it has arrived; never reads the database."""
        return self._rows.cached(row)

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() >= len(COLUMNS):
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        line = self._rows.at(index.row()) if self._loader is None else self._loader.row(index.row())
        if line is None:
            return None
        key = COLUMNS[index.column()].key
        value = getattr(line, key)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if isinstance(value, Decimal | int) and key != "order_reference":
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if key == "order_reference" and line.id in self.conflicted:
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{value}. {CONFLICT_TIP}"
            return CONFLICT_MARK + str(value)
        return f"{value:,}" if key == "quantity" else display(value, key)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section].title
        return section + 1 if orientation == Qt.Orientation.Vertical else None


class PurchasesView(CatalogueView):
    title = "Purchases"
    edit_requested = Signal(str)  # purchase id
    void_requested = Signal(str)  # purchase id

    def __init__(self, ctx: UiContext, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(settings, parent)
        self.setObjectName("purchasesView")
        self.ctx = ctx
        self.ledger = ctx.ledger
        self.export = ctx.export
        self.reader = PurchaseReader(ctx.db)

        self.buyer = QComboBox()
        self.buyer.setAccessibleName("Buyer filter")
        self.buyer.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.buyer.setMinimumContentsLength(14)
        self.buyer.addItem("All buyers", None)
        self.product = QLineEdit()
        self.product.setPlaceholderText("Product code")
        self.product.setAccessibleName("Product filter")
        self.product.setMinimumWidth(80)
        self.supplier = QComboBox()
        self.supplier.setAccessibleName("Supplier filter")
        self.supplier.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.supplier.setMinimumContentsLength(12)
        self.supplier.addItem("All suppliers", None)
        self.framework = QLineEdit()
        self.framework.setPlaceholderText("Framework ref or off-framework")
        self.framework.setAccessibleName("Framework filter")
        self.framework.setMinimumWidth(80)
        self.category = QLineEdit()
        self.category.setPlaceholderText("Category (CPV code)")
        self.category.setAccessibleName("Category filter")
        self.category.setMinimumWidth(80)
        self.use_period = QCheckBox("From")
        self.start = QDateEdit(QDate(date.today().year - 1, 4, 1))
        self.end = QDateEdit(QDate.currentDate())
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
        self.start.setAccessibleName("Period start")
        self.end.setAccessibleName("Period end")
        self.status = QComboBox()
        self.status.setAccessibleName("Status filter")
        for label, value in (("Active", "active"), ("Void", "void"), ("All", "all")):
            self.status.addItem(label, value)
        bar = QHBoxLayout()
        bar.addWidget(self.buyer, 2)
        bar.addWidget(self.product, 1)
        bar.addWidget(self.supplier, 2)
        bar.addWidget(self.framework, 1)
        bar.addWidget(self.category, 1)
        period = QHBoxLayout()
        period.addWidget(self.use_period)
        period.addWidget(self.start)
        period.addWidget(QLabel("to"))
        period.addWidget(self.end)
        period.addSpacing(12)
        period.addWidget(QLabel("Status"))
        period.addWidget(self.status)
        period.addStretch(1)

        self.model = PurchaseTableModel(self.ledger, self, hub=ctx.hub)
        self._table = RecordTable("Purchases", [c.width for c in COLUMNS])
        self._table.setModel(self.model)
        self._table.doubleClicked.connect(lambda _i: self._request(self.edit_requested))
        self._table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.totals = QLabel()
        self.totals.setObjectName("ledgerTotals")
        self.history = QTextBrowser()
        self.history.setObjectName("purchaseDetails")
        self.history.setAccessibleName("Purchase details")
        self.history.setMinimumWidth(300)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self._table, 1)
        left_layout.addWidget(self.totals)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.history)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([1040, 360])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(period)
        layout.addWidget(self.splitter, 1)
        for signal in (
            self.buyer.currentIndexChanged,
            self.status.currentIndexChanged,
            self.use_period.toggled,
            self.start.dateChanged,
            self.end.dateChanged,
            self.product.editingFinished,
            self.framework.editingFinished,
            self.category.editingFinished,
            self.supplier.currentIndexChanged,
        ):
            signal.connect(lambda *_: self.apply_filter())
        self.loaded = False  # the ledger has been read for the filters shown
        self._suppliers_asked = False
        ctx.buyers.when_ready(self._fill_buyers)
        ctx.buyers.loaded.connect(self._fill_buyers)
        ctx.hub.changed.connect(self._changed)

    def _fill_buyers(self, buyers: Buyers) -> None:
        buyers.fill(self.buyer, ("All buyers", None))

    def showEvent(self, event: Any) -> None:
        if not self._suppliers_asked:
            self._suppliers_asked = True
            browse = self.ctx.browse
            QueryOp(
                self, browse.list_suppliers, kind="suppliers", doing="reading the suppliers"
            ).success(self._fill_suppliers).failure(self._report_error).run_in_background()
        if not self.loaded:
            self.apply_filter()
        super().showEvent(event)

    def _fill_suppliers(self, suppliers: list[Any]) -> None:
        self.supplier.blockSignals(True)
        for s in suppliers:
            self.supplier.addItem(s.name, s.code)
        self.supplier.blockSignals(False)

    def current_filter(self) -> LedgerFilter:
        period = self.use_period.isChecked()
        return LedgerFilter(
            buyer=self.buyer.currentData(),
            start=self.start.date().toPython() if period else None,
            end=self.end.date().toPython() if period else None,
            status=self.status.currentData(),
            product=self.product.text().strip().upper() or None,
            supplier=self.supplier.currentData(),
            framework=self.framework.text().strip() or None,
            category=self.category.text().strip() or None,
        )

    def show_filter(self, f: LedgerFilter) -> None:
        """Set every filter to ``f`` and read the ledger once (Home's charts lead here)."""
        controls = (
            self.buyer,
            self.product,
            self.supplier,
            self.framework,
            self.category,
            self.use_period,
            self.start,
            self.end,
            self.status,
        )
        for control in controls:
            control.blockSignals(True)
        self.buyer.setCurrentIndex(max(0, self.buyer.findData(f.buyer)))
        self.product.setText(f.product or "")
        self.supplier.setCurrentIndex(max(0, self.supplier.findData(f.supplier)))
        self.framework.setText(f.framework or "")
        self.category.setText(f.category or "")
        self.use_period.setChecked(f.start is not None and f.end is not None)
        if f.start is not None and f.end is not None:
            self.start.setDate(QDate(f.start.year, f.start.month, f.start.day))
            self.end.setDate(QDate(f.end.year, f.end.month, f.end.day))
        self.status.setCurrentIndex(max(0, self.status.findData(str(f.status))))
        for control in controls:
            control.blockSignals(False)
        self.apply_filter()

    def apply_filter(self) -> None:
        """Totals and the first page in a query op; a newer filter drops this one's answer."""
        f = self.current_filter()
        read_conflicted_purchases(self, self.ctx).success(self._conflicts_read).failure(
            self._report_error
        ).run_in_background()
        QueryOp(
            self, lambda: self.model.first_page(f), kind="ledger", doing="reading the ledger"
        ).success(self._filtered).failure(self._report_error).run_in_background()

    def _filtered(self, result: Any) -> None:
        self.model.show(result)
        self.loaded = True
        self.totals.setText(
            f"{self.model.total:,} purchases · spend {format_gbp(self.model.spend)} · "
            f"savings {format_gbp(self.model.savings)}"
        )
        if self.model.total:
            self._table.selectRow(0)
        else:
            self.history.setHtml("<p>No purchases match these filters.</p>")
        self.status_changed.emit(self.status_text())

    def _changed(self, change: Change) -> None:
        if not isinstance(change, LedgerChanged) or not self.loaded:
            return
        f = self.model.filter
        if f.buyer and not change.touches_buyer(f.buyer):
            return
        if f.product and not change.touches_product(f.product):
            return
        if self.isVisible():
            self.apply_filter()
        else:
            self.loaded = False  # read again when shown

    def refresh(self) -> None:
        if self.isVisible() or self.loaded:
            self.apply_filter()

    def status_text(self) -> str:
        return f"{self.model.total:,} purchases" if self.loaded else "Reading the ledger…"

    def selected_id(self) -> str | None:
        index = self._table.currentIndex()
        line = self.model.cached_line(index.row()) if index.isValid() else None
        return line.id if line else None

    def _request(self, signal: Any) -> None:
        purchase_id = self.selected_id()
        if purchase_id:
            signal.emit(purchase_id)

    def line_for(self, purchase_id: str) -> LedgerLine | None:
        """The shown line of the purchase, the current row first; never reads the database."""
        index = self._table.currentIndex()
        current = self.model.cached_line(index.row()) if index.isValid() else None
        if current is not None and current.id == purchase_id:
            return current
        for row in range(self.model.rowCount()):
            line = self.model.cached_line(row)
            if line is not None and line.id == purchase_id:
                return line
        return None

    def _current_changed(self, current: Any, _previous: Any) -> None:
        line = self.model.cached_line(current.row()) if current.isValid() else None
        if line is None:
            return
        reader = self.reader
        QueryOp(
            self, lambda: reader.details(line.id), kind="history", doing="reading the purchase"
        ).success(self._show_details).failure(
            lambda exc: self.history.setPlainText(str(exc))
        ).run_in_background()

    def _conflicts_read(self, ids: set[str]) -> None:
        if self.model.set_conflicted(frozenset(ids)) and self._table.currentIndex().isValid():
            self._current_changed(self._table.currentIndex(), None)  # its sentence follows

    def _show_details(self, details: PurchaseDetails) -> None:
        html = details_html(details)
        if details.id in self.model.conflicted:
            html = CONFLICT_SENTENCE + html
        self.history.setHtml(html)

    def focus_details(self) -> None:
        self._request(self.edit_requested)


CONFLICT_SENTENCE = (
    "<p style='color:#a11d1d'><b>In conflict:</b> this purchase was changed in two places and "
    "a merge brought the other version. It shows this side's version until you choose which "
    "to keep in Conflicts (Ctrl+7).</p>"
)


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def details_html(d: PurchaseDetails) -> str:
    """Everything recorded about a purchase, its shares and its history, as the pane shows it."""
    muted = "color:#5b6b7d"
    if d.status is PurchaseStatus.VOID:
        status = "<span style='color:#a11d1d;font-weight:600'>Void</span>"
        if d.void_reason:
            status += f": {escape(d.void_reason)}"
    else:
        status = "Active"
    if d.route.is_off_framework:
        route = "Off-framework (at list price)"
    else:
        route = escape(str(d.route))
        if d.framework_title:
            route += f"<br><span style='{muted}'>{escape(d.framework_title)}</span>"
        if d.lot_title:
            route += f"<br><span style='{muted}'>Lot: {escape(d.lot_title)}</span>"
    recorded_at = d.recorded_at.astimezone()
    saving = format_gbp(d.saving)
    rows = [
        ("Order date", _day(d.order_date)),
        ("Buyer", escape(d.buyer_name) + (" (joint purchase)" if d.joint else "")),
        (
            "Product",
            f"{escape(d.product_name)}<br><span style='{muted}'>{escape(d.product_code)} · "
            f"{escape(d.supplier)}</span>",
        ),
        ("Route", route),
        ("Quantity", f"{d.quantity:,}"),
        ("Unit price", format_gbp(d.unit_price)),
        ("Baseline", f"{format_gbp(d.baseline_unit_price)} each"),
        ("Total", f"<b>{format_gbp(d.total)}</b>"),
        ("Saving", saving),
        ("Status", status),
        ("Notes", escape(d.notes).replace("\n", "<br>") if d.notes else "None given"),
        (
            "Recorded",
            f"by {escape(d.recorded_by)} on {_day(recorded_at.date())} at {recorded_at:%H:%M}",
        ),
    ]
    cell = "padding:2px 8px 2px 0; vertical-align:top"
    parts = [
        f"<h3 style='margin-bottom:4px'>{escape(d.order_reference)}</h3>",
        "<table cellspacing='0'>",
        *(
            f"<tr><td style='{cell};{muted}'>{label}</td><td style='{cell}'>{value}</td></tr>"
            for label, value in rows
        ),
        "</table>",
    ]
    if d.shares:
        parts.append("<h4 style='margin-bottom:2px'>Members' shares</h4><table cellspacing='0'>")
        for share in d.shares:
            percent = share.amount * 100 / d.total if d.total else Decimal(0)
            parts.append(
                f"<tr><td style='{cell}'>{escape(share.name)}</td>"
                f"<td style='{cell}' align='right'>{format_gbp(share.amount)}</td>"
                f"<td style='{cell};{muted}' align='right'>{percent:.1f} %</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h4 style='margin-bottom:2px'>History</h4>")
    parts.extend(f"<p style='margin:2px 0'>{escape(line)}</p>" for line in reversed(d.history))
    return "".join(parts)
