"""Bring a database to the schema this version of the app expects.

* A new database is created and migrated to the head revision.
* An older one is backed up (SQLite: a consistent copy beside the file) and
  migrated in one transaction.
* One made by a newer version of the app, or one that is not a catalogue
  database at all, is refused with a sentence and left untouched: for SQLite
  files this is decided through a read-only connection before anything writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from catalogue_app import __version__
from catalogue_app.db.engine import create_app_engine, describe
from catalogue_app.domain.errors import DatabaseError
from catalogue_app.paths import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"
# The newest migration in db/migrations/versions. Checked against the scripts by
# the tests; it lets start-up confirm a current database without loading Alembic.
SCHEMA_HEAD = "0005"
# Made by migrations with raw SQL, not by the models: schema comparison skips them.
UNMODELLED_PREFIXES = ("product_search", "ix_products_search_trgm")


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Alembic filter: leave out the full-text search objects the models do not describe."""
    return not (name or "").startswith(UNMODELLED_PREFIXES)


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
    """Table names and stored revision, read without writing a byte.

    A closed database is read as immutable, so that not even WAL side files
    appear beside it; one with a live write-ahead log is read normally.
    """
    wal_in_use = path.with_name(path.name + "-wal").exists()
    mode = "mode=ro" if wal_in_use else "mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?{mode}", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open {path}: {exc}") from None
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        revision = None
        if VERSION_TABLE in tables:
            row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            revision = row[0] if row else None
        return tables, revision
    except sqlite3.DatabaseError:
        raise DatabaseError(f"{path} is not a SQLite database file") from None
    finally:
        conn.close()


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
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.before-{revision or 'base'}-{stamp}{path.suffix}")
    source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def upgrade(url: URL, engine: Engine | None = None, *, backup: bool = True) -> MigrationReport:
    """Migrate ``url`` to head; see the module docstring for what is refused."""
    path = _sqlite_path(url)
    if path is not None and not path.parent.is_dir():
        raise DatabaseError(f"cannot create {path}: the folder {path.parent} does not exist")
    own_engine = engine is None
    engine = engine or create_app_engine(url)
    try:
        state, revision = inspect_state(url, engine)
        head = SCHEMA_HEAD
        if state is SchemaState.CURRENT:
            return MigrationReport(False, revision, head, None)
        backup_path = None
        if state is SchemaState.OLDER and backup and path is not None:
            backup_path = backup_sqlite(path, revision)
        from alembic import command

        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return MigrationReport(state is SchemaState.MISSING, revision, head, backup_path)
    except OperationalError as exc:
        raise DatabaseError(
            f"cannot use the database {describe(url)}: {_first_line(exc)}"
        ) from None
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"migrating {describe(url)} failed and was rolled back: {_first_line(exc)}"
        ) from None
    finally:
        if own_engine:
            engine.dispose()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
