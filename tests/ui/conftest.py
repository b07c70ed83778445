"""A main window on the test database, with settings in a throwaway file."""

import pytest
from PySide6.QtCore import QSettings

from catalogue_app.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, db, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(db, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win
