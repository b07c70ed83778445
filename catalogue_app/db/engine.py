"""Engines and sessions for the embedded SQLite file or a shared PostgreSQL server."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from catalogue_app.domain.errors import DatabaseError
from catalogue_app.paths import default_database_path

ENV_VAR = "CATALOGUE_DATABASE_URL"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
BUSY_TIMEOUT_MS = 5000
# How long a write waits in all for other writers before it is refused. SQLite's own
# busy handler backs off to 100 ms sleeps, so under steady contention one writer can
# keep missing its turn for the whole busy timeout; asking again restarts the backoff.
WRITE_WAIT_S = 60.0
# Execution option on a connection (or engine) whose transactions only read.
READ_ONLY_OPTION = "catalogue_read_only"


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


def create_app_engine(url: URL, *, read_only: bool = False, immutable: bool = False) -> Engine:
    """An engine for ``url``; an embedded file may be opened read-only.

    ``immutable`` (read-only files only) tells SQLite that nothing can change the
    file while it is open, so it neither locks it nor needs the write-ahead-log
    side files that a read-only folder cannot hold.
    """
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    timeout = BUSY_TIMEOUT_MS / 1000
    path = url.database if url.database not in (None, "", ":memory:") else None
    if read_only and path is not None:
        uri = sqlite_read_only_uri(Path(path), immutable=immutable)
        engine = create_engine(
            url,
            creator=lambda: sqlite3.connect(
                uri, uri=True, timeout=timeout, check_same_thread=False
            ),
        )
    else:
        engine = create_engine(url, connect_args={"timeout": timeout})
    event.listen(engine, "connect", partial(_sqlite_on_connect, read_only=read_only))
    event.listen(engine, "begin", partial(_sqlite_on_begin, read_only=read_only))
    return engine


def sqlite_read_only_uri(path: Path, *, immutable: bool = False) -> str:
    return f"{path.as_uri()}?mode=ro{'&immutable=1' if immutable else ''}"


def _sqlite_on_connect(dbapi_connection, _record, *, read_only: bool) -> None:  # type: ignore[no-untyped-def]
    # The driver must not open transactions itself: the "begin" listener does,
    # so that a write transaction takes the write lock when it starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "memory" and mode != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn, *, read_only: bool) -> None:  # type: ignore[no-untyped-def]
    # A deferred transaction that reads and then writes asks for the write lock
    # only at its first write; if another connection wrote meanwhile, SQLite
    # refuses at once ("database is locked") instead of waiting out the busy
    # timeout. BEGIN IMMEDIATE takes the lock up front, where the timeout applies.
    # Reads marked with READ_ONLY_OPTION stay deferred and never wait on writers.
    deferred = read_only or conn.get_execution_options().get(READ_ONLY_OPTION, False)
    if deferred:
        conn.exec_driver_sql("BEGIN")
        return
    deadline = time.monotonic() + WRITE_WAIT_S
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            still_waiting = time.monotonic() < deadline
            if not (still_waiting and "database is locked" in str(exc.orig)):
                raise
            time.sleep(random.uniform(0.001, 0.02))  # spread the retries


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
