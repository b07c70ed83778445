"""The main window: a sidebar of views and saved searches, menus, status bar.

Nothing here reads or writes the database: views read in query ops, and the
purchase actions are the command ops of :mod:`catalogue_app.ui.operations.purchases`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from catalogue_app import APP_NAME, __version__
from catalogue_app.domain.enums import PurchaseStatus
from catalogue_app.domain.money import format_gbp
from catalogue_app.services.bundles import MergeReport, OfflineStatus
from catalogue_app.services.changes import Change, LedgerChanged
from catalogue_app.services.database import Database, SeedReport
from catalogue_app.services.ledger import (
    ImportRejected,
    ImportReport,
    LedgerFilter,
    RecordedPurchase,
    StoredPurchase,
)
from catalogue_app.services.notices import ImportSummary
from catalogue_app.services.server import LoginProfile, login_profile
from catalogue_app.ui.bundle_dialogs import (
    BUNDLE_FILTER,
    MergeDialog,
    TakeOfflineDialog,
    day_text,
    merged_sentence,
)
from catalogue_app.ui.catalogue_editing import RECORD_PURCHASE_KEYS, CatalogueEditing
from catalogue_app.ui.conflicts_view import ConflictsView
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.errors import show_failure
from catalogue_app.ui.files import ask_open_path, ask_save_path, file_name, period_slug
from catalogue_app.ui.first_run import (
    FirstRunDialog,
    add_demonstration_data,
    remove_demonstration_data,
)
from catalogue_app.ui.help import GettingStartedDialog, ShortcutsDialog
from catalogue_app.ui.home_view import HomeView
from catalogue_app.ui.notices_view import NoticesView
from catalogue_app.ui.operations import bundles as bundle_ops
from catalogue_app.ui.operations import notices as notice_ops
from catalogue_app.ui.operations import purchases as purchase_ops
from catalogue_app.ui.operations.purchases import Edited
from catalogue_app.ui.ops import ChangeHub, CommandOp, QueryOp
from catalogue_app.ui.purchase_dialog import PurchaseDialog
from catalogue_app.ui.purchases_view import PurchasesView
from catalogue_app.ui.resources import app_icon
from catalogue_app.ui.settings import (
    GETTING_STARTED_SHOWN,
    WINDOW_GEOMETRY,
    WINDOW_SPLITTER,
    WINDOW_VIEW,
    Settings,
)
from catalogue_app.ui.targets_dialog import TargetsDialog
from catalogue_app.ui.undo import EditCommand, RecordCommand, VoidCommand
from catalogue_app.ui.views import (
    CatalogueView,
    FrameworksView,
    ListView,
    ProductsView,
    buyers_view,
    suppliers_view,
)
from catalogue_app.ui.widgets import SavedSearches

if TYPE_CHECKING:  # the report dialogs load reportlab: imported when first opened
    from catalogue_app.ui.briefing_dialog import BriefingDialog
    from catalogue_app.ui.compare_dialog import CompareDialog


class MainWindow(QMainWindow):
    def __init__(self, db: Database, settings: QSettings | None = None) -> None:
        super().__init__()
        self._db = db
        self._settings = Settings(settings)
        self.hub = ChangeHub(self)
        self.ctx = UiContext(db, self.hub)
        self.saved = SavedSearches(self._settings)
        self.has_demo_data = False  # known once the first check has come back
        self.login: LoginProfile | None = None  # on a shared server, once the server has said
        self._update_title()
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")

        self.products = ProductsView(self.ctx, self._settings)
        self.frameworks = FrameworksView(self.ctx, self._settings)
        self.buyers = buyers_view(self.ctx, self._settings)
        self.purchases = PurchasesView(self.ctx, self._settings)
        self.home = HomeView(self.ctx, self._settings)
        self.notices = NoticesView(self.ctx, self._settings)
        self.conflicts = ConflictsView(self.ctx, self._settings)
        self.views: list[CatalogueView] = [
            self.home,  # Ctrl+0; the other views keep Ctrl+1 onwards
            self.products,
            self.frameworks,
            suppliers_view(self.ctx, self._settings),
            self.buyers,
            self.purchases,
            self.notices,  # Ctrl+6
            self.conflicts,  # Ctrl+7
        ]
        self.comparison: list[str] = []  # product codes chosen for comparison
        # the window's modeless dialogs, one of each at a time
        self._briefing_dialog: BriefingDialog | None = None
        self._compare_dialog: CompareDialog | None = None
        self._shortcuts_dialog: ShortcutsDialog | None = None
        self._getting_started: GettingStartedDialog | None = None
        self._targets_dialog: TargetsDialog | None = None
        self._offline_dialog: TakeOfflineDialog | None = None
        self._merge_dialog: MergeDialog | None = None
        self.undo_stack = QUndoStack(self)
        self.purchases.edit_requested.connect(self.edit_purchase)
        self.purchases.void_requested.connect(self.void_purchase)
        self.home.purchases_requested.connect(self.open_purchases)
        self.home.framework_requested.connect(self.open_framework)
        self.home.targets_requested.connect(self.edit_targets)
        self.notices.record_requested.connect(self.open_notice_record)
        self.conflicts.resolved.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self._build_layout()
        self._build_actions()
        self._build_toolbar()
        self._build_status_bar()
        for view in self.views:
            view.status_changed.connect(self._view_status)
            view.restore_state()
        self._restore_state()
        self.products.search_box.setFocus(Qt.FocusReason.OtherFocusReason)
        self.hub.changed.connect(self._changed)
        self.check_demo_data()
        self.check_login()
        self.check_offline_copy()
        self.check_integrity()

    # -- compatibility with the simple shell's names -------------------------------------------
    @property
    def model(self):  # type: ignore[no-untyped-def]
        return self.products.model

    @property
    def table(self):  # type: ignore[no-untyped-def]
        return self.products.table

    @property
    def search_box(self):  # type: ignore[no-untyped-def]
        return self.products.search_box

    # -- construction ------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Views")
        for n, view in enumerate(self.views):
            item = QListWidgetItem(view.title)
            item.setToolTip(f"{view.title} (Ctrl+{n})")
            self.sidebar.addItem(item)
        self.sidebar.setMaximumHeight(self.sidebar.sizeHintForRow(0) * len(self.views) + 8)
        self.sidebar.setMinimumWidth(120)
        self.saved_list = QListWidget()
        self.saved_list.setObjectName("savedSearches")
        self.saved_list.setAccessibleName("Saved searches")
        self.saved_list.itemActivated.connect(lambda item: self.recall_search(item.text()))
        self.saved_list.itemClicked.connect(lambda item: self.recall_search(item.text()))
        saved_title = QLabel("Saved searches")
        saved_title.setObjectName("sidebarTitle")

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.sidebar)
        side_layout.addSpacing(8)
        side_layout.addWidget(saved_title)
        side_layout.addWidget(self.saved_list, 1)

        self.stack = QStackedWidget()
        for view in self.views:
            self.stack.addWidget(view)
        self.sidebar.currentRowChanged.connect(self.show_view)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setChildrenCollapsible(False)
        self.main_splitter.addWidget(side)
        self.main_splitter.addWidget(self.stack)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([150, 1300])
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.main_splitter)
        self.setCentralWidget(central)
        self._refresh_saved()

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.import_action = QAction("&Import purchases…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(lambda: self.import_purchases())
        file_menu.addAction(self.import_action)
        self.import_notices_action = QAction("Import &notices…", self)
        self.import_notices_action.triggered.connect(lambda: self.import_notices())
        file_menu.addAction(self.import_notices_action)
        self.export_action = QAction("&Export purchases shown…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_action.triggered.connect(lambda: self.export_purchases())
        file_menu.addAction(self.export_action)
        self.briefing_action = QAction("Export &briefing…", self)
        self.briefing_action.setShortcut(QKeySequence("Ctrl+B"))
        self.briefing_action.triggered.connect(lambda: self.export_briefing())
        file_menu.addAction(self.briefing_action)
        file_menu.addSeparator()
        self.take_offline_action = QAction("Take &offline…", self)
        self.take_offline_action.setStatusTip(
            "Write the catalogue and the ledger to a bundle file to work on elsewhere"
        )
        self.take_offline_action.triggered.connect(lambda: self.take_offline())
        file_menu.addAction(self.take_offline_action)
        self.merge_action = QAction("&Merge changes…", self)
        self.merge_action.setStatusTip("Merge a bundle of work done elsewhere into this ledger")
        self.merge_action.triggered.connect(lambda: self.merge_changes())
        file_menu.addAction(self.merge_action)
        file_menu.addSeparator()
        self.remove_demo_action = QAction("Remove &demonstration data…", self)
        self.remove_demo_action.setVisible(False)
        self.remove_demo_action.triggered.connect(lambda: self.remove_demonstration_data())
        file_menu.addAction(self.remove_demo_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        self.copy_action = QAction("&Copy rows", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.triggered.connect(self.copy_selection)
        edit_menu.addAction(self.copy_action)
        find_action = QAction("&Find…", self)
        find_action.setShortcut(QKeySequence.StandardKey.Find)
        find_action.triggered.connect(self.focus_search)
        edit_menu.addAction(find_action)

        purchases_menu = self.menuBar().addMenu("&Purchases")
        self.record_action = QAction("&Record purchase…", self)
        # Ctrl+N where no catalogue kind applies (the catalogue views take it for their kind)
        self.record_action.setShortcuts(
            [QKeySequence(QKeySequence.StandardKey.New), QKeySequence(RECORD_PURCHASE_KEYS)]
        )
        self.record_action.triggered.connect(lambda: self.record_purchase())
        purchases_menu.addAction(self.record_action)
        self.record_product_action = QAction("Record purchase of the selected &product…", self)
        self.record_product_action.triggered.connect(self._record_selected_product)
        purchases_menu.addAction(self.record_product_action)
        self.edit_action = QAction("&Edit purchase…", self)
        self.edit_action.setShortcut(QKeySequence("Ctrl+E"))
        self.edit_action.triggered.connect(lambda: self.edit_purchase(self.purchases.selected_id()))
        purchases_menu.addAction(self.edit_action)
        self.void_action = QAction("&Void purchase…", self)
        self.void_action.setShortcut(QKeySequence("Ctrl+Shift+Delete"))
        self.void_action.triggered.connect(lambda: self.void_purchase(self.purchases.selected_id()))
        purchases_menu.addAction(self.void_action)

        self.catalogue_editing = CatalogueEditing(
            self,
            self.ctx,
            self.undo_stack,
            self._settings,
            self.saved,
            lambda: self.comparison,
            self.current_view,
            self.statusBar().showMessage,
        )
        self.catalogue_editing.fill_menu(self.menuBar().addMenu("C&atalogue"))
        for view in self.views:
            self.catalogue_editing.install(view)

        compare_menu = self.menuBar().addMenu("&Compare")
        self.add_compare_action = QAction("&Add to comparison", self)
        self.add_compare_action.setShortcut(QKeySequence("Ctrl+D"))
        self.add_compare_action.triggered.connect(self.add_to_comparison)
        compare_menu.addAction(self.add_compare_action)
        self.compare_action = QAction("&Compare products…", self)
        self.compare_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.compare_action.triggered.connect(lambda: self.open_comparison())
        compare_menu.addAction(self.compare_action)
        clear_compare = QAction("C&lear comparison", self)
        clear_compare.triggered.connect(lambda: self.comparison.clear())
        compare_menu.addAction(clear_compare)

        view_menu = self.menuBar().addMenu("&View")
        self.view_actions = []
        for n, view in enumerate(self.views):
            action = QAction(view.title.replace("&", "&&"), self)
            action.setShortcut(QKeySequence(f"Ctrl+{n}"))
            action.triggered.connect(lambda _c=False, i=n: self.show_view(i))
            view_menu.addAction(action)
            self.view_actions.append(action)
        view_menu.addSeparator()
        columns = QAction("C&olumns…", self)
        columns.triggered.connect(self._choose_columns)
        view_menu.addAction(columns)
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.refresh)
        view_menu.addAction(self.refresh_action)

        self.searches_menu = self.menuBar().addMenu("&Searches")
        self.save_search_action = QAction("&Save current search…", self)
        self.save_search_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_search_action.triggered.connect(self.ask_to_save_search)
        self._refresh_saved()

        help_menu = self.menuBar().addMenu("&Help")
        self.getting_started_action = QAction("&Getting started", self)
        self.getting_started_action.triggered.connect(lambda: self.show_getting_started())
        help_menu.addAction(self.getting_started_action)
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setShortcut(QKeySequence("Ctrl+/"))
        self.shortcuts_action.triggered.connect(lambda: self.show_shortcuts())
        help_menu.addAction(self.shortcuts_action)
        help_menu.addSeparator()
        self.about_action = QAction(f"&About {APP_NAME}", self)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

        for view in self.views:
            view.table.details_requested.connect(view.focus_details)
        if self._db.read_only_reason is not None:
            self._disable_writes(self._db.read_only_reason)

    def _build_toolbar(self) -> None:
        """The common actions, one click away: the same actions as the menus."""
        self.toolbar = QToolBar("Main toolbar", self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setFloatable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setIconSize(QSize(16, 16))
        for action in (
            self.record_action,
            None,
            self.add_compare_action,
            self.compare_action,
            None,
            self.briefing_action,
            None,
            self.refresh_action,
        ):
            if action is None:
                self.toolbar.addSeparator()
                continue
            self.toolbar.addAction(action)
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            tip = action.toolTip() if not action.isEnabled() else action.iconText()
            action.setToolTip(f"{tip} ({keys})" if keys and action.isEnabled() else tip)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _writing_actions(self) -> list[QAction]:
        """The actions that change the ledger."""
        return [
            self.record_action,
            self.record_product_action,
            self.edit_action,
            self.void_action,
            self.import_action,
            self.merge_action,
            self.remove_demo_action,
        ]

    def _disable_writes(self, reason: str) -> None:
        why = f"Not available: {reason.rstrip('.')}."
        for action in self._writing_actions():
            action.setEnabled(False)
            action.setToolTip(why)
            action.setStatusTip(why)
        self.catalogue_editing.disable(reason)

    def _build_status_bar(self) -> None:
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Result count")
        self.database_label = QLabel(f"Database: {self._db.description}")
        self.database_label.setAccessibleName("Database in use")
        self.statusBar().addWidget(self.count_label, 1)
        self.read_only_label = QLabel("Read-only")
        self.read_only_label.setObjectName("readOnlyMark")
        self.read_only_label.setAccessibleName("Database is read-only")
        self.read_only_label.setToolTip(self._db.read_only_reason or "")
        self.read_only_label.setVisible(self._db.read_only)
        self.statusBar().addPermanentWidget(self.read_only_label)
        self.offline_label = QLabel()
        self.offline_label.setObjectName("offlineMark")
        self.offline_label.setAccessibleName("Offline copy")
        self.offline_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.offline_label)
        self.statusBar().addPermanentWidget(self.database_label)

    # -- what the title says about the data ------------------------------------------------------
    def _update_title(self) -> None:
        # the application's name is added by the platform: the title says which database
        title = self._db.description
        if self.login is not None:
            title = f"{self.login.label} — {title}"
        if self.has_demo_data:
            title += " — includes demonstration data"
        if self._db.read_only:
            title += " — read-only"
        self.setWindowTitle(title)

    def _changed(self, change: Change) -> None:
        if isinstance(change, LedgerChanged):
            self.check_demo_data()
            self.check_offline_copy()

    def check_demo_data(self) -> QueryOp[bool]:
        """Ask (off the GUI thread) whether demonstration purchases are in the ledger."""
        op = QueryOp(
            self,
            self._db.has_demo_data,
            kind="demo-data",
            doing="checking for demonstration data",
        ).success(self._demo_checked)
        op.run_in_background()
        return op

    def _demo_checked(self, present: bool) -> None:
        self.has_demo_data = present
        self.remove_demo_action.setVisible(present)
        self._update_title()

    def check_offline_copy(self) -> QueryOp[OfflineStatus]:
        """Ask (off the GUI thread) whether this is an offline copy, and what is unmerged."""
        op = bundle_ops.read_offline_status(self, self.ctx).success(self._offline_checked)
        op.run_in_background()
        return op

    def _offline_checked(self, status: OfflineStatus) -> None:
        if not status.is_copy or status.copied_at is None:
            self.offline_label.setVisible(False)
            return
        n = status.unmerged
        self.offline_label.setText(
            f"Offline copy from {day_text(status.copied_at)}, "
            f"{n:,} change{'' if n == 1 else 's'} not yet merged"
        )
        self.offline_label.setToolTip(
            f"Made from a bundle of {status.copied_from}. Write the changes made here with "
            "File → Take offline…, then merge that bundle there with File → Merge changes…"
        )
        self.offline_label.setVisible(True)

    def check_login(self) -> QueryOp[LoginProfile | None] | None:
        """On a shared server, ask (off the GUI thread) who is logged in and what they may do."""
        if self._db.backend != "postgresql":
            return None
        db = self._db
        op = QueryOp(
            self, lambda: login_profile(db), kind="login", doing="asking the server who you are"
        ).success(self._login_checked)
        op.run_in_background()
        return op

    def _login_checked(self, profile: LoginProfile | None) -> None:
        """Name the login in the title and switch off what its role may not do."""
        self.login = profile
        self._update_title()
        if profile is None or profile.role == "owner":
            return
        self.ctx.app.actor = profile.login
        if not profile.may_record:
            why = f"Not available: {profile.why_not('record or change purchases')}."
            for action in self._writing_actions():
                action.setEnabled(False)
                action.setToolTip(why)
                action.setStatusTip(why)
        why = f"Not available: {profile.why_not('remove purchases')}."
        self.remove_demo_action.setEnabled(False)
        self.remove_demo_action.setToolTip(why)
        if not profile.may_edit_catalogue:
            self.catalogue_editing.disable(profile.why_not("change the catalogue"))
            self.import_notices_action.setEnabled(False)
            self.import_notices_action.setToolTip(
                f"Not available: {profile.why_not('import notices')}."
            )

    def check_integrity(self) -> QueryOp[str | None] | None:
        """Finish the file's integrity check (off the GUI thread) if opening deferred it;
        a damaged file turns read-only and the officer is told why."""
        if not self._db.check_pending:
            return None
        op = QueryOp(
            self, self._db.check_integrity, kind="integrity", doing="checking the catalogue file"
        ).success(self._integrity_checked)
        op.run_in_background()
        return op

    def _integrity_checked(self, damage: str | None) -> None:
        if damage is None:
            return
        self._disable_writes(damage)
        self.read_only_label.setToolTip(damage)
        self.read_only_label.setVisible(True)
        self._update_title()
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, f"{damage.rstrip('.')}.", parent=self)
        box.setObjectName("damagedDatabaseMessage")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _refused_read_only(self) -> bool:
        """Say why nothing can be changed, if so; true when the action must not go on."""
        reason = self._db.read_only_reason
        if reason is None:
            return False
        QMessageBox.information(self, APP_NAME, f"{reason.rstrip('.')}.")
        return True

    # -- first run ---------------------------------------------------------------------------------
    def welcome(self, new_database: bool) -> None:
        """At start-up: on a new database ask about demonstration data; on the first run
        (once that question is answered) open Getting started."""
        if new_database:
            self.offer_demonstration_data()
        if not self._settings.get(GETTING_STARTED_SHOWN):
            self.show_getting_started()

    def offer_demonstration_data(self) -> CommandOp[SeedReport] | None:
        """On a new database: ask once whether to explore with demonstration data.

        Returns the op adding the data when the officer chose it, else None.
        """
        if self._db.read_only:
            return None
        dialog = FirstRunDialog(self)
        dialog.exec()
        if not dialog.wants_demo:
            return None
        op = add_demonstration_data(self, self.hub, self._db).success(
            lambda report: self.statusBar().showMessage(
                f"Added {report.demo_purchases:,} demonstration purchases", 6000
            )
        )
        op.run_in_background()
        return op

    def remove_demonstration_data(self, confirm: bool = True) -> CommandOp[int] | None:
        """Delete the demonstration purchases after asking; real purchases stay."""
        if self._refused_read_only():
            return None
        if confirm:
            answer = QMessageBox.question(
                self,
                "Remove demonstration data",
                "Delete every demonstration purchase from the ledger? Purchases recorded "
                "by officers stay as they are.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        op = remove_demonstration_data(self, self.hub, self._db).success(
            lambda removed: self.statusBar().showMessage(
                f"Removed {removed:,} demonstration purchases", 6000
            )
        )
        op.run_in_background()
        return op

    # -- behaviour ----------------------------------------------------------------
    def current_view(self) -> CatalogueView:
        return self.views[self.stack.currentIndex()]

    def show_view(self, index: int) -> None:
        if not 0 <= index < len(self.views):
            return
        self.stack.setCurrentIndex(index)
        if self.sidebar.currentRow() != index:
            self.sidebar.setCurrentRow(index)
        self.count_label.setText(self.views[index].status_text())
        self.views[index].table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.catalogue_editing.view_changed(self.views[index], self.record_action)

    def _view_status(self, text: str) -> None:
        if self.sender() is self.current_view():
            self.count_label.setText(text)

    def focus_search(self) -> None:
        self.show_view(self.views.index(self.products))
        self.products.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.products.search_box.selectAll()

    def refresh(self) -> None:
        """Read everything the views show again (each in its own query op)."""
        self.ctx.buyers.reload()
        for view in self.views:
            view.refresh()
        self.count_label.setText(self.current_view().status_text())

    def copy_selection(self) -> None:
        copied = self.current_view().table.copy_rows()
        if copied:
            self.statusBar().showMessage(f"Copied {copied} row{'s' if copied != 1 else ''}", 4000)

    def _choose_columns(self) -> None:
        table = self.current_view().table
        table.column_menu().exec(table.mapToGlobal(table.rect().topLeft()))

    # saved searches
    def _refresh_saved(self) -> None:
        names = sorted(self.saved.all(), key=str.lower)
        self.saved_list.clear()
        self.saved_list.addItems(names)
        if not hasattr(self, "searches_menu"):
            return
        self.searches_menu.clear()
        self.searches_menu.addAction(self.save_search_action)
        if names:
            self.searches_menu.addSeparator()
        for name in names:
            action = QAction(name, self.searches_menu)
            action.triggered.connect(lambda _c=False, n=name: self.recall_search(n))
            self.searches_menu.addAction(action)
        if names:
            self.searches_menu.addSeparator()
            delete = self.searches_menu.addMenu("Delete saved search")
            for name in names:
                action = QAction(name, delete)
                action.triggered.connect(lambda _c=False, n=name: self.delete_search(n))
                delete.addAction(action)

    def save_search(self, name: str) -> None:
        name = name.strip()
        if name:
            self.saved.save(name, self.products.query())
            self._refresh_saved()
            self.statusBar().showMessage(f"Saved the search “{name}”", 4000)

    def ask_to_save_search(self) -> None:
        suggestion = self.products.search_box.text().strip() or "My search"
        name, ok = QInputDialog.getText(self, "Save search", "Name:", text=suggestion)
        if ok:
            self.save_search(name)

    def recall_search(self, name: str) -> None:
        query = self.saved.all().get(name)
        if query is None:
            return
        self.show_view(self.views.index(self.products))
        self.products.set_query(query)

    def delete_search(self, name: str) -> None:
        self.saved.delete(name)
        self._refresh_saved()

    # purchases: dialogs here, the work in catalogue_app.ui.operations.purchases
    def _dialog(self, **kwargs):  # type: ignore[no-untyped-def]
        return PurchaseDialog(self.ctx, self, **kwargs)

    def _record_selected_product(self) -> None:
        row = self.products.model.cached_row(self.products.table.currentIndex().row())
        self.record_purchase(row.code if row else "")

    def record_purchase(
        self,
        product: str = "",
        buyer: str = "",
        quantity: int = 1,
        route: tuple[str, str] | None = None,
        split: str = "",
    ) -> CommandOp[RecordedPurchase] | None:
        """Ask for the purchase, then record it off the GUI thread; returns the running op."""
        if self._refused_read_only():
            return None
        dialog = self._dialog(
            product=product, buyer=buyer, quantity=quantity, route=route, split=split
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        op = purchase_ops.record_purchase(self, self.ctx, dialog.draft()).success(self._recorded)
        op.run_in_background()
        return op

    def _recorded(self, recorded: RecordedPurchase) -> None:
        self.undo_stack.push(RecordCommand(self, self.ctx, recorded.id, recorded.order_reference))
        self.statusBar().showMessage(
            f"Recorded {recorded.order_reference}: {format_gbp(recorded.total)}", 6000
        )

    def edit_purchase(self, purchase_id: str | None) -> None:
        """Read the purchase as it is now, then open it for editing."""
        if not purchase_id or self._refused_read_only():
            return
        purchases = self.ctx.purchases
        QueryOp(
            self, lambda: purchases.get(purchase_id), kind="edit", doing="opening the purchase"
        ).success(self._open_for_edit).run_in_background()

    def _open_for_edit(self, stored: StoredPurchase) -> None:
        if stored.status != PurchaseStatus.ACTIVE:
            QMessageBox.information(self, APP_NAME, "A void purchase cannot be edited.")
            return
        self._edit_with(self._dialog(stored=stored), stored)

    def _edit_with(self, dialog: PurchaseDialog, stored: StoredPurchase) -> None:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        after = dialog.draft()

        def edited(result: Edited) -> None:
            self.undo_stack.push(EditCommand(self, self.ctx, stored.id, stored.draft(), after))
            self.statusBar().showMessage(f"Saved {result.after.order_reference}", 6000)

        def refused(exc: BaseException) -> None:
            # e.g. someone else saved first: say so, then give the officer's input back
            box = show_failure(self, exc, "edit purchase")
            box.finished.connect(lambda _r: self._edit_with(dialog, stored))

        purchase_ops.edit_purchase(self, self.ctx, stored.id, after, stored.revision).success(
            edited
        ).failure(refused).run_in_background()

    def void_purchase(self, purchase_id: str | None) -> CommandOp[StoredPurchase] | None:
        if not purchase_id or self._refused_read_only():
            return None
        line = self.purchases.line_for(purchase_id)
        named = (
            f"Void {line.order_reference}?\n\n{line.quantity:,} × {line.product} for "
            f"{line.buyer}, total {format_gbp(line.total)}, ordered "
            f"{line.order_date.day} {line.order_date:%b %Y}.\n\n"
            if line is not None
            else "Void this purchase?\n\n"
        )
        asked = named + "It stays in the ledger, marked void. Why is it void?"
        reason, ok = "", True
        while ok and not reason.strip():
            reason, ok = QInputDialog.getText(self, "Void purchase", asked)
            asked = named + "Give a reason, for example “entered twice”. Why is it void?"
        if not ok:
            return None
        op = purchase_ops.void_purchase(self, self.ctx, purchase_id, reason).success(
            lambda stored: self.undo_stack.push(
                VoidCommand(self, self.ctx, stored.id, stored.order_reference)
            )
        )
        op.run_in_background()
        return op

    def selected_buyer(self) -> str | None:
        """The force or collaboration the current view has chosen, if it has one."""
        view = self.current_view()
        if view is self.home:
            return self.home.buyer_code() or None
        if view is self.buyers:
            return view.selected_key()
        if view is self.purchases:
            buyer = self.purchases.buyer.currentData()
            return str(buyer) if buyer else None
        return None

    def open_purchases(self, shown: LedgerFilter) -> None:
        """The Purchases view filtered to ``shown`` (where Home's charts lead)."""
        self.show_view(self.views.index(self.purchases))
        self.purchases.show_filter(shown)

    def open_framework(self, reference: str) -> None:
        """The Frameworks view searched for ``reference``, whatever its status."""
        self.show_view(self.views.index(self.frameworks))
        self.frameworks.status.setCurrentIndex(0)
        self.frameworks.search_box.setText(reference)

    def open_notice_record(self, kind: str, key: str) -> None:
        """A framework, supplier, product or purchase (by its product) a notice added."""
        if kind == "framework":
            self.open_framework(key)
        elif kind == "purchase":
            self.open_purchases(LedgerFilter(product=key, status="all"))
        elif kind == "product":
            self.show_view(self.views.index(self.products))
            self.products.search_box.setText(key)
        elif kind == "supplier":
            view = next(v for v in self.views if v.objectName() == "suppliersView")
            assert isinstance(view, ListView)

            done = False

            def select(_status: str = "") -> None:
                nonlocal done
                if done or not view.model.loaded:
                    return
                done = True
                view.status_changed.disconnect(select)
                view.table.selectRow(max(0, view.model.row_of(key)))

            view.status_changed.connect(select)
            self.show_view(self.views.index(view))
            select()

    def edit_targets(self, buyer: str) -> TargetsDialog:
        """The savings targets, the buyer's first: add, edit and end them."""
        if self._targets_dialog is not None and self._targets_dialog.isVisible():
            return _raised(self._targets_dialog)
        dialog = TargetsDialog(self.ctx, buyer, self)
        dialog.targets_changed.connect(self.home.refresh)
        dialog.show()
        self._targets_dialog = dialog
        return dialog

    def export_briefing(self) -> BriefingDialog:
        if self._briefing_dialog is not None and self._briefing_dialog.isVisible():
            return _raised(self._briefing_dialog)  # keep what the officer chose so far
        from catalogue_app.ui.briefing_dialog import BriefingDialog

        dialog = BriefingDialog(
            self.ctx, self, settings=self._settings, buyer=self.selected_buyer()
        )
        dialog.show()
        self._briefing_dialog = dialog
        return dialog

    # comparison
    def add_to_comparison(self) -> None:
        table = self.products.table
        rows = table.selected_rows() or [table.currentIndex().row()]
        for row in rows:
            product = self.products.model.cached_row(row)
            if product and product.code not in self.comparison and len(self.comparison) < 6:
                self.comparison.append(product.code)
        self.statusBar().showMessage(
            f"To compare ({len(self.comparison)} of at most 6): {', '.join(self.comparison)}"
            " — Ctrl+Shift+D to compare",
            8000,
        )

    def open_comparison(self) -> CompareDialog | None:
        if not self.comparison:
            self.add_to_comparison()
        if not self.comparison:
            QMessageBox.information(self, APP_NAME, "Choose products first (Ctrl+D).")
            return None
        if self._compare_dialog is not None:
            self._compare_dialog.close()  # the new comparison replaces the old one
        from catalogue_app.ui.compare_dialog import CompareDialog

        dialog = CompareDialog(
            self.ctx,
            self.comparison,
            self,
            settings=self._settings,
            record_joint=lambda buyer, product, quantity, route, split: self.record_purchase(
                product, buyer, quantity, route, split
            ),
        )
        dialog.show()
        self._compare_dialog = dialog
        return dialog

    def export_purchases(self, path: str | None = None) -> CommandOp[int] | None:
        """Write the purchases the Purchases view shows (its filters) to CSV or XLSX."""
        shown = self.purchases.current_filter()
        if path is None:
            path = ask_save_path(
                self,
                self._settings,
                "exports",
                "Export purchases",
                file_name(
                    "purchases",
                    shown.buyer or "all buyers",
                    period_slug(shown.start, shown.end, date.today()),
                    extension="xlsx",
                ),
                "Excel workbook (*.xlsx);;CSV, comma-separated (*.csv)",
            )
            if path is None:
                return None
        op = purchase_ops.export_purchases(self, self.ctx, shown, Path(path)).success(
            lambda written: self.statusBar().showMessage(
                f"Exported {written:,} purchases to {path}", 6000
            )
        )
        op.run_in_background()
        return op

    def import_purchases(
        self, path: str | None = None
    ) -> CommandOp[ImportReport | ImportRejected] | None:
        """Import a CSV or XLSX file on a worker thread: all of it, or nothing."""
        if self._refused_read_only():
            return None
        if path is None:
            path = ask_open_path(
                self,
                self._settings,
                "imports",
                "Import purchases",
                "Spreadsheets (*.csv *.xlsx);;CSV, comma-separated (*.csv);;"
                "Excel workbook (*.xlsx)",
            )
            if path is None:
                return None
        op = purchase_ops.import_purchases(self, self.ctx, Path(path)).success(self._imported)
        op.run_in_background()
        return op

    def import_notices(self, path: str | None = None) -> CommandOp[ImportSummary] | None:
        """Import published notices (an OCDS file) on a worker, with progress and Cancel."""
        if self._refused_read_only():
            return None
        if path is None:
            path = ask_open_path(
                self,
                self._settings,
                "imports",
                "Import notices",
                "OCDS files (*.json *.jsonl *.ndjson *.gz);;All files (*)",
            )
            if path is None:
                return None
        op = notice_ops.import_notices(self, self.ctx, [Path(path)]).success(self._notices_imported)
        op.run_in_background()
        return op

    def take_offline(self) -> TakeOfflineDialog:
        """File → Take offline: choose whose ledger and what goes in, then write the bundle."""
        if self._offline_dialog is not None and self._offline_dialog.isVisible():
            return _raised(self._offline_dialog)
        dialog = TakeOfflineDialog(self.ctx, self._settings, self)  # every buyer unless chosen
        dialog.written.connect(
            lambda report: self.statusBar().showMessage(f"Wrote the bundle {report.path}", 8000)
        )
        dialog.show()
        self._offline_dialog = dialog
        return dialog

    def merge_changes(self, path: str | None = None) -> MergeDialog | None:
        """File → Merge changes: choose a bundle, see what merging it would do, then merge."""
        if self._refused_read_only():
            return None
        if self._merge_dialog is not None and self._merge_dialog.isVisible():
            return _raised(self._merge_dialog)
        if path is None:
            path = ask_open_path(
                self, self._settings, "imports", "Merge changes", f"{BUNDLE_FILTER};;All files (*)"
            )
            if path is None:
                return None
        dialog = MergeDialog(self.ctx, Path(path), self)
        dialog.merged.connect(self._merged)
        dialog.show()
        self._merge_dialog = dialog
        return dialog

    def _merged(self, report: MergeReport) -> None:
        self.statusBar().showMessage(merged_sentence(report), 10000)
        if report.conflicts:
            self.show_view(self.views.index(self.conflicts))

    def _notices_imported(self, summary: ImportSummary) -> None:
        self.notices.refresh()
        self.show_view(self.views.index(self.notices))
        if summary.refused:
            QMessageBox.warning(self, "Some files were refused", summary.text())
        else:
            QMessageBox.information(self, "Notices imported", summary.text())

    def _imported(self, report: ImportReport | ImportRejected) -> None:
        if isinstance(report, ImportRejected):
            box = QMessageBox(QMessageBox.Icon.Warning, "Import refused", str(report), parent=self)
            box.setDetailedText(report.report())
            box.exec()
            return
        QMessageBox.information(
            self,
            "Import finished",
            f"Imported {report.imported:,} of {report.rows:,} rows from {report.source}; "
            f"{report.already_present:,} were already in the ledger.",
        )

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

    def show_shortcuts(self) -> ShortcutsDialog:
        if self._shortcuts_dialog is not None and self._shortcuts_dialog.isVisible():
            return _raised(self._shortcuts_dialog)
        dialog = ShortcutsDialog(self.menuBar(), self)
        dialog.show()
        self._shortcuts_dialog = dialog
        return dialog

    def show_getting_started(self) -> GettingStartedDialog:
        if self._getting_started is not None and self._getting_started.isVisible():
            return _raised(self._getting_started)
        dialog = GettingStartedDialog(self)
        dialog.show()
        self._getting_started = dialog
        self._settings.set(GETTING_STARTED_SHOWN, True)
        return dialog

    # -- window state -------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self._settings.get(WINDOW_GEOMETRY)
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(1440, 860)
        self._fit_to_screen()
        splitter = self._settings.get(WINDOW_SPLITTER)
        if not splitter.isEmpty():
            self.main_splitter.restoreState(splitter)
        index = self._settings.get(WINDOW_VIEW)
        self.show_view(index if 0 <= index < len(self.views) else 0)

    def _fit_to_screen(self) -> None:
        """Never larger than the screen the window is on (a laptop after a big monitor)."""
        room = self.screen().availableGeometry()
        width, height = min(self.width(), room.width()), min(self.height(), room.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        if not room.contains(frame.topLeft()) or frame.right() > room.right():
            self.move(
                max(room.left(), min(frame.left(), room.right() - frame.width() + 1)),
                max(room.top(), min(frame.top(), room.bottom() - frame.height() + 1)),
            )

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.set(WINDOW_GEOMETRY, self.saveGeometry())
        self._settings.set(WINDOW_SPLITTER, self.main_splitter.saveState())
        self._settings.set(WINDOW_VIEW, self.stack.currentIndex())
        for view in self.views:
            view.save_state()
        self._settings.sync()
        super().closeEvent(event)


D = TypeVar("D", bound=QDialog)


def _raised(dialog: D) -> D:
    """Bring an open dialog to the front (where the platform stacks windows at all)."""
    if QGuiApplication.platformName() != "offscreen":
        dialog.raise_()
        dialog.activateWindow()
    return dialog


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
