"""Starting the desktop app: QApplication, database, main window."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from catalogue_app import APP_NAME, __version__
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.services.database import open_database
from catalogue_app.ui.main_window import MainWindow
from catalogue_app.ui.resources import app_icon, stylesheet

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
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    try:
        db = open_database(database)
    except CatalogueError as exc:
        QMessageBox.critical(None, APP_NAME, f"The catalogue could not be opened.\n\n{exc}")
        return 1
    window = MainWindow(db)
    window.show()
    try:
        return app.exec()
    finally:
        db.close()
