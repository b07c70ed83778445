"""Engines and sessions for the embedded SQLite file or a shared PostgreSQL server."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from catalogue_app.domain.errors import DatabaseError
from catalogue_app.paths import default_database_path

ENV_VAR = "CATALOGUE_DATABASE_URL"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
BUSY_TIMEOUT_MS = 5000


def resolve_database_url(value: str | None = None) -> URL:
    """Turn ``--database``, the environment or the default into a URL.

    ``value`` may be a SQLAlchemy URL (``postgresql+psycopg://…``) or a path to
    a SQLite file. A bare ``postgresql://`` URL is pointed at psycopg 3.
    """
    raw = value if value is not None else os.environ.get(ENV_VAR) or None
    if raw is None:
        return URL.create("sqlite+pysqlite", database=str(default_database_path()))
    raw = raw.strip()
    if not raw:
        raise DatabaseError("the database location is empty; give a file path or a URL")
    if "://" not in raw:
        return _sqlite_url_for_path(Path(raw).expanduser())
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseError(f"“{raw}” is neither a database URL nor a file path") from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseError(
            f"database type “{backend}” is not supported; use a SQLite file path "
            "or a postgresql+psycopg:// URL"
        )
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        return _sqlite_url_for_path(Path(url.database).expanduser())
    return url


def _sqlite_url_for_path(path: Path) -> URL:
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file")
    return URL.create("sqlite+pysqlite", database=str(path.resolve()))


def describe(url: URL) -> str:
    """A human-readable name for the database, never showing a password."""
    if url.get_backend_name() == "sqlite":
        return url.database or "in-memory SQLite"
    return url.render_as_string(hide_password=True)


def create_app_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy issue BEGIN itself so transactions behave as on PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "memory" and mode != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn) -> None:  # type: ignore[no-untyped-def]
    conn.exec_driver_sql("BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
