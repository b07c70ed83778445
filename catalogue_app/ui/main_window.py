"""The main window: menus, search box, products table, status bar."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from catalogue_app import APP_NAME, __version__
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.services.database import Database
from catalogue_app.ui.products_model import ProductTableModel
from catalogue_app.ui.resources import app_icon

SEARCH_DELAY_MS = 120


class MainWindow(QMainWindow):
    search_changed = Signal(str)

    def __init__(self, db: Database, settings: QSettings | None = None) -> None:
        super().__init__()
        self._db = db
        self._settings = settings or QSettings()
        self.setWindowTitle(f"{APP_NAME} — {db.description}")
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")

        self.model = ProductTableModel(CatalogueService(db), self)
        self._build_central()
        self._build_actions()
        self._build_status_bar()
        self._restore_state()
        self._update_counts()
        self.search_box.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- construction --------------------------------------------------------------------
    def _build_central(self) -> None:
        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText(
            "Search products by name, code, supplier, tag…  (Ctrl+F)"
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search products")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())

        self.table = QTableView()
        self.table.setObjectName("productsTable")
        self.table.setAccessibleName("Products")
        self.table.setModel(self.model)
        # Sorting is done in SQL by the model; the view only shows the indicator.
        # (setSortingEnabled would sort at once, by the first column, descending.)
        header = self.table.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(self._sort_requested)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((130, 320, 220, 240, 90, 150, 100)):
            self.table.setColumnWidth(column, width)

        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.table)
        self._stack.addWidget(self.empty_label)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)
        layout.addWidget(self.search_box)
        layout.addWidget(self._stack, 1)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        self.copy_action = QAction("&Copy rows", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.triggered.connect(self.copy_selection)
        edit_menu.addAction(self.copy_action)
        find_action = QAction("&Find…", self)
        find_action.setShortcut(QKeySequence.StandardKey.Find)
        find_action.triggered.connect(self.focus_search)
        edit_menu.addAction(find_action)

        view_menu = self.menuBar().addMenu("&View")
        refresh = QAction("&Refresh", self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh)
        view_menu.addAction(refresh)

        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = QAction(f"&About {APP_NAME}", self)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

        clear = QAction(self)
        clear.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear.triggered.connect(self.search_box.clear)
        self.search_box.addAction(clear)

    def _build_status_bar(self) -> None:
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Result count")
        self.database_label = QLabel(f"Database: {self._db.description}")
        self.database_label.setAccessibleName("Database in use")
        self.statusBar().addWidget(self.count_label, 1)
        self.statusBar().addPermanentWidget(self.database_label)

    # -- behaviour -------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def _apply_search(self) -> None:
        text = self.search_box.text()
        q = self.model.query
        try:
            self.model.set_query(ProductQuery(text, q.status, q.category, q.sort, q.descending))
        except CatalogueError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self._update_counts()
        self.search_changed.emit(text)

    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        try:
            self.model.sort(column, order)
        except CatalogueError as exc:
            self.statusBar().showMessage(str(exc), 8000)

    def refresh(self) -> None:
        try:
            self.model.reload()
        except CatalogueError as exc:
            QMessageBox.warning(self, APP_NAME, str(exc))
        self._update_counts()

    def _update_counts(self) -> None:
        shown = self.model.total
        text = self.search_box.text().strip()
        self.count_label.setText(f"{shown:,} product{'s' if shown != 1 else ''}")
        if shown == 0:
            if text:
                self.empty_label.setText(
                    f"No products match “{text}”.\nPress Esc to clear the search."
                )
            else:
                self.empty_label.setText(
                    "The catalogue is empty.\nRun “catalogue-app db seed” to load the reference "
                    "catalogue."
                )
            self._stack.setCurrentWidget(self.empty_label)
        else:
            self._stack.setCurrentWidget(self.table)

    def copy_selection(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedIndexes()})
        if not rows:
            return
        header = self.table.horizontalHeader()
        columns = [header.logicalIndex(v) for v in range(header.count())]
        columns = [c for c in columns if not header.isSectionHidden(c)]
        lines = [
            "\t".join(str(self.model.headerData(c, Qt.Orientation.Horizontal)) for c in columns)
        ]
        for r in rows:
            lines.append("\t".join(str(self.model.index(r, c).data() or "") for c in columns))
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        self.statusBar().showMessage(f"Copied {len(rows)} row{'s' if len(rows) != 1 else ''}", 4000)

    def about_text(self) -> str:
        return (
            f"<h3>{APP_NAME}</h3>"
            f"<p>Version {__version__}</p>"
            f"<p>Database: {_escape(self._db.description)} ({self._db.backend})</p>"
            "<p>Champion products, framework agreements and call-offs for UK police forces. "
            "Reference prices and the demo purchase history are illustrative.</p>"
        )

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", self.about_text())

    # -- window state -------------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self._settings.value("mainWindow/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 780)
        header_state = self._settings.value("mainWindow/productsHeader")
        if isinstance(header_state, QByteArray | bytes) and header_state:
            self.table.horizontalHeader().restoreState(header_state)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.setValue("mainWindow/geometry", self.saveGeometry())
        self._settings.setValue(
            "mainWindow/productsHeader", self.table.horizontalHeader().saveState()
        )
        self._settings.sync()
        super().closeEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
