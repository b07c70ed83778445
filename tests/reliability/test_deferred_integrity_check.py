"""The integrity check deferred past opening, as the window and the command line open a file.

Reading every page of a national ledger takes seconds, so a current, writable
file opens without it: reads start at once, and the check runs on a worker or,
at the latest, before the first write. A damaged file must still end read-only
with the same sentence, before a single byte is written to it; a kill -9 while
the check runs leaves the file as it was.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from file_modes import damage
from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.db.migrate import SCHEMA_HEAD, backup_sqlite
from catalogue_app.services.database import ReadOnlyDatabaseError, open_database

pytestmark = pytest.mark.slow

DEFERRED = "before-writes"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(db, reference: str) -> None:
    with db.transaction() as s:
        force = s.scalar(select(m.Force.id).order_by(m.Force.id).limit(1))
        product = s.scalar(select(m.Product.id).order_by(m.Product.id).limit(1))
        s.add(
            m.Purchase(
                order_reference=reference,
                buyer_force_id=force,
                product_id=product,
                quantity=1,
                unit_price=1,
                baseline_unit_price=1,
                order_date=date(2025, 5, 1),
                recorded_by="tester",
            )
        )


def _purchases(db) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(m.Purchase))


def test_a_sound_file_opens_at_once_and_stays_writable_after_its_check(catalogue):
    db = open_database(str(catalogue), check_integrity=DEFERRED)
    try:
        assert db.check_pending and not db.read_only
        before = _purchases(db)  # reads need not wait for the check
        assert db.check_pending
        assert db.check_integrity() is None
        assert not db.check_pending and not db.read_only
        _record(db, "SOUND/1")
        assert _purchases(db) == before + 1
    finally:
        db.close()


def test_a_write_to_a_sound_file_runs_the_check_first(catalogue):
    db = open_database(str(catalogue), check_integrity=DEFERRED)
    try:
        _record(db, "SOUND/2")
        assert not db.check_pending and not db.read_only
    finally:
        db.close()


def test_a_damaged_file_is_found_before_the_first_write_and_turns_read_only(catalogue):
    backup = backup_sqlite(catalogue, SCHEMA_HEAD)
    damage(catalogue)
    before = _digest(catalogue)

    db = open_database(str(catalogue), check_integrity=DEFERRED)
    try:
        assert db.check_pending and not db.read_only  # opened at once
        with pytest.raises(ReadOnlyDatabaseError) as refused:
            _record(db, "WRITE/1")
        assert db.read_only and not db.check_pending
        assert str(refused.value) == db.read_only_reason
        # the same sentence as when the check runs at opening
        assert "is damaged" in db.read_only_reason
        assert "was opened read-only so that nothing more is lost" in db.read_only_reason
        assert f"restore the newest backup beside it, {backup.name}" in db.read_only_reason
        with pytest.raises(ReadOnlyDatabaseError):
            db.remove_demo()
        assert db.check_integrity() is None  # found once, said once
    finally:
        db.close()
    assert _digest(catalogue) == before


def test_the_check_run_on_a_worker_reports_the_damage_once(catalogue):
    damage(catalogue)
    db = open_database(str(catalogue), check_integrity=DEFERRED)
    try:
        found: list[str | None] = []
        workers = [threading.Thread(target=lambda: found.append(db.check_integrity()))]
        workers.append(threading.Thread(target=lambda: found.append(db.check_integrity())))
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        sentences = [f for f in found if f is not None]
        assert sentences == [db.read_only_reason]
        assert "no backup of it was found beside it" in sentences[0]
    finally:
        db.close()


def test_a_file_that_needs_upgrading_is_checked_before_it_is_touched(catalogue):
    conn = sqlite3.connect(catalogue)
    conn.execute("UPDATE alembic_version SET version_num = '0005'")
    conn.commit()
    conn.close()
    damage(catalogue)
    before = _digest(catalogue)
    with pytest.raises(Exception, match="is damaged") as refused:
        open_database(str(catalogue), check_integrity=DEFERRED)
    assert "was not changed" in str(refused.value)
    assert _digest(catalogue) == before


WORKER = """
import sys
from catalogue_app.services.database import open_database
db = open_database(sys.argv[1], check_integrity="before-writes")
print("opened", flush=True)
db.check_integrity()
print("checked", flush=True)
db.close()
"""


def test_a_kill_during_the_check_leaves_the_file_as_it_was(catalogue):
    before = _digest(catalogue)
    for pause in (0.0, 0.005, 0.02, 0.05):
        with subprocess.Popen(
            [sys.executable, "-c", WORKER, str(catalogue)], stdout=subprocess.PIPE, text=True
        ) as worker:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "opened"
            threading.Event().wait(pause)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
    # the killed readers wrote nothing: the next start finds the same, sound catalogue
    db = open_database(str(catalogue))
    try:
        assert not db.read_only
        assert _purchases(db) > 0
    finally:
        db.close()
    conn = sqlite3.connect(f"{catalogue.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    finally:
        conn.close()
    assert _digest(catalogue) == before
