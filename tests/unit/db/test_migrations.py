import hashlib
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from catalogue_app.db.engine import resolve_database_url
from catalogue_app.db.migrate import (
    SCHEMA_HEAD,
    alembic_config,
    head_revision,
    include_object,
    upgrade,
)
from catalogue_app.db.models import Base
from catalogue_app.domain.errors import DatabaseError
from catalogue_app.services.database import open_database


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_empty_database_upgraded_to_head_matches_the_models(new_location):
    url = resolve_database_url(new_location)
    report = upgrade(url)
    assert report.created and report.to_revision == head_revision()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "target_metadata": Base.metadata,
                    "include_object": include_object,
                },
            )
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
        # and `alembic check` agrees
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.check(cfg)
    finally:
        engine.dispose()


def test_upgrading_a_current_database_changes_nothing(db):
    report = upgrade(db.url, db.engine)
    assert not report.created and not report.migrated and report.backup is None


def test_older_sqlite_database_is_backed_up_then_migrated_keeping_its_data(tmp_path):
    path = tmp_path / "old.sqlite"
    url = resolve_database_url(str(path))
    cfg = alembic_config()
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO regions (code, name, nation) VALUES ('x', 'X', 'England')"))
    engine.dispose()
    before = _digest(path)

    db = open_database(str(path))
    try:
        assert db.migration.from_revision == "0001"
        assert db.migration.to_revision == head_revision()
        assert db.migration.backup is not None and db.migration.backup.exists()
        backup = sqlite3.connect(db.migration.backup)
        assert backup.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert backup.execute("SELECT code FROM regions").fetchall() == [("x",)]
        backup.close()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT code FROM regions")).scalars().all() == ["x"]
            assert conn.execute(text("SELECT count(*) FROM purchases")).scalar() == 0
    finally:
        db.close()
    assert _digest(db.migration.backup) != "" and before != ""


def test_database_from_a_newer_version_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "newer.sqlite"
    db = open_database(str(path))
    db.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    before = _digest(path)
    files_before = sorted(p.name for p in tmp_path.iterdir())

    with pytest.raises(DatabaseError, match="newer version of catalogue-app") as info:
        open_database(str(path))
    assert "left untouched" in str(info.value)
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("shopping list\n" * 100)
    before = _digest(path)
    with pytest.raises(DatabaseError, match="not a SQLite database file"):
        open_database(str(path))
    assert _digest(path) == before


def test_a_database_of_another_application_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="not a catalogue database"):
        open_database(str(path))


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(str(tmp_path / "no" / "such" / "folder" / "x.sqlite"))


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    db = open_database(str(tmp_path / "pragmas.sqlite"))
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        db.close()


def test_the_schema_head_constant_matches_the_migration_scripts():
    assert head_revision() == SCHEMA_HEAD
