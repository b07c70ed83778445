"""Damaged, read-only and locked catalogue files, backups, and what a first start adds.

Every case uses a real file on disk: a seeded catalogue copied, then damaged
by overwriting bytes in its middle, made unwritable, or locked by a second
process, exactly as a user's copy could be.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from file_modes import damage, unwritable
from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.db.migrate import SCHEMA_HEAD, backup_sqlite
from catalogue_app.domain.errors import DatabaseError
from catalogue_app.services.database import ReadOnlyDatabaseError, open_database


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(db, model) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def _purchase(force_id: int, product_id: int, reference: str) -> m.Purchase:
    return m.Purchase(
        order_reference=reference,
        buyer_force_id=force_id,
        product_id=product_id,
        quantity=1,
        unit_price=1,
        baseline_unit_price=1,
        order_date=date(2025, 5, 1),
        recorded_by="tester",
    )


def _try_to_record(db) -> None:
    with db.transaction() as s:
        force = s.scalar(select(m.Force.id).limit(1))
        product = s.scalar(select(m.Product.id).limit(1))
        s.add(_purchase(force, product, "WRITE/1"))


# -- damaged ---------------------------------------------------------------------------------


def test_a_damaged_file_opens_read_only_and_names_the_backup_to_restore(catalogue):
    backup = backup_sqlite(catalogue, SCHEMA_HEAD)
    damage(catalogue)
    before = _digest(catalogue)

    db = open_database(str(catalogue))
    try:
        assert db.read_only
        assert "is damaged" in db.read_only_reason
        assert f"restore the newest backup beside it, {backup.name}" in db.read_only_reason
        with pytest.raises(ReadOnlyDatabaseError) as refused:
            _try_to_record(db)
        assert str(refused.value) == db.read_only_reason
        with pytest.raises(ReadOnlyDatabaseError):
            db.remove_demo()
    finally:
        db.close()
    assert _digest(catalogue) == before


def test_a_damaged_file_without_a_backup_says_there_is_none(catalogue):
    damage(catalogue)
    db = open_database(str(catalogue))
    try:
        assert db.read_only
        assert "no backup of it was found beside it" in db.read_only_reason
    finally:
        db.close()


def test_the_backup_the_damage_sentence_names_is_the_newest(catalogue):
    older = backup_sqlite(catalogue, "0005")
    newer = backup_sqlite(catalogue, SCHEMA_HEAD)
    os.utime(older, (1_600_000_000, 1_600_000_000))
    damage(catalogue)
    db = open_database(str(catalogue))
    try:
        assert newer.name in db.read_only_reason and older.name not in db.read_only_reason
    finally:
        db.close()


# -- read-only -------------------------------------------------------------------------------


def test_a_read_only_file_opens_read_only_and_refuses_writes(catalogue):
    before = _digest(catalogue)
    with unwritable(catalogue):
        db = open_database(str(catalogue))
        try:
            assert db.read_only
            assert "read-only" in db.read_only_reason
            assert _count(db, m.Product) > 0 and _count(db, m.Purchase) > 0
            with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
                _try_to_record(db)
            with pytest.raises(ReadOnlyDatabaseError):
                db.seed()
        finally:
            db.close()
    assert _digest(catalogue) == before


def test_a_catalogue_in_a_read_only_folder_can_still_be_read(catalogue):
    with unwritable(catalogue.parent):
        db = open_database(str(catalogue))
        try:
            assert db.read_only
            assert _count(db, m.Purchase) > 0
            assert db.has_demo_data()
            with pytest.raises(ReadOnlyDatabaseError):
                _try_to_record(db)
        finally:
            db.close()
        assert sorted(p.name for p in catalogue.parent.iterdir()) == [catalogue.name]


# -- locked ----------------------------------------------------------------------------------

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA locking_mode = EXCLUSIVE")
conn.execute("BEGIN EXCLUSIVE")
conn.execute("UPDATE regions SET name = name")
print("locked", flush=True)
time.sleep(120)
"""


def test_a_file_locked_by_another_program_is_reported_as_locked(catalogue):
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(catalogue)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout.readline().strip() == "locked"
        with pytest.raises(DatabaseError) as refused:
            open_database(str(catalogue))
        assert "is locked by another program" in str(refused.value)
        assert "not a SQLite database" not in str(refused.value)
    finally:
        locker.kill()
        locker.wait()
    db = open_database(str(catalogue))  # once the other program has let go, it opens
    try:
        assert not db.read_only
    finally:
        db.close()


# -- backups ---------------------------------------------------------------------------------


def test_backups_made_in_the_same_instant_never_share_a_name(catalogue):
    made = [backup_sqlite(catalogue, "0005") for _ in range(5)]
    assert len(set(made)) == 5
    for backup in made:
        conn = sqlite3.connect(f"{backup.as_uri()}?mode=ro", uri=True)
        try:
            assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
            assert conn.execute("SELECT count(*) FROM purchases").fetchone()[0] > 0
        finally:
            conn.close()
    leftovers = [p.name for p in catalogue.parent.iterdir() if ".partial-" in p.name]
    assert leftovers == []


def test_a_backup_left_half_written_by_a_killed_process_is_removed(catalogue):
    leftover = catalogue.with_name(f".{catalogue.name}.partial-999999999-deadbeef")
    leftover.write_bytes(b"SQLite format 3\x00")
    backup = backup_sqlite(catalogue, "0005")
    assert not leftover.exists()
    assert sorted(p.name for p in catalogue.parent.iterdir()) == sorted(
        [catalogue.name, backup.name]
    )


# -- first start, demo data ------------------------------------------------------------------


def test_a_first_start_gives_the_catalogue_and_an_empty_ledger(new_location):
    db = open_database(new_location)
    try:
        assert db.migration.created
        assert _count(db, m.Product) > 0 and _count(db, m.Force) > 0
        assert _count(db, m.Purchase) == 0
        assert not db.has_demo_data()
        assert db.seeded is not None and db.seeded.demo_purchases == 0
    finally:
        db.close()


def test_demo_data_comes_only_when_asked_and_goes_completely(new_location):
    db = open_database(new_location, demo=True)
    try:
        assert db.has_demo_data()
        demo = _count(db, m.Purchase)
        assert demo > 0 and _count(db, m.PurchaseShare) > 0
        with db.transaction() as s:
            force = s.scalar(select(m.Force.id).limit(1))
            product = s.scalar(select(m.Product.id).limit(1))
            real = _purchase(force, product, "REAL/1")
            real.recorded_by = "demo"  # an officer whose login is "demo" records a real order
            s.add(real)
            s.flush()
            s.add(
                m.AuditEvent(
                    actor="demo",
                    action="create",
                    entity_type="purchase",
                    entity_id=real.id,
                    after="{}",
                )
            )

        assert db.remove_demo() == demo

        assert not db.has_demo_data()
        with db.reading() as s:
            assert s.scalars(select(m.Purchase.order_reference)).all() == ["REAL/1"]
            assert s.scalar(select(func.count()).select_from(m.PurchaseShare)) == 0
            assert s.scalars(select(m.AuditEvent.entity_id)).all() == [real.id]
        assert db.remove_demo() == 0
    finally:
        db.close()


def test_upgrading_never_adds_purchases(db):
    with db.transaction() as s:
        s.execute(m.PurchaseShare.__table__.delete())
        s.execute(m.Purchase.__table__.delete())
    location = db.url.render_as_string(hide_password=False)
    db.close()
    again = open_database(location)
    try:
        assert _count(again, m.Purchase) == 0 and not again.has_demo_data()
    finally:
        again.close()


def test_a_catalogue_left_migrated_but_empty_is_seeded_at_start(backend_factory):
    location = backend_factory.new_location()
    empty = open_database(location, seed_new=False)
    try:
        assert _count(empty, m.Product) == 0
    finally:
        empty.close()

    repaired = open_database(location)
    try:
        assert _count(repaired, m.Product) > 0 and _count(repaired, m.Force) > 0
        assert _count(repaired, m.Purchase) == 0
        assert repaired.seeded is not None
    finally:
        repaired.close()
