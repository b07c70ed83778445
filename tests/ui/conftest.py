"""A main window on the test database, with settings in a throwaway file.

Every read and write of the window runs on a worker; no test may end with one
still running (it would touch a database that is being closed), so the pools
are drained before the database closes and checked after every test.
"""

import time

import pytest
from PySide6.QtCore import QSettings

from catalogue_app.ui.collector import GuiThreadCollector
from catalogue_app.ui.main_window import MainWindow
from catalogue_app.ui.ops import pending_ops, running_ops, wait_for_ops


@pytest.fixture(autouse=True)
def collected_on_the_gui_thread(qapp):
    """As in the app: no worker collects garbage (set up first, so it stops last, once
    every worker has returned)."""
    collector = GuiThreadCollector(qapp)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def no_worker_left_running():
    yield
    assert wait_for_ops(30_000), "an op was still running 30 s after the test"
    assert running_ops() == 0


@pytest.fixture
def db(db, qapp):
    """The shared ``db`` fixture, closed only once every worker has returned and every
    result has been delivered (a delivery may start another read: that one too)."""
    yield db
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        wait_for_ops(30_000)
        qapp.processEvents()
        if pending_ops() == 0 and running_ops() == 0:
            break


def drain(qtbot, timeout=10000):
    """Wait until every op started so far has delivered its result."""
    qtbot.waitUntil(lambda: pending_ops() == 0, timeout=timeout)


def result_of(qtbot, op, timeout=10000):
    """Wait for ``op`` (already started) to succeed and return its result."""
    delivered = []
    op.success(delivered.append)
    qtbot.waitUntil(lambda: bool(delivered), timeout=timeout)
    return delivered[0]


def settle(qtbot, window):
    """Wait until the products are shown (the first search has arrived)."""
    qtbot.waitUntil(
        lambda: window.products.loaded and window.products.all_products > 0, timeout=10000
    )
    qtbot.waitUntil(lambda: window.ctx.buyers.buyers is not None, timeout=10000)


def open_window(qtbot, db, settings, view="products"):
    """The window as a user finds it (on Home at the first start, else on the view it was
    closed on), then on ``view`` chosen from the View menu (None: as found)."""
    win = MainWindow(db, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    if view is not None:
        win.view_actions[win.views.index(getattr(win, view))].trigger()
    settle(qtbot, win)
    return win


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, db, settings):
    return open_window(qtbot, db, settings)
