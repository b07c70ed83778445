"""A seeded SQLite catalogue file to copy, for the tests that open, damage or kill files."""

import shutil
from pathlib import Path

import pytest

from catalogue_app.services.database import open_database


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded catalogue file (demo history included) for this module to copy."""
    path = tmp_path_factory.mktemp("template") / "catalogue.sqlite"
    open_database(str(path), demo=True).close()
    return path


@pytest.fixture
def catalogue(sqlite_template: Path, tmp_path: Path) -> Path:
    """A closed copy of the seeded catalogue, alone in its own folder."""
    folder = tmp_path / "catalogue"
    folder.mkdir()
    path = folder / "catalogue.sqlite"
    shutil.copyfile(sqlite_template, path)
    return path
