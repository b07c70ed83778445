"""A damaged catalogue file found after the window is up, as the app opens one: the
integrity check runs on a worker once the window shows, and a damaged file then turns
read-only with the same sentence, marked, its changes disabled, and the officer told."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import open_window
from file_modes import damage
from PySide6.QtWidgets import QApplication, QMessageBox

from catalogue_app.services.database import open_database
from catalogue_app.ui.ops import wait_for_ops


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "catalogue.sqlite"
    open_database(str(path)).close()
    return path


def _open(template: Path, tmp_path: Path, *, damaged: bool):
    path = tmp_path / "catalogue.sqlite"
    shutil.copyfile(template, path)
    if damaged:
        damage(path)
    return open_database(str(path), check_integrity="before-writes")


@pytest.fixture
def damaged_db(template, tmp_path):
    db = _open(template, tmp_path, damaged=True)
    yield db
    wait_for_ops(30_000)
    db.close()


@pytest.fixture
def sound_db(template, tmp_path):
    db = _open(template, tmp_path, damaged=False)
    yield db
    wait_for_ops(30_000)
    db.close()


def _damage_message() -> QMessageBox | None:
    shown = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox)
        and w.isVisible()
        and w.objectName() == "damagedDatabaseMessage"
    ]
    return shown[0] if shown else None


def test_a_damaged_file_found_after_opening_is_marked_and_its_changes_disabled(
    qtbot, damaged_db, settings
):
    assert not damaged_db.read_only  # the window opens before the check has run
    window = open_window(qtbot, damaged_db, settings, view=None)
    qtbot.waitUntil(lambda: _damage_message() is not None, timeout=30_000)

    reason = damaged_db.read_only_reason
    assert reason is not None and "is damaged" in reason
    box = _damage_message()
    assert box is not None
    assert box.text() == f"{reason.rstrip('.')}."
    assert window.windowTitle().endswith("— read-only")
    assert window.read_only_label.isVisible()
    assert window.read_only_label.toolTip() == reason
    for action in (window.record_action, window.edit_action, window.import_action):
        assert not action.isEnabled(), action.text()
        assert reason in action.toolTip()
    for action in window.catalogue_editing.all_actions():
        assert not action.isEnabled(), action.text()
    box.accept()
    qtbot.waitUntil(lambda: _damage_message() is None)


def test_a_sound_file_stays_writable_once_its_check_has_run(qtbot, sound_db, settings):
    window = open_window(qtbot, sound_db, settings, view=None)
    qtbot.waitUntil(lambda: not sound_db.check_pending, timeout=30_000)
    wait_for_ops(30_000)
    QApplication.processEvents()
    assert _damage_message() is None
    assert not sound_db.read_only
    assert not window.read_only_label.isVisible()
    assert window.record_action.isEnabled()
    assert not window.windowTitle().endswith("— read-only")
