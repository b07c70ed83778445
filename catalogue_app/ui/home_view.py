"""Home: a buyer's spend, savings against target, renewals, supplier dependency and champion
adoption, for a period, at a glance.

Every figure is read on a worker (:class:`~catalogue_app.services.dashboard.DashboardService`)
and Home reads again when a change notice touches what it shows. The charts need
pyqtgraph, which takes a fifth of a second to import: numpy is imported on a worker and
pyqtgraph on the GUI thread once that is done; the key figures show as soon as they are read. Home
reads in two halves (the key figures and year charts, then renewals, suppliers and the map)
and makes and draws its charts one per turn of the event loop, so the window keeps answering.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from functools import partial
from types import ModuleType
from typing import Any

from PySide6.QtCore import QDate, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.periods import FinancialYear
from catalogue_app.domain.pricing import add_months
from catalogue_app.services.changes import CatalogueChanged, Change, LedgerChanged
from catalogue_app.services.dashboard import (
    HORIZON_MONTHS,
    Dashboard,
    DashboardService,
    Figure,
    Panels,
    SupplierShare,
    financial_year_presets,
    period_label,
)
from catalogue_app.services.ledger import LedgerFilter, protected_files
from catalogue_app.ui.context import Buyers, UiContext
from catalogue_app.ui.ops import QueryOp
from catalogue_app.ui.products_model import Column, ListTableModel
from catalogue_app.ui.settings import HOME_BUYER, HOME_CHAMPION, HOME_PERIOD, Settings
from catalogue_app.ui.views import CatalogueView
from catalogue_app.ui.widgets import RecordTable

CHOOSE_DATES = "Choose dates…"
DEFAULT_BUYER = "ecis"

SUPPLIER_COLUMNS = [
    Column("name", "Supplier", width=200),
    Column("spend", "Spend", width=110),
    Column("share", "Share", width=70, shown_as=lambda v: f"{v:.1f} %"),
]


# Plain Python modules (no Qt) that importing pyqtgraph and the charts loads
PLAIN_MODULES = (
    "numpy",
    "xml.etree.ElementTree",
    "multiprocessing",
    "cProfile",
    "pydoc",
    "subprocess",
    "importlib.resources",
    "catalogue_app.ui.charts.theme",
)
# The Qt modules pyqtgraph imports besides those the app has loaded, and how many of the
# Qt classes it copies to make in one turn of the event loop
QT_EXTRA_MODULES = ("PySide6.QtSvg", "PySide6.QtOpenGLWidgets", "PySide6.QtTest")
QT_NAMES_PER_TURN = 40


def _qt_warming_steps() -> list[tuple[str, Callable[[], None]]]:
    """Steps that load the Qt modules pyqtgraph imports and make, a few dozen at a time,
    the Qt classes it copies from QtCore, QtGui and QtWidgets (each is made on first use)."""

    def load(name: str) -> None:
        try:
            importlib.import_module(name)
        except ImportError:  # pyqtgraph does without it
            return

    def touch(module: ModuleType, names: list[str]) -> None:
        for name in names:
            getattr(module, name, None)

    steps: list[tuple[str, Callable[[], None]]] = [
        (f"load {name}", partial(load, name)) for name in QT_EXTRA_MODULES
    ]
    for module_name in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"):
        module = importlib.import_module(module_name)
        names = dir(module)
        for n in range(0, len(names), QT_NAMES_PER_TURN):
            chunk = names[n : n + QT_NAMES_PER_TURN]
            steps.append((f"make {module_name} {n}", partial(touch, module, chunk)))
    return steps


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


class FigureTile(QFrame):
    """One key figure and its change against the previous period."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setObjectName("figureTile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(title)
        self.title = QLabel(title)
        self.title.setObjectName("figureTitle")
        self.value = QLabel("…")
        self.value.setObjectName("figureValue")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.change = QLabel("")
        self.change.setObjectName("figureChange")
        self.change.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.change)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_figure(self, figure: Figure, previous: str, theme: ModuleType | None) -> None:
        if figure.kind == "money":
            text, before = format_gbp(figure.value), format_gbp(figure.previous)
        elif figure.kind == "percent":
            text, before = f"{figure.value:.1f} %", f"{figure.previous:.1f} %"
        else:
            text, before = f"{int(figure.value):,}", f"{int(figure.previous):,}"
        self.value.setText(text)
        change = theme.change_text(figure.change, figure.kind) if theme else ""
        self.change.setText(f"{change} against {previous} ({before})" if change else "")
        self.setToolTip(f"{figure.label}: {text}; {previous}: {before}")


class Panel(QFrame):
    """A titled box on Home holding one chart."""

    def __init__(self, title: str, note: str = "") -> None:
        super().__init__()
        self.setObjectName("homePanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel(f"<b>{title}</b>")
        self.note = QLabel(note)
        self.note.setWordWrap(True)
        self.note.setObjectName("panelNote")
        self.body = QStackedWidget()
        self.waiting = QLabel("Drawing…")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting.setWordWrap(True)
        self.body.addWidget(self.waiting)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setObjectName("panelLegend")
        self.legend.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self.note)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.legend)

    def show_message(self, text: str) -> None:
        self.waiting.setText(text)
        self.body.setCurrentWidget(self.waiting)

    def show_chart(self, chart: QWidget) -> None:
        if self.body.indexOf(chart) < 0:
            self.body.addWidget(chart)
        self.body.setCurrentWidget(chart)


class HomeView(CatalogueView):
    title = "Home"
    purchases_requested = Signal(object)  # LedgerFilter
    framework_requested = Signal(str)  # framework reference
    targets_requested = Signal(str)  # buyer code

    def __init__(self, ctx: UiContext, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(settings, parent)
        self.setObjectName("homeView")
        self.ctx = ctx
        self.service = DashboardService(ctx.db)
        self.board: Dashboard | None = None
        self.loaded = False  # figures shown for the buyer and period chosen
        self.drawn = False  # and every chart drawn
        self._panels: Panels | None = None  # the slower half, once read
        self._steps: dict[str, Callable[[], None]] = {}  # drawing still to do, in order
        self.plots: ModuleType | None = None
        self.tilemap: ModuleType | None = None
        self.theme: ModuleType | None = None
        self._stale = False

        self.buyer = QComboBox()
        self.buyer.setAccessibleName("Buyer")
        self.buyer.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.buyer.setMinimumContentsLength(22)
        self.period = QComboBox()
        self.period.setAccessibleName("Period")
        today = ctx.app.today()
        self._presets = financial_year_presets(today)
        for label, start, end in self._presets:
            self.period.addItem(label, (start, end))
        self.period.addItem(CHOOSE_DATES, None)
        self.start = QDateEdit()
        self.end = QDateEdit()
        for edit, name in ((self.start, "Period start"), (self.end, "Period end")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
        self.dates = QWidget()
        dates = QHBoxLayout(self.dates)
        dates.setContentsMargins(0, 0, 0, 0)
        dates.addWidget(self.start)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.end)
        self.targets_button = QPushButton("Savings targets…")
        self.targets_button.clicked.connect(lambda: self.targets_requested.emit(self.buyer_code()))
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Buyer"))
        bar.addWidget(self.buyer, 2)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Period"))
        bar.addWidget(self.period)
        bar.addWidget(self.dates)
        bar.addStretch(1)
        bar.addWidget(self.targets_button)

        self.tiles = [
            FigureTile(t)
            for t in ("Spend", "Savings realised", "Share through frameworks", "Purchases")
        ]
        tiles = QHBoxLayout()
        for tile in self.tiles:
            tiles.addWidget(tile)

        self.spend_panel = Panel(
            "Spend by financial year", "By category: the eight largest, then the rest."
        )
        self.savings_panel = Panel("Savings against target")
        self.renewal_panel = Panel(
            "Renewal horizon",
            f"Frameworks bought through that end in the next {HORIZON_MONTHS} months: the "
            "term left, extension options (light) and routes that have ended (red).",
        )
        self.supplier_panel = Panel("Supplier concentration")
        self.adoption_panel = Panel("Champion adoption across forces")
        self.champion = QComboBox()
        self.champion.setAccessibleName("Champion product")
        self.champion.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.champion.setMinimumContentsLength(28)
        self.champion.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.champion.installEventFilter(self)  # the wheel scrolls the page, not the choice
        chooser = QHBoxLayout()
        chooser.addWidget(QLabel("Champion product"))
        chooser.addWidget(self.champion)
        chooser.addStretch(1)
        self.adoption_panel.layout().insertLayout(1, chooser)  # type: ignore[union-attr]

        self.suppliers = ListTableModel(
            SUPPLIER_COLUMNS, list, self, autoload=False, key=lambda r: r.code
        )
        self._table = RecordTable("Top suppliers", [c.width for c in SUPPLIER_COLUMNS])
        self._table.setModel(self.suppliers)
        self._table.setMinimumHeight(150)
        self._table.doubleClicked.connect(lambda i: self._supplier_chosen(i.row()))
        self._table.details_requested.connect(
            lambda: self._supplier_chosen(self._table.currentIndex().row())
        )
        self.supplier_panel.show_chart(self._table)
        self.dependencies = QLabel()
        self.dependencies.setWordWrap(True)
        self.dependencies.setObjectName("dependencies")
        self.dependencies.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.supplier_panel.layout().addWidget(self.dependencies)  # type: ignore[union-attr]

        self.grid = QGridLayout()
        self.grid.setSpacing(10)
        self._columns = 0
        self._arrange(2)
        page = QWidget()
        page.setObjectName("homePage")
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 4, 0)
        page_layout.addLayout(tiles)
        page_layout.addLayout(self.grid, 1)
        self.page_scroll = QScrollArea()
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.page_scroll.setWidget(page)
        self.page_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.page_scroll, 1)

        self._restore_choices(today)
        self.buyer.currentIndexChanged.connect(lambda _i: self._buyer_changed())
        self.period.currentIndexChanged.connect(lambda _i: self._period_changed())
        self.start.dateChanged.connect(lambda _d: self.load())
        self.end.dateChanged.connect(lambda _d: self.load())
        self.champion.activated.connect(lambda _i: self._champion_changed())
        ctx.buyers.when_ready(self._fill_buyers)
        ctx.buyers.loaded.connect(self._fill_buyers)
        ctx.hub.changed.connect(self._changed)
        self._charts_requested = False  # pyqtgraph loads when Home is first shown

    # -- layout -------------------------------------------------------------------------------
    def _arrange(self, columns: int) -> None:
        """Three columns on a wide screen (the tile map beside the charts), else two."""
        if columns == self._columns:
            return
        self._columns = columns
        for panel in (
            self.spend_panel,
            self.savings_panel,
            self.renewal_panel,
            self.supplier_panel,
            self.adoption_panel,
        ):
            self.grid.removeWidget(panel)
        grid = self.grid
        grid.addWidget(self.spend_panel, 0, 0)
        grid.addWidget(self.savings_panel, 0, 1)
        grid.addWidget(self.renewal_panel, 1, 0)
        grid.addWidget(self.supplier_panel, 1, 1)
        if columns == 3:
            grid.addWidget(self.adoption_panel, 0, 2, 2, 1)
        else:
            grid.addWidget(self.adoption_panel, 2, 0, 1, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1 if column < columns else 0)
        for row in range(3):
            grid.setRowMinimumHeight(row, 0 if row == 2 and columns == 3 else 300)
            grid.setRowStretch(row, 0 if row == 2 and columns == 3 else 1)

    def resizeEvent(self, event: Any) -> None:
        self._arrange(3 if event.size().width() >= 1350 else 2)
        super().resizeEvent(event)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if event.type() == QEvent.Type.Wheel and not watched.hasFocus():
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    # -- choices ------------------------------------------------------------------------------
    def _restore_choices(self, today: date) -> None:
        wanted = self._settings.get(HOME_PERIOD)
        index = self.period.findText(wanted) if wanted else -1
        if index < 0:  # the latest whole financial year, as a briefing chooses by default
            index = 1 if len(self._presets) > 1 else 0
        fy = FinancialYear.containing(today)
        self.start.setDate(QDate(fy.start.year, fy.start.month, fy.start.day))
        self.end.setDate(QDate(today.year, today.month, today.day))
        self.period.setCurrentIndex(index)
        self.dates.setVisible(self.period.currentData() is None)

    def _fill_buyers(self, buyers: Buyers) -> None:
        current = self.buyer.currentData() or self._settings.get(HOME_BUYER) or DEFAULT_BUYER
        buyers.fill(self.buyer)
        self.buyer.blockSignals(True)
        self.buyer.setCurrentIndex(max(0, self.buyer.findData(current)))
        self.buyer.blockSignals(False)
        if self.isVisible():
            self.load()

    def buyer_code(self) -> str:
        return str(self.buyer.currentData() or "")

    def chosen_period(self) -> tuple[date, date]:
        preset = self.period.currentData()
        if preset is not None:
            first, last = preset
            return first, last
        first, last = self.start.date().toPython(), self.end.date().toPython()
        assert isinstance(first, date) and isinstance(last, date)
        return first, last

    def _buyer_changed(self) -> None:
        self._settings.set(HOME_BUYER, self.buyer_code())
        self.load()

    def _period_changed(self) -> None:
        custom = self.period.currentData() is None
        self.dates.setVisible(custom)
        self._settings.set(HOME_PERIOD, "" if custom else self.period.currentText())
        self.load()

    def _champion_changed(self) -> None:
        code = self.champion.currentData()
        self._settings.set(HOME_CHAMPION, code or "")
        buyer, (start, end) = self.buyer_code(), self.chosen_period()
        service = self.service
        QueryOp(
            self,
            lambda: service.adoption(buyer, start, end, code),
            kind="home-adoption",
            doing="reading champion adoption",
        ).success(self._show_adoption).failure(self._report_error).run_in_background()

    # -- reading ------------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        if (not self.loaded or self._stale) and self.buyer_code():
            self.load()
        if not self._charts_requested:
            # after the key figures' read has started: a window opened on another view
            # never loads pyqtgraph at start
            self._charts_requested = True
            self._import_charts()
        super().showEvent(event)

    def refresh(self) -> None:
        if self.isVisible() or self.loaded:
            self.load()

    def load(self) -> None:
        """Read the buyer and period on workers, in two halves so the quick one shows first:
        the key figures and the two year charts, then renewals, suppliers and the map. A
        newer read wins."""
        buyer = self.buyer_code()
        if not buyer:
            return
        start, end = self.chosen_period()
        if end < start:
            self.status_changed.emit("The period ends before it starts; choose the dates again.")
            return
        self._stale = False
        self.drawn = False
        self._panels = None
        service, today = self.service, self.ctx.app.today()
        champion = self.champion.currentData() or self._settings.get(HOME_CHAMPION) or None
        self.status_changed.emit(self.status_text())
        QueryOp(
            self,
            lambda: service.overview(buyer, start, end, today=today),
            kind="home",
            doing="reading the dashboard",
        ).success(self._show).failure(self._report_error).run_in_background()
        QueryOp(
            self,
            lambda: service.panels(buyer, start, end, today=today, champion=champion),
            kind="home-panels",
            doing="reading renewals, suppliers and champion adoption",
        ).success(self._panels_read).failure(self._report_error).run_in_background()

    def _changed(self, change: Change) -> None:
        board = self.board
        if board is None:
            return
        if isinstance(change, LedgerChanged):
            # the buyer's figures, or the tile map of the champion shown
            product = board.adoption.product_code if board.adoption else None
            if not change.touches_buyer(board.buyer_code) and not change.touches_product(product):
                return
        elif not isinstance(change, CatalogueChanged):  # a kind of notice still to come
            return  # type: ignore[unreachable]
        if self.isVisible():
            self.load()
        else:
            self._stale = True

    def status_text(self) -> str:
        if self.board is None or not self.loaded:
            return "Reading the dashboard…"
        return f"{self.board.buyer_name}, {period_label(self.board.start, self.board.end)}"

    # -- showing ------------------------------------------------------------------------------
    def _show(self, board: Dashboard) -> None:
        self.board = board
        self.loaded = True
        previous = board.previous_label
        for tile, figure in zip(self.tiles, board.figures, strict=True):
            tile.show_figure(figure, previous, self.theme)
        self.status_changed.emit(self.status_text())
        if self._panels is not None and board.matches(self._panels):
            board.with_panels(self._panels)
        self._redraw()

    def _panels_read(self, panels: Panels) -> None:
        self._panels = panels
        board = self.board
        if board is not None and board.matches(panels):
            board.with_panels(panels)
            self._redraw()

    def _redraw(self) -> None:
        """Draw what has been read, one chart per turn of the event loop, so that the window
        answers between them."""
        board = self.board
        if board is None or self.plots is None:
            return
        self._queue("spend", self._draw_spend)
        self._queue("savings", self._draw_savings)
        if self._panels is not None and board.matches(self._panels):
            self._queue("suppliers", self._draw_suppliers)
            self._queue("renewals", self._draw_renewals)
            self._queue("adoption", self._draw_adoption)
            self._queue("drawn", self._finished)

    def _queue(self, name: str, step: Callable[[], None]) -> None:
        self._steps.pop(name, None)  # a step queued for an older read runs once, for this one
        self._steps[name] = step
        if len(self._steps) == 1:
            QTimer.singleShot(0, self, self._next_step)

    def _next_step(self) -> None:
        if not self._steps:
            return
        name = next(iter(self._steps))
        self._steps.pop(name)()
        if self._steps:
            QTimer.singleShot(0, self, self._next_step)

    def _finished(self) -> None:
        self.drawn = self.board is not None and self.board.adoption is not None
        self.status_changed.emit(self.status_text())

    def _draw_suppliers(self) -> None:
        board = self.board
        c = board.concentration if board is not None else None
        if board is None or c is None:
            return
        self.suppliers.set_rows(c.top)
        self.supplier_panel.note.setText(
            f"The top {len(c.top)} suppliers had {c.top_share:.1f} % of {format_gbp(c.spend)}. "
            f"Herfindahl–Hirschman index {c.hhi:,} ({c.hhi_label})."
            if c.top
            else f"No purchases in {board.period_label}."
        )
        several = f"{c.dependent_forces} or more forces"
        if c.dependencies:
            listed = "".join(
                f"<li>{d.supplier} — {d.category}: {len(d.forces)} forces</li>"
                for d in c.dependencies[:6]
            )
            more = len(c.dependencies) - 6
            tail = f"<p>and {more} more.</p>" if more > 0 else ""
            self.dependencies.setText(
                f"<b>Dependency</b>: suppliers with at least half of the spend of {several} "
                f"on one category<ul style='margin:2px 0 0 -20px'>{listed}</ul>{tail}"
            )
            self.dependencies.setToolTip(
                "\n".join(
                    f"{d.supplier} — {d.category}: {', '.join(d.forces)}" for d in c.dependencies
                )
            )
        else:
            self.dependencies.setText(
                f"<b>Dependency</b>: no supplier has at least half of the spend of {several} "
                "on one category."
            )
            self.dependencies.setToolTip("")

    def _import_charts(self) -> None:
        """numpy and the other plain Python modules pyqtgraph needs are imported on a worker;
        pyqtgraph itself only on the GUI thread, because importing it copies Qt's classes,
        and PySide6 makes those on first use in a way that is not safe while the GUI thread
        uses Qt (importing it on a worker crashed the app). Made all at once, those classes
        hold the GUI thread for a fifth of a second: they are made a few dozen per turn of
        the event loop first (:func:`_qt_warming_steps`), so the import finds them made."""

        def load_plain_modules() -> None:
            for name in PLAIN_MODULES:
                importlib.import_module(name)

        def load_charts() -> None:
            self._charts_ready(
                (
                    importlib.import_module("catalogue_app.ui.charts.plots"),
                    importlib.import_module("catalogue_app.ui.charts.tilemap"),
                    importlib.import_module("catalogue_app.ui.charts.theme"),
                )
            )

        def warm(_: object) -> None:
            for name, step in _qt_warming_steps():
                self._queue(name, step)
            self._queue("import charts", load_charts)

        QueryOp(self, load_plain_modules, kind="charts", doing="loading the charts").success(
            warm
        ).run_in_background()

    def _charts_ready(self, modules: tuple[ModuleType, ModuleType, ModuleType]) -> None:
        """Make the charts one per turn of the event loop (each takes tens of
        milliseconds), then draw what has been read."""
        from catalogue_app.ui.charts.saving import offer_save_image

        self.plots, self.tilemap, self.theme = modules
        plots, tilemap = self.plots, self.tilemap
        protected = protected_files(self.ctx.db)

        def made(chart: QWidget, what: str) -> None:
            offer_save_image(chart, self._settings, protected, partial(self._file_stem, what))

        def spend() -> None:
            self.spend_chart = plots.SpendChart()
            self.spend_chart.segment_clicked.connect(self._segment_clicked)
            made(self.spend_chart, "spend by year")

        def savings() -> None:
            self.savings_chart = plots.SavingsChart()
            self.savings_chart.month_clicked.connect(self._month_clicked)
            made(self.savings_chart, "savings against target")

        def renewals() -> None:
            self.renewal_chart = plots.RenewalChart()
            self.renewal_chart.framework_clicked.connect(self.framework_requested)
            made(self.renewal_chart, "renewal horizon")

        def champion_map() -> None:
            self.map = tilemap.TileMap()
            self.map.force_clicked.connect(self._force_clicked)
            made(self.map, "champion adoption")

        def ready() -> None:
            if self.board is not None:
                for tile, figure in zip(self.tiles, self.board.figures, strict=True):
                    tile.show_figure(figure, self.board.previous_label, self.theme)
            self._redraw()

        for name, step in (
            ("make spend", spend),
            ("make savings", savings),
            ("make renewals", renewals),
            ("make map", champion_map),
            ("charts made", ready),
        ):
            self._queue(name, step)

    def _file_stem(self, what: str) -> str:
        board = self.board
        if board is None:
            return what
        return f"{what} {board.buyer_code} {board.period_label.replace('/', '-')}"

    def _draw_spend(self) -> None:
        board = self.board
        if board is None or board.spend_by_year is None or self.plots is None:
            return
        self.spend_chart.show_data(board.spend_by_year)
        self.spend_panel.show_chart(self.spend_chart)
        colours = self.spend_chart.colours()
        self.spend_panel.legend.setText(
            self.plots.legend_html(
                [(c, b.label) for c, b in zip(colours, board.spend_by_year.bands, strict=True)]
            )
        )
        self.spend_panel.legend.setVisible(bool(board.spend_by_year.bands))
        if not any(any(row) for row in board.spend_by_year.spend):
            self.spend_panel.show_message(f"{board.buyer_name} has no purchases in these years.")

    def _draw_savings(self) -> None:
        board = self.board
        savings = board.savings if board is not None else None
        if savings is None or self.plots is None:
            return
        target = savings.target
        if target is None:
            self.savings_panel.note.setText("")
            self.savings_panel.show_message(
                f"{savings.message}\nAdd one with Savings targets… above."
            )
            self.savings_panel.legend.hide()
            return
        note = (
            f"{target.description or 'Savings target'} — {format_gbp(target.amount)}"
            f"{' to ' + format_gbp(target.upper) if target.upper else ''} from "
            f"{_day(target.start)} to {_day(target.end)}: {format_gbp(target.realised)} "
            f"realised ({target.percent} %) to {_day(target.counted_to)}."
        )
        if savings.others:
            plural = "s overlap" if savings.others > 1 else " overlaps"
            note += f" {savings.others} earlier target{plural} the period too."
        self.savings_panel.note.setText(note)
        self.savings_panel.note.setToolTip(f"Source: {target.source}" if target.source else "")
        self.savings_chart.show_data(savings)
        self.savings_panel.show_chart(self.savings_chart)
        theme = self.theme
        assert theme is not None
        self.savings_panel.legend.setText(
            self.plots.legend_html(
                [
                    (theme.ACCENT_HEX, "savings realised (cumulative)"),
                    (theme.TARGET_HEX, "target trajectory and amount"),
                ]
            )
        )
        self.savings_panel.legend.show()

    def _draw_renewals(self) -> None:
        board = self.board
        if board is None:
            return
        horizon = add_months(board.today, HORIZON_MONTHS)
        if board.renewals:
            self.renewal_chart.show_data(board.renewals, board.today, horizon)
            self.renewal_panel.show_chart(self.renewal_chart)
        else:
            self.renewal_panel.show_message(
                f"None of the frameworks {board.buyer_name} has bought through ends by "
                f"{_day(horizon)}."
            )

    def _draw_adoption(self) -> None:
        if self.board is not None:
            self._show_adoption(self.board.adoption)

    def _show_adoption(self, adoption: Any) -> None:
        board = self.board
        if adoption is None or board is None or self.tilemap is None:
            return
        board.adoption = adoption
        self.champion.blockSignals(True)
        self.champion.clear()
        for code, name in adoption.champions:
            self.champion.addItem(name, code)
        self.champion.setCurrentIndex(max(0, self.champion.findData(adoption.product_code)))
        self.champion.blockSignals(False)
        if adoption.product_code is None:
            self.adoption_panel.show_message("The catalogue has no champion products.")
            return
        period = board.period_label
        self.map.show_data(adoption, period)
        self.adoption_panel.show_chart(self.map)
        self.adoption_panel.note.setText(
            f"{adoption.adopted} of {len(adoption.forces)} forces had adopted "
            f"{adoption.product_name} by {_day(board.end)}. Hover a force for its figure; "
            "click it for its purchases."
        )
        assert self.plots is not None
        self.adoption_panel.legend.setText(self.plots.legend_html(self.tilemap.legend(period)))
        self.adoption_panel.legend.show()

    # -- ways in ------------------------------------------------------------------------------
    def _segment_clicked(self, start_year: int, category: str | None) -> None:
        board = self.board
        if board is None:
            return
        fy = FinancialYear(start_year)
        self.purchases_requested.emit(
            LedgerFilter(buyer=board.buyer_code, start=fy.start, end=fy.end, category=category)
        )

    def _month_clicked(self, month_end: date) -> None:
        board = self.board
        if board is None or board.savings is None or board.savings.target is None:
            return
        self.purchases_requested.emit(
            LedgerFilter(buyer=board.buyer_code, start=month_end.replace(day=1), end=month_end)
        )

    def _force_clicked(self, code: str) -> None:
        board = self.board
        if board is None:
            return
        product = board.adoption.product_code if board.adoption else None
        self.purchases_requested.emit(
            LedgerFilter(buyer=code, start=board.start, end=board.end, product=product)
        )

    def _supplier_chosen(self, row: int) -> None:
        board, record = self.board, self.suppliers.row_at(row)
        if board is None or not isinstance(record, SupplierShare):
            return
        self.purchases_requested.emit(
            LedgerFilter(
                buyer=board.buyer_code, start=board.start, end=board.end, supplier=record.code
            )
        )
