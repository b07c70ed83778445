"""Opening the catalogue database: resolve, check, migrate, seed on first run.

An embedded file is checked before use: a damaged one (SQLite's quick integrity
check finds problems) or one this user may not write (a read-only file or
folder) is opened read-only, and every write is refused with a
:class:`ReadOnlyDatabaseError` saying why; a file locked by another program is
refused with a sentence saying so.

The integrity check reads every page of the file, seconds for a national
ledger, so the window and the command line may defer it
(``check_integrity="before-writes"``): reads start at once, the check runs when
asked (:meth:`Database.check_integrity`, on a worker) or at the latest before
the first write, and a damaged file then turns read-only with the same sentence
before anything is written.

A new database gets the reference catalogue and an empty ledger; the
illustrative demo history is added only when asked (``demo=True``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from catalogue_app.db import models as m
from catalogue_app.db import sqlite_file
from catalogue_app.db.engine import (
    READ_ONLY_OPTION,
    create_app_engine,
    describe,
    resolve_database_url,
    session_factory,
)
from catalogue_app.db.migrate import (
    SCHEMA_HEAD,
    MigrationReport,
    SchemaState,
    classify,
    upgrade,
)
from catalogue_app.domain.errors import CatalogueError, DatabaseError
from catalogue_app.paths import default_database_path


class ReadOnlyDatabaseError(DatabaseError):
    """A change was asked of a database that is open read-only; the sentence says why."""


@dataclass(frozen=True)
class SeedReport:
    added: dict[str, int] = field(default_factory=dict)
    demo_purchases: int = 0

    def summary(self) -> str:
        parts = [f"{n} {kind}" for kind, n in self.added.items() if n]
        if self.demo_purchases:
            parts.append(f"{self.demo_purchases} illustrative demo purchases")
        return "added " + ", ".join(parts) if parts else "nothing to add: already seeded"


@dataclass(frozen=True)
class RepeatedReference:
    """An order reference one buyer used on several active purchases before the rule held."""

    buyer: str
    order_reference: str
    purchases: int


class Database:
    """An open catalogue database: its URL, engine and session factories.

    ``read_only_reason`` (a sentence) is set when the database was opened
    read-only; ``read_only`` is then true and every write is refused with it.
    """

    def __init__(
        self,
        url: URL,
        engine: Engine,
        *,
        read_only_reason: str | None = None,
        unchecked: bool = False,
    ) -> None:
        self.url = url
        self.read_only_reason = read_only_reason
        self._use(engine)
        self.migration: MigrationReport | None = None
        self.seeded: SeedReport | None = None
        # the deferred integrity check of an embedded file: pending until it has run
        self._checked = threading.Event()
        if not unchecked:
            self._checked.set()
        self._check_lock = threading.Lock()

    def _use(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self._reading: sessionmaker[Session] = session_factory(
            engine.execution_options(**{READ_ONLY_OPTION: True})
        )

    @property
    def description(self) -> str:
        return describe(self.url)

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    @property
    def check_pending(self) -> bool:
        """Whether the integrity check deferred at opening has still to run."""
        return not self._checked.is_set()

    def require_writable(self) -> None:
        """Raise :class:`ReadOnlyDatabaseError` before any work if nothing may be written.

        Runs a deferred integrity check first (it may take seconds on a large file).
        """
        self.check_integrity()
        if self.read_only_reason is not None:
            raise ReadOnlyDatabaseError(self.read_only_reason)

    def check_integrity(self) -> str | None:
        """Run the integrity check deferred at opening, if it has not run yet.

        Returns the sentence saying why the file is now read-only when this call
        found it damaged, else None (sound, checked before, or not deferred). A
        damaged file is reopened read-only before this returns, so nothing is written
        to it afterwards; writes that arrive meanwhile wait for the check.
        """
        if self._checked.is_set():
            return None
        with self._check_lock:
            if self._checked.is_set():  # another thread checked meanwhile
                return None
            path = _sqlite_file(self.url)
            assert path is not None, "only an embedded file has its check deferred"
            found = sqlite_file.probe(path)
            if found.damaged:
                reason = sqlite_file.damage_sentence(path, found.problems, opened=True)
                old = self.engine
                self._use(create_app_engine(self.url, read_only=True, immutable=found.immutable))
                self.read_only_reason = reason
                old.dispose()
            self._checked.set()
            return self.read_only_reason if found.damaged else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work that may write: committed on success, rolled back on any error.

        On SQLite it takes the write lock as it begins, waiting out the busy
        timeout for other writers. Database failures become a
        :class:`DatabaseError` with a sentence.
        """
        self.check_integrity()
        with self._translated(self.sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """One unit of work that only reads: it never waits for writers on SQLite."""
        with self._translated(self._reading) as session:
            yield session

    @contextmanager
    def _translated(self, sessions: sessionmaker[Session]) -> Iterator[Session]:
        try:
            with sessions.begin() as session:
                yield session
        except CatalogueError:
            raise
        except DBAPIError as exc:
            raise self._sentence_for(exc) from exc
        except SQLAlchemyError as exc:
            raise DatabaseError(f"the database {self.description} failed: {exc}") from exc

    def _sentence_for(self, exc: DBAPIError) -> DatabaseError:
        orig = exc.orig
        if sqlite_file.is_read_only(orig):
            return ReadOnlyDatabaseError(
                self.read_only_reason or f"{self.description} is read-only; nothing was changed"
            )
        if self.backend == "sqlite" and sqlite_file.is_locked(orig):
            return DatabaseError(sqlite_file.locked_sentence(self.description))
        if sqlite_file.is_damaged(orig):
            return DatabaseError(
                f"{self.description} is damaged ({orig}); restore it from a backup"
            )
        if getattr(orig, "sqlstate", None) == "42501":  # insufficient privilege
            return DatabaseError(
                "the server refused this change: your login may not make it; "
                "ask the database administrator if it should"
            )
        reason = str(orig).strip().splitlines()[0] if orig else type(exc).__name__
        return DatabaseError(
            f"the database {self.description} could not complete the request: {reason}"
        )

    def seed(self, *, demo: bool = False) -> SeedReport:
        """Load the reference catalogue where it is missing, and the demo history if asked.

        Idempotent: what is present already is not added again.
        """
        self.require_writable()
        with self.transaction() as session:
            report = _seed(session, demo=demo)
        self.seeded = report
        return report

    def has_demo_data(self) -> bool:
        """Whether illustrative demo purchases are in the ledger (titles and briefings say so)."""
        from catalogue_app.db.demo import has_demo_history

        with self.reading() as session:
            return has_demo_history(session)

    def remove_demo(self) -> int:
        """Delete the demo purchases, their shares and audit events in one go; return how many.

        They were never real call-offs, so they are deleted, not voided.
        """
        from catalogue_app.db.demo import remove_demo_history

        self.require_writable()
        with self.transaction() as session:
            return remove_demo_history(session)

    def repeated_references(self) -> list[RepeatedReference]:
        """Order references recorded more than once by one buyer before the database
        enforced one active purchase per reference, for people to review."""
        P = m.Purchase
        repeated = (
            select(P.buyer_force_id, P.buyer_collaboration_id, P.order_reference)
            .where(P.status == "active", P.reference_repeat > 0)
            .distinct()
            .subquery()
        )
        buyer = func.coalesce(m.Force.code, m.Collaboration.code)
        stmt = (
            select(buyer, P.order_reference, func.count())
            .join(
                repeated,
                (P.order_reference == repeated.c.order_reference)
                & (
                    (P.buyer_force_id == repeated.c.buyer_force_id)
                    | (P.buyer_collaboration_id == repeated.c.buyer_collaboration_id)
                ),
            )
            .outerjoin(m.Force, m.Force.id == P.buyer_force_id)
            .outerjoin(m.Collaboration, m.Collaboration.id == P.buyer_collaboration_id)
            .where(P.status == "active")
            .group_by(buyer, P.order_reference)
            .order_by(buyer, P.order_reference)
        )
        with self.reading() as session:
            return [RepeatedReference(b, ref, n) for b, ref, n in session.execute(stmt)]

    def is_empty(self) -> bool:
        """Whether the catalogue holds nothing at all: no reference data and no purchases."""
        # plain SQL, asked at every start: the ORM's mappers need not be configured for it
        tables = (m.Region, m.Force, m.Supplier, m.Product, m.Framework, m.Purchase)
        found = " OR ".join(f"EXISTS (SELECT 1 FROM {t.__tablename__})" for t in tables)
        with self.reading() as session:
            return not session.connection().exec_driver_sql(f"SELECT {found}").scalar()

    def close(self) -> None:
        self.engine.dispose()


def _seed(session: Session, *, demo: bool) -> SeedReport:
    from catalogue_app.db.demo import generate_demo_history, has_demo_history
    from catalogue_app.db.reference import load_reference

    loaded = load_reference(session)
    demo_count = 0
    if demo and not has_demo_history(session):
        demo_count = generate_demo_history(session)
    return SeedReport(dict(loaded.added), demo_count)


def open_database(
    location: str | None = None,
    *,
    migrate: bool = True,
    seed_new: bool = True,
    demo: bool = False,
    check_integrity: Literal["now", "before-writes"] = "now",
) -> Database:
    """Open the database named by ``location`` (or the environment, or the default file).

    The default file's folder is created on first run. A new database is
    created, migrated and seeded with the reference catalogue (and the demo
    history when ``demo``) as one whole; a catalogue left migrated but empty by
    an interrupted first run is seeded now. An older one is backed up and
    migrated; a newer one is refused untouched. An embedded file that is
    damaged or that this user may not write opens read-only (see the module
    docstring). With ``check_integrity="before-writes"`` a current, writable file
    opens without its integrity check, which runs later (see the module docstring);
    a file that needs upgrading is always checked first.
    """
    url = resolve_database_url(location)
    if url.get_backend_name() == "sqlite" and url.database == str(default_database_path()):
        default_database_path().parent.mkdir(parents=True, exist_ok=True)
    path = _sqlite_file(url)
    unchecked = False
    if path is not None and path.exists():
        reason, immutable, unchecked = _read_only_reason(
            path, url, defer_check=check_integrity == "before-writes"
        )
        if reason is not None:
            db = Database(
                url,
                create_app_engine(url, read_only=True, immutable=immutable),
                read_only_reason=reason,
            )
            db.migration = MigrationReport(False, SCHEMA_HEAD, SCHEMA_HEAD, None)
            return db
    db = Database(url, create_app_engine(url), unchecked=unchecked)
    try:
        if migrate:
            seeded: list[SeedReport] = []

            def fill(session: Session) -> None:
                if seed_new:
                    seeded.append(_seed(session, demo=demo))

            db.migration = upgrade(url, db.engine, on_create=fill)
            if seeded:
                db.seeded = seeded[0]
            elif seed_new and _left_empty(db):
                db.seed(demo=demo)  # a catalogue an interrupted first run left empty
    except BaseException:
        db.close()
        raise
    return db


def _left_empty(db: Database) -> bool:
    """Whether the catalogue holds nothing; a file whose deferred check is still to run
    and that cannot be read here is checked now (a damaged one then opens read-only)."""
    try:
        return db.is_empty()
    except DatabaseError:
        if db.check_pending and db.check_integrity() is not None:
            return False
        raise


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _read_only_reason(path: Path, url: URL, *, defer_check: bool) -> tuple[str | None, bool, bool]:
    """Why an existing file must open read-only (None if it need not), whether its
    read-only connections must be immutable, and whether its integrity check was
    deferred. Refuses what cannot open at all."""
    if defer_check:
        found = sqlite_file.probe(path, check=False)
        if found.writable and found.revision == SCHEMA_HEAD and not found.damaged:
            return None, False, True
    found = sqlite_file.probe(path)
    if found.damaged:
        state = SchemaState.OLDER if found.revision != SCHEMA_HEAD else SchemaState.CURRENT
        if state is not SchemaState.CURRENT:
            raise DatabaseError(sqlite_file.damage_sentence(path, found.problems, opened=False))
        return (
            sqlite_file.damage_sentence(path, found.problems, opened=True),
            found.immutable,
            False,
        )
    if found.writable:
        return None, False, False
    state = classify(list(found.tables), found.revision, describe(url))
    if state is not SchemaState.CURRENT:
        raise DatabaseError(
            f"{path} is read-only for you and needs upgrading to this version's schema "
            f"({SCHEMA_HEAD}); ask for write access to it and its folder, or open a copy"
        )
    return (
        f"{path} is read-only for you (the file or its folder cannot be written), "
        "so it was opened for reading only and nothing can be changed",
        found.immutable,
        False,
    )
