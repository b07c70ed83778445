"""Shared fixtures: isolated user folders, offscreen Qt, databases on each backend.

Every test that takes ``db`` runs on SQLite, and again on PostgreSQL when
CATALOGUE_TEST_POSTGRES_URL names a server where the tests may create
databases (for example postgresql+psycopg://postgres@localhost/postgres).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Qt or platformdirs: no display, no real user folders.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SANDBOX = Path(tempfile.mkdtemp(prefix="catalogue-tests-"))
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_SANDBOX / _var.lower())
os.environ.pop("CATALOGUE_DATABASE_URL", None)

import pytest  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from catalogue_app.services.database import Database, open_database  # noqa: E402

POSTGRES_ENV = "CATALOGUE_TEST_POSTGRES_URL"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends(), scope="session")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SANDBOX, ignore_errors=True)


class PostgresServer:
    """Creates and drops throw-away databases beside the admin URL's database."""

    def __init__(self, admin_url: str) -> None:
        self.admin = make_url(admin_url)
        if self.admin.drivername == "postgresql":
            self.admin = self.admin.set(drivername="postgresql+psycopg")

    def _execute(self, sql: str) -> None:
        import psycopg

        conninfo = self.admin.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql)

    def create(self, template: str | None = None) -> str:
        name = f"catalogue_test_{uuid.uuid4().hex[:12]}"
        suffix = f" TEMPLATE {template}" if template else ""
        self._execute(f"CREATE DATABASE {name}{suffix}")
        return name

    def drop(self, name: str) -> None:
        self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def url(self, name: str) -> str:
        return self.admin.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    return PostgresServer(os.environ[POSTGRES_ENV])


class Backend:
    """Makes fresh database locations on one backend."""

    def __init__(self, kind: str, tmp: Path, postgres: PostgresServer | None) -> None:
        self.kind, self.tmp, self.postgres = kind, tmp, postgres
        self._created: list[str] = []

    def new_location(self, template: str | None = None) -> str:
        if self.kind == "sqlite":
            path = self.tmp / f"{uuid.uuid4().hex[:12]}.sqlite"
            if template:
                shutil.copyfile(template, path)
            return str(path)
        assert self.postgres is not None
        name = self.postgres.create(template)
        self._created.append(name)
        return self.postgres.url(name)

    def drop_all(self) -> None:
        if self.postgres:
            for name in self._created:
                self.postgres.drop(name)


@pytest.fixture(scope="session")
def backend_factory(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Backend]:
    pg = request.getfixturevalue("postgres") if backend == "postgresql" else None
    factory = Backend(backend, tmp_path_factory.mktemp(backend), pg)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def seeded_template(backend_factory: Backend) -> str:
    """A database migrated and seeded once per run, demo history included; tests get copies."""
    location = backend_factory.new_location()
    db = open_database(location, demo=True)
    db.close()
    if backend_factory.kind == "sqlite":
        return location
    return make_url(location).database  # a template database name


@pytest.fixture
def db(backend_factory: Backend, seeded_template: str) -> Iterator[Database]:
    """A fresh copy of the seeded database (reference catalogue and demo history)."""
    database = open_database(backend_factory.new_location(seeded_template))
    yield database
    database.close()


@pytest.fixture
def db_location(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


@pytest.fixture
def new_location(backend_factory: Backend) -> str:
    """A location where no catalogue database exists yet."""
    return backend_factory.new_location()
