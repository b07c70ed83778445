"""Where the app finds its shipped data and keeps the user's.

In a wheel, the top-level ``db/`` and ``resources/`` folders are installed as
``catalogue_app/_data/``; in a source checkout they sit beside the package.
Both are found from the package's own location, never the working directory.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import platformdirs

APP_DIR_NAME = "catalogue-app"
_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def _data_root() -> Path:
    installed = _PACKAGE_DIR / "_data"
    if (installed / "db").is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent
    if (checkout / "db" / "migrations").is_dir():
        return checkout
    raise FileNotFoundError(
        f"the app's data folders (db/, resources/) are missing beside {_PACKAGE_DIR}; "
        "reinstall the app"
    )


def db_dir() -> Path:
    return _data_root() / "db"


def migrations_dir() -> Path:
    return db_dir() / "migrations"


def reference_dir() -> Path:
    return db_dir() / "reference"


def resources_dir() -> Path:
    return _data_root() / "resources"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def default_database_path() -> Path:
    return user_data_dir() / "catalogue.sqlite"


def fsync_file(path: Path) -> None:
    """Flush a written file's contents to the disk before it is renamed into place."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable where the system allows syncing a folder."""
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:  # Windows: a folder cannot be opened for syncing
        return
    try:
        fd = os.open(folder, os.O_RDONLY | flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse to sync a folder; the rename has happened
    finally:
        os.close(fd)
