"""kill -9 during the first start and during an upgrade, at random moments.

A worker process opens the database as the app does; once its imports are
done it says so, and the test kills it (SIGKILL: no clean-up runs) after a
random fraction of the time an uninterrupted run takes. Whatever moment the
kill lands on, the catalogue file is either absent or complete, an upgrade
leaves the old schema or the new one with every purchase, and every backup
that carries a backup's name is a whole copy.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic import command

from catalogue_app.db.migrate import SCHEMA_HEAD, alembic_config
from catalogue_app.services.database import open_database

pytestmark = pytest.mark.slow

KILLS = 20
PREVIOUS = "0005"

WORKER = """
import sys
from catalogue_app.services.database import open_database
print("imported", flush=True)
open_database(sys.argv[1]).close()
print("done", flush=True)
"""


def _start(path: Path) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "imported"
    return worker


def _run_to_the_end(path: Path) -> float:
    worker = _start(path)
    began = time.monotonic()
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "done"
    worker.wait()
    return time.monotonic() - began


def _kill_at_random(path: Path, within: float, rng: random.Random) -> None:
    worker = _start(path)
    time.sleep(rng.uniform(0, within))
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()


def _contents(path: Path) -> tuple[str, dict[str, int]]:
    """Schema revision and row counts, read without writing; the file must be sound."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("forces", "products", "frameworks", "purchases", "purchase_shares")
        }
        return revision, counts
    finally:
        conn.close()


def _visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_a_first_start_killed_at_any_moment_leaves_nothing_or_a_whole_catalogue(tmp_path):
    rng = random.Random(12)
    reference = tmp_path / "reference" / "catalogue.sqlite"
    reference.parent.mkdir()
    duration = _run_to_the_end(reference)
    expected = _contents(reference)
    assert expected[0] == SCHEMA_HEAD and expected[1]["products"] > 0
    assert expected[1]["purchases"] == 0

    outcomes = {"absent": 0, "complete": 0}
    for trial in range(KILLS):
        folder = tmp_path / f"trial-{trial}"
        folder.mkdir()
        path = folder / "catalogue.sqlite"
        _kill_at_random(path, duration * 1.2, rng)
        if path.exists():
            assert _contents(path) == expected
            outcomes["complete"] += 1
        else:
            outcomes["absent"] += 1
        # nothing but the catalogue (and, if it was open, its write-ahead log)
        sides = {path.name + "-wal", path.name + "-shm"}
        visible = _visible(folder)
        assert visible == [] or (path.name in visible and set(visible) - sides == {path.name})
        db = open_database(str(path))  # the next start finishes the job
        db.close()
        assert _contents(path) == expected
        assert [p.name for p in folder.iterdir() if ".partial-" in p.name] == []
    assert outcomes["absent"] > 0, outcomes  # the kills did land during the creation


@pytest.fixture
def previous_version_catalogue(tmp_path: Path) -> Path:
    """A catalogue with demo history, as the previous schema left it."""
    path = tmp_path / "previous" / "catalogue.sqlite"
    path.parent.mkdir()
    db = open_database(str(path), demo=True)
    try:
        cfg = alembic_config()
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, PREVIOUS)
    finally:
        db.close()
    return path


def test_an_upgrade_killed_at_any_moment_leaves_the_old_or_the_new_schema(
    tmp_path, previous_version_catalogue
):
    rng = random.Random(34)
    _, before = _contents(previous_version_catalogue)
    calibration = tmp_path / "calibration"
    shutil.copytree(previous_version_catalogue.parent, calibration)
    duration = _run_to_the_end(calibration / "catalogue.sqlite")

    outcomes = {PREVIOUS: 0, SCHEMA_HEAD: 0}
    for trial in range(KILLS):
        folder = tmp_path / f"trial-{trial}"
        shutil.copytree(previous_version_catalogue.parent, folder)
        path = folder / "catalogue.sqlite"
        _kill_at_random(path, duration * 1.2, rng)

        revision, counts = _contents(path)
        assert revision in outcomes and counts == before
        outcomes[revision] += 1
        for backup in folder.glob("catalogue.before-*.sqlite"):
            assert _contents(backup) == (PREVIOUS, before), backup.name

        db = open_database(str(path))  # the next start finishes the job
        db.close()
        assert _contents(path) == (SCHEMA_HEAD, before)
        assert [p.name for p in folder.iterdir() if ".partial-" in p.name] == []
    assert outcomes[PREVIOUS] > 0, outcomes
