"""Opening the catalogue database: resolve, migrate, seed on first run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from catalogue_app.db import models as m
from catalogue_app.db.engine import (
    create_app_engine,
    describe,
    resolve_database_url,
    session_factory,
)
from catalogue_app.db.migrate import MigrationReport, upgrade
from catalogue_app.domain.errors import CatalogueError, DatabaseError
from catalogue_app.paths import default_database_path


@dataclass(frozen=True)
class SeedReport:
    added: dict[str, int] = field(default_factory=dict)
    demo_purchases: int = 0

    def summary(self) -> str:
        parts = [f"{n} {kind}" for kind, n in self.added.items() if n]
        if self.demo_purchases:
            parts.append(f"{self.demo_purchases} illustrative demo purchases")
        return "added " + ", ".join(parts) if parts else "nothing to add: already seeded"


class Database:
    """An open catalogue database: its URL, engine and session factory."""

    def __init__(self, url: URL, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self.migration: MigrationReport | None = None
        self.seeded: SeedReport | None = None

    @property
    def description(self) -> str:
        return describe(self.url)

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error.

        Database failures become a :class:`DatabaseError` with a sentence.
        """
        try:
            with self.sessions.begin() as session:
                yield session
        except CatalogueError:
            raise
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise DatabaseError(
                f"the database {self.description} could not complete the request: {reason}"
            ) from exc
        except SQLAlchemyError as exc:
            raise DatabaseError(f"the database {self.description} failed: {exc}") from exc

    def seed(self, *, demo: bool = True) -> SeedReport:
        """Load the reference catalogue (and demo history) where it is missing; idempotent."""
        from catalogue_app.db.demo import generate_demo_history, has_demo_history
        from catalogue_app.db.reference import load_reference

        with self.transaction() as session:
            loaded = load_reference(session)
            demo_count = 0
            if demo and not has_demo_history(session):
                demo_count = generate_demo_history(session)
        report = SeedReport(dict(loaded.added), demo_count)
        self.seeded = report
        return report

    def is_empty(self) -> bool:
        with self.transaction() as session:
            return session.scalar(select(m.Force.id).limit(1)) is None

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    location: str | None = None, *, migrate: bool = True, seed_new: bool = True
) -> Database:
    """Open the database named by ``location`` (or the environment, or the default file).

    The default file's folder is created on first run. A new database is
    migrated and seeded with the reference catalogue and the demo history; an
    older one is backed up and migrated; a newer one is refused untouched.
    """
    url = resolve_database_url(location)
    if url.get_backend_name() == "sqlite" and url.database == str(default_database_path()):
        default_database_path().parent.mkdir(parents=True, exist_ok=True)
    engine = create_app_engine(url)
    db = Database(url, engine)
    try:
        if migrate:
            db.migration = upgrade(url, engine)
            if seed_new and db.migration.created:
                db.seed(demo=True)
    except BaseException:
        engine.dispose()
        raise
    return db
