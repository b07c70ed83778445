"""Bring a database to the schema this version of the app expects.

* A new database is created, migrated to the head revision and given its first
  contents (``on_create``) as one whole: a new SQLite file is built under a
  temporary name beside the target and renamed into place when complete; an
  empty existing database (a PostgreSQL database, an empty file) is migrated
  and filled in one transaction. A kill at any moment leaves either nothing or
  a complete catalogue.
* An older one is backed up (SQLite: an online-backup copy beside the file,
  named only when complete) and migrated in one transaction.
* One made by a newer version of the app, or one that is not a catalogue
  database at all, is refused with a sentence and left untouched: for SQLite
  files this is decided through a read-only connection before anything writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from catalogue_app import __version__
from catalogue_app.db import sqlite_file
from catalogue_app.db.engine import create_app_engine, describe
from catalogue_app.domain.errors import DatabaseError
from catalogue_app.paths import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"
# The newest migration in db/migrations/versions. Checked against the scripts by
# the tests; it lets start-up confirm a current database without loading Alembic.
SCHEMA_HEAD = "0014"
# Made by migrations with raw SQL, not by the models: schema comparison skips them.
UNMODELLED_PREFIXES = ("product_search", "ix_products_search_trgm", "officer_forces")


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Alembic filter: leave out the full-text search objects the models do not describe."""
    return not (name or "").startswith(UNMODELLED_PREFIXES)


# Fills a newly created database inside the transaction that created it.
OnCreate = Callable[[Session], None]


class SchemaState(Enum):
    MISSING = "missing"  # no file / no tables yet
    CURRENT = "current"
    OLDER = "older"


@dataclass(frozen=True)
class MigrationReport:
    created: bool
    from_revision: str | None
    to_revision: str
    backup: Path | None

    @property
    def migrated(self) -> bool:
        return self.from_revision != self.to_revision


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    """The head revision as the migration scripts say (loads Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def _sqlite_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _read_state_sqlite(path: Path) -> tuple[list[str], str | None]:
    """Table names and stored revision, read without writing a byte."""
    found = sqlite_file.probe(path, check=False)
    if found.damaged:
        raise DatabaseError(sqlite_file.damage_sentence(path, found.problems, opened=False))
    return list(found.tables), found.revision


def _read_state_engine(engine: Engine) -> tuple[list[str], str | None]:
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        revision = None
        if VERSION_TABLE in tables:
            revision = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return tables, revision


def classify(tables: list[str], revision: str | None, where: str) -> SchemaState:
    tables = [t for t in tables if not t.startswith(UNMODELLED_PREFIXES)]
    if not tables or (tables == [VERSION_TABLE] and revision is None):
        return SchemaState.MISSING
    if revision is None:
        raise DatabaseError(
            f"{where} holds other data and is not a catalogue database; "
            "choose another file or an empty database"
        )
    if revision == SCHEMA_HEAD:
        return SchemaState.CURRENT
    if revision in _known_revisions():
        return SchemaState.OLDER
    raise DatabaseError(
        f"{where} was made by a newer version of catalogue-app (schema {revision}); "
        f"this version ({__version__}) knows schemas up to {SCHEMA_HEAD}. "
        "Install the newer version; the database was left untouched"
    )


def inspect_state(url: URL, engine: Engine | None = None) -> tuple[SchemaState, str | None]:
    path = _sqlite_path(url)
    if path is not None:
        if not path.exists():
            return SchemaState.MISSING, None
        tables, revision = _read_state_sqlite(path)
    else:
        assert engine is not None
        tables, revision = _read_state_engine(engine)
    return classify(tables, revision, describe(url)), revision


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """A complete copy of ``path`` beside it, named for the revision it holds."""
    return sqlite_file.backup(path, revision or "base")


def upgrade(
    url: URL,
    engine: Engine | None = None,
    *,
    backup: bool = True,
    on_create: OnCreate | None = None,
) -> MigrationReport:
    """Migrate ``url`` to head; see the module docstring for what is refused."""
    path = _sqlite_path(url)
    try:
        if path is not None:
            if not path.parent.is_dir():
                raise DatabaseError(
                    f"cannot create {path}: the folder {path.parent} does not exist"
                )
            if not path.exists() and _create_file(path, on_create):
                return MigrationReport(True, None, SCHEMA_HEAD, None)
        own_engine = engine is None
        engine = engine or create_app_engine(url)
        try:
            return _upgrade_existing(url, path, engine, backup, on_create)
        finally:
            if own_engine:
                engine.dispose()
    except OperationalError as exc:
        if path is not None and sqlite_file.is_locked(exc.orig):
            raise DatabaseError(sqlite_file.locked_sentence(path)) from None
        raise DatabaseError(
            f"cannot use the database {describe(url)}: {_first_line(exc)}"
        ) from None
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"migrating {describe(url)} failed and was rolled back: {_first_line(exc)}"
        ) from None


def _upgrade_existing(
    url: URL, path: Path | None, engine: Engine, backup: bool, on_create: OnCreate | None
) -> MigrationReport:
    state, revision = inspect_state(url, engine)
    if state is SchemaState.CURRENT:
        return MigrationReport(False, revision, SCHEMA_HEAD, None)
    backup_path = None
    if state is SchemaState.OLDER and backup and path is not None:
        backup_path = backup_sqlite(path, revision)
    with engine.begin() as conn:
        _migrate_and_fill(conn, on_create if state is SchemaState.MISSING else None)
    return MigrationReport(state is SchemaState.MISSING, revision, SCHEMA_HEAD, backup_path)


def _create_file(path: Path, on_create: OnCreate | None) -> bool:
    """Build a new catalogue file beside ``path`` and rename it into place.

    Returns False if another process created ``path`` meanwhile; theirs is kept.
    """

    def build(temporary: Path) -> None:
        engine = create_app_engine(URL.create("sqlite+pysqlite", database=str(temporary)))
        try:
            with engine.begin() as conn:
                _migrate_and_fill(conn, on_create)
        finally:
            engine.dispose()  # the last connection to close removes the -wal and -shm

    return sqlite_file.build_in_place(path, build)


def _migrate_and_fill(conn: Connection, on_create: OnCreate | None) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
    if on_create is not None:
        with Session(bind=conn) as session:  # joins the open transaction, never commits it
            on_create(session)
            session.flush()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
