"""Starting the desktop app: log, exception hooks, QApplication, database, main window.

A database the app has just created holds the reference catalogue and an empty
ledger; the window then asks once whether to add demonstration data.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from catalogue_app import APP_NAME, __version__, logs
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.services.database import open_database
from catalogue_app.ui.collector import GuiThreadCollector
from catalogue_app.ui.errors import install_exception_hooks
from catalogue_app.ui.main_window import MainWindow
from catalogue_app.ui.ops import wait_for_ops
from catalogue_app.ui.resources import app_icon, stylesheet

log = logging.getLogger(f"{logs.LOGGER_NAME}.app")

ORGANIZATION = "catalogue-app"


def configure_application(app: QApplication) -> None:
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName("catalogue-app")
    QCoreApplication.setApplicationVersion(__version__)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    app.setApplicationDisplayName(APP_NAME)
    app.setWindowIcon(app_icon())
    app.setStyleSheet(stylesheet())


def run_gui(database: str | None = None) -> int:
    logs.configure()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    hooks = install_exception_hooks()
    collector = GuiThreadCollector(app)
    try:
        # the integrity check reads the whole file: it runs once the window is up
        db = open_database(database, check_integrity="before-writes")
    except CatalogueError as exc:
        log.warning("could not open the catalogue: %s", exc)
        QMessageBox.critical(None, APP_NAME, f"The catalogue could not be opened.\n\n{exc}")
        return 1
    log.info("started %s %s on %s", APP_NAME, __version__, db.description)
    if db.read_only_reason is not None:
        log.warning("opened read-only: %s", db.read_only_reason)
    window = MainWindow(db)
    window.show()
    # once the window is up: a new database asks whether to add demonstration data, and the
    # first run opens Getting started
    new_database = db.migration is not None and db.migration.created
    QTimer.singleShot(0, lambda: window.welcome(new_database))
    try:
        return app.exec()
    finally:
        wait_for_ops()  # a write in progress finishes before the database closes
        db.close()
        collector.stop()
        hooks.uninstall()
        log.info("closed %s", db.description)
