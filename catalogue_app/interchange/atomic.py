"""Writing a file so that it is either the old one or the whole new one, never half.

Every output (export, template, briefing, comparison) is written to a temporary
file in the target's folder, flushed and synced to disk, then renamed over the
target in one step. A failure or an interrupt at any moment leaves the previous
file untouched and no temporary file behind. Before anything is written the
target is checked: the open database and its companions are never overwritten.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.paths import fsync_file, fsync_folder

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


class OutputRefused(CatalogueError):
    """The output path cannot be written as asked; the sentence says why."""


def database_files(database: str | os.PathLike[str] | None) -> tuple[Path, ...]:
    """An embedded database file and the companions SQLite keeps beside it.

    ``None`` or an in-memory name gives nothing to protect.
    """
    if database is None or str(database) in ("", ":memory:"):
        return ()
    path = Path(database)
    return (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS))


def check_target(
    target: str | os.PathLike[str], *, overwrite: bool = False, protected: Iterable[Path] = ()
) -> Path:
    """``target`` as a Path, or :class:`OutputRefused` with the sentence a user reads."""
    path = Path(target)
    for guarded in protected:
        if _same_file(path, Path(guarded)):
            raise OutputRefused(
                f"{path} is the open catalogue database (or one of its files); "
                "choose another file name for the output"
            )
    if path.is_dir() and not path.is_symlink():
        raise OutputRefused(f"{path} is a folder; give a file name for the output")
    folder = path.parent
    if not folder.exists():
        raise OutputRefused(f"the folder {folder} does not exist; create it first")
    if not folder.is_dir():
        raise OutputRefused(f"{folder} is not a folder")
    if os.path.lexists(path) and not overwrite:
        raise OutputRefused(f"{path} exists; use --force to replace it")
    return path


@contextmanager
def atomic_path(
    target: str | os.PathLike[str], *, overwrite: bool = False, protected: Iterable[Path] = ()
) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; when the block ends without an error the
    file there is synced and renamed onto ``target`` (a symlink is replaced, not followed).

    Works with any writer that takes a file name (reportlab, openpyxl). An ``OSError``
    while writing becomes a :class:`~catalogue_app.domain.errors.CatalogueError` naming
    the target.
    """
    path = check_target(target, overwrite=overwrite, protected=protected)
    temporary = _create_temporary(path)
    try:
        if path.is_file() and not path.is_symlink():
            shutil.copymode(path, temporary)  # a replaced file keeps its permissions
        yield temporary
        fsync_file(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise CatalogueError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


@contextmanager
def atomic_open(
    target: str | os.PathLike[str],
    mode: str = "w",
    *,
    overwrite: bool = False,
    protected: Iterable[Path] = (),
    **open_args: Any,
) -> Iterator[IO[Any]]:
    """Like :func:`open` for writing (``"w"`` or ``"wb"``), through :func:`atomic_path`."""
    if mode not in ("w", "wb"):
        raise ValueError("atomic_open writes whole files: mode is 'w' or 'wb'")
    with (
        atomic_path(target, overwrite=overwrite, protected=protected) as temporary,
        open(temporary, mode, **open_args) as handle,
    ):
        yield handle


def atomic_text(
    target: str | os.PathLike[str],
    text: str,
    *,
    overwrite: bool = False,
    protected: Iterable[Path] = (),
    encoding: str = "utf-8",
) -> None:
    with atomic_open(
        target, "w", overwrite=overwrite, protected=protected, encoding=encoding, newline=""
    ) as handle:
        handle.write(text)


def _same_file(path: Path, guarded: Path) -> bool:
    if path.resolve() == guarded.resolve():
        return True
    try:
        return os.path.samefile(path, guarded)
    except OSError:  # one of them does not exist (yet)
        return False


def _create_temporary(path: Path) -> Path:
    """A new empty file beside ``path``, created with the usual permissions (umask)."""
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except OSError as exc:
            raise CatalogueError(f"cannot write {path}: {exc.strerror or exc}") from None
        return temporary
