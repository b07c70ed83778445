"""The atomic writer: a file is the old one or the whole new one, and never the database."""

import os
from pathlib import Path

import pytest

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.atomic import (
    OutputRefused,
    atomic_open,
    atomic_path,
    atomic_text,
    database_files,
)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "catalogue.sqlite3"
    path.write_bytes(b"SQLite format 3\x00 the ledger")
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_new_file_appears_whole(tmp_path):
    target = tmp_path / "out.csv"
    atomic_text(target, "a,b\n1,2\n")
    assert target.read_text() == "a,b\n1,2\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("companion", ["", "-wal", "-shm", "-journal"])
def test_the_open_database_and_its_companions_are_refused(database, companion):
    target = database.with_name(database.name + companion)
    before = target.read_bytes() if target.exists() else None
    with pytest.raises(OutputRefused, match="is the open catalogue database"):
        atomic_text(target, "export", overwrite=True, protected=database_files(database))
    assert (target.read_bytes() if target.exists() else None) == before
    assert database.read_bytes() == b"SQLite format 3\x00 the ledger"


def test_a_symlink_to_the_database_is_refused(tmp_path, database):
    link = tmp_path / "innocent.csv"
    link.symlink_to(database)
    with pytest.raises(OutputRefused, match="is the open catalogue database"):
        atomic_text(link, "export", overwrite=True, protected=database_files(database))
    assert database.read_bytes() == b"SQLite format 3\x00 the ledger"


def test_a_hard_link_to_the_database_is_refused(tmp_path, database):
    link = tmp_path / "copy.csv"
    os.link(database, link)
    with pytest.raises(OutputRefused, match="is the open catalogue database"):
        atomic_text(link, "export", overwrite=True, protected=database_files(database))


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(OutputRefused, match="is a folder; give a file name"):
        atomic_text(tmp_path, "export", overwrite=True)


def test_a_missing_folder_is_refused_with_its_name(tmp_path):
    target = tmp_path / "nowhere" / "out.csv"
    with pytest.raises(OutputRefused, match=r"the folder .*nowhere does not exist"):
        atomic_text(target, "export")
    assert not target.parent.exists()


def test_an_existing_file_is_kept_unless_overwrite_is_allowed(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous")
    with pytest.raises(OutputRefused, match="out.csv exists; use --force to replace it"):
        atomic_text(target, "new")
    assert target.read_text() == "previous"
    atomic_text(target, "new", overwrite=True)
    assert target.read_text() == "new"


def test_a_symlink_is_replaced_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    link = tmp_path / "out.csv"
    link.symlink_to(elsewhere)
    atomic_text(link, "new", overwrite=True)
    assert not link.is_symlink() and link.read_text() == "new"
    assert elsewhere.read_text() == "keep me"


@pytest.mark.parametrize("failure", [RuntimeError("writer broke"), KeyboardInterrupt()])
def test_a_failure_mid_way_leaves_the_previous_file_and_no_temporary(tmp_path, failure):
    target = tmp_path / "out.csv"
    target.write_text("previous")
    with pytest.raises(type(failure)), atomic_open(target, "w", overwrite=True) as handle:
        handle.write("half of the new")
        raise failure
    assert target.read_text() == "previous"
    assert leftovers(tmp_path) == []


def test_a_write_error_names_the_target(tmp_path):
    target = tmp_path / "out.pdf"
    with pytest.raises(CatalogueError, match=r"cannot write .*out.pdf: disk full"):
        with atomic_path(target):
            raise OSError(28, "disk full")
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous")
    target.chmod(0o640)
    atomic_text(target, "new", overwrite=True)
    assert target.stat().st_mode & 0o777 == 0o640


def test_nothing_to_protect_for_a_server_database():
    assert database_files(None) == () and database_files(":memory:") == ()
