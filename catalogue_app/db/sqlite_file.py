"""The embedded SQLite file as a file: probing, creating, backing up, whole or not at all.

* :func:`probe` reads a file's tables, schema revision and a quick integrity
  check without writing a byte, and tells a damaged file, a locked file and a
  file that is not a database apart.
* New files and backups are written under a hidden temporary name beside the
  target and put in place only when complete (:func:`put_in_place`), so a kill
  at any moment leaves either no file or a whole one, never half of one.
  Temporaries left by a killed process are removed by the next start.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from catalogue_app.db.engine import BUSY_TIMEOUT_MS, sqlite_read_only_uri
from catalogue_app.domain.errors import DatabaseError
from catalogue_app.paths import fsync_file, fsync_folder

HEADER = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-shm", "-journal")
VERSION_TABLE = "alembic_version"
_TEMP_MARK = ".partial-"
_MAX_PROBLEMS = 10


@dataclass(frozen=True)
class FileProbe:
    """What an existing SQLite file holds and how it may be opened."""

    tables: tuple[str, ...]
    revision: str | None
    problems: tuple[str, ...]  # from the integrity check; empty when the file is sound
    writable: bool  # the file and its folder can be written by this user
    immutable: bool  # read-only connections must not lock or make side files

    @property
    def damaged(self) -> bool:
        return bool(self.problems)


def is_sqlite_error(exc: BaseException, *names: str) -> bool:
    """Whether ``exc`` is a SQLite error whose primary result code is one of ``names``."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return any(name == n or name.startswith(n + "_") for n in names)


def is_locked(exc: BaseException) -> bool:
    return is_sqlite_error(exc, "SQLITE_BUSY", "SQLITE_LOCKED")


def is_read_only(exc: BaseException) -> bool:
    return is_sqlite_error(exc, "SQLITE_READONLY")


def is_damaged(exc: BaseException) -> bool:
    return is_sqlite_error(exc, "SQLITE_CORRUPT", "SQLITE_NOTADB")


def locked_sentence(path: Path | str) -> str:
    return (
        f"{path} is locked by another program; close the program that is using it "
        "(or wait for it to finish) and try again"
    )


def has_sqlite_header(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(HEADER)) == HEADER
    except OSError:
        return False


def is_writable(path: Path) -> bool:
    """Whether this user may write the file and create its side files beside it."""
    folder_ok = os.access(path.parent, os.W_OK | os.X_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def probe(path: Path, *, check: bool = True) -> FileProbe:
    """Read ``path`` without writing a byte to it or beside it.

    A file whose -wal is present is in use and is read through SQLite's locks;
    a closed one is read as immutable, so that no side files appear. Raises
    :class:`DatabaseError` with a sentence for a locked file, an unreadable one
    and one that is not a SQLite database; a damaged database is returned with
    its problems for the caller to decide.
    """
    # Other processes may be writing: a reader can meet a moment of contention (a
    # checkpoint, the write-ahead log appearing) that the busy handler does not cover.
    # Only a lock that lasts the whole busy timeout is another program's.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        writable = is_writable(path)
        in_use = _in_use(path)
        # Where SQLite cannot create the shared-memory file, only immutable reads work.
        immutable = not in_use or (not writable and not path.with_name(path.name + "-shm").exists())
        try:
            found = _probe_once(path, check=check, writable=writable, immutable=immutable)
        except _Contended:
            if time.monotonic() >= deadline:
                raise DatabaseError(locked_sentence(path)) from None
            time.sleep(0.05)
            continue
        if found.damaged and found.immutable and _in_use(path) and time.monotonic() < deadline:
            # read without locks while a writer started: read again through the locks
            continue
        return found


class _Contended(Exception):
    """The file was locked while it was being read."""


def _in_use(path: Path) -> bool:
    return any(path.with_name(path.name + s).exists() for s in ("-wal", "-journal"))


def _probe_once(path: Path, *, check: bool, writable: bool, immutable: bool) -> FileProbe:
    try:
        conn = sqlite3.connect(
            sqlite_read_only_uri(path, immutable=immutable),
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open {path}: {exc}") from None
    try:
        tables = tuple(
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        )
        revision = None
        if VERSION_TABLE in tables:
            row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            revision = row[0] if row else None
        problems = _quick_check(conn) if check else ()
        return FileProbe(tables, revision, problems, writable, immutable)
    except sqlite3.Error as exc:
        if is_locked(exc):
            raise _Contended from None
        if has_sqlite_header(path) and is_damaged(exc):
            return FileProbe((), None, (str(exc),), writable, immutable)
        if is_sqlite_error(exc, "SQLITE_NOTADB") or not has_sqlite_header(path):
            raise DatabaseError(f"{path} is not a SQLite database file") from None
        raise DatabaseError(f"cannot read {path}: {exc}") from None
    finally:
        conn.close()


def _quick_check(conn: sqlite3.Connection) -> tuple[str, ...]:
    try:
        found = [r[0] for r in conn.execute(f"PRAGMA quick_check({_MAX_PROBLEMS})")]
    except sqlite3.Error as exc:
        if is_damaged(exc):
            return (str(exc),)
        raise
    return () if found == ["ok"] else tuple(found)


# -- whole files only ----------------------------------------------------------------------


def temporary_beside(target: Path) -> Path:
    """A hidden name beside ``target`` that no other process will choose."""
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return target.with_name(f".{target.name}{_TEMP_MARK}{token}")


def put_in_place(temporary: Path, target: Path) -> bool:
    """Give the complete ``temporary`` the name ``target`` unless that name is taken.

    The file is flushed to disk first and the rename is atomic, so ``target``
    is either absent or whole. Returns False (leaving ``temporary``) when
    ``target`` exists already, for example made meanwhile by another process.
    """
    fsync_file(temporary)
    try:
        os.link(temporary, target)  # fails if target exists: no silent replacement
    except FileExistsError:
        return False
    except OSError:
        # A file system without hard links: rename, after checking the name is free.
        if target.exists():
            return False
        os.replace(temporary, target)
    else:
        temporary.unlink()
    fsync_folder(target.parent)
    return True


def remove_leftovers(target: Path) -> None:
    """Delete temporaries beside ``target`` left by processes that no longer run."""
    prefix = f".{target.name}{_TEMP_MARK}"
    with contextlib.suppress(OSError):
        for leftover in target.parent.glob(f"{glob_escape(prefix)}*"):
            pid = leftover.name.removeprefix(prefix).split("-", 1)[0]
            if not pid.isdigit() or not _process_running(int(pid)):
                with contextlib.suppress(OSError):
                    leftover.unlink()


def glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


def remove_with_side_files(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def build_in_place(target: Path, build: Callable[[Path], None]) -> bool:
    """Create ``target`` by ``build``-ing a temporary file, then putting it in place.

    Returns False when another process created ``target`` first (ours is discarded).
    """
    remove_leftovers(target)
    temporary = temporary_beside(target)
    try:
        build(temporary)
        for side in SIDE_FILES:  # a cleanly closed database has none left
            if temporary.with_name(temporary.name + side).exists():
                raise DatabaseError(f"creating {target} did not finish writing; try again")
        return put_in_place(temporary, target)
    finally:
        remove_with_side_files(temporary)


# -- backups -------------------------------------------------------------------------------


def backup(path: Path, label: str) -> Path:
    """A consistent copy of ``path`` beside it, named ``<stem>.before-<label>-<time><suffix>``.

    SQLite's online backup copies the database as one snapshot (other programs
    may keep using it) into a temporary file that takes its name only when
    complete. Names carry microseconds and, if two backups still meet, a counter.
    """
    remove_leftovers(path)
    temporary = temporary_beside(path)
    try:
        # A read-write connection, unlike a read-only one, tidies its side files on close.
        source = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            dest = sqlite3.connect(temporary)
            try:
                source.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")  # a lone file, no side files
            finally:
                dest.close()
        finally:
            source.close()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        base = f"{path.stem}.before-{label}-{stamp}"
        for n in range(1, 1000):
            target = path.with_name(f"{base}{'' if n == 1 else f'-{n}'}{path.suffix}")
            if put_in_place(temporary, target):
                return target
        raise DatabaseError(f"cannot name a backup of {path}: too many backups at {stamp}")
    except sqlite3.Error as exc:
        if is_locked(exc):
            raise DatabaseError(locked_sentence(path)) from None
        raise DatabaseError(f"cannot back up {path}: {exc}") from None
    finally:
        remove_with_side_files(temporary)


def backups_of(path: Path) -> list[Path]:
    """Backups beside ``path``, newest first."""
    pattern = f"{glob_escape(path.stem)}.before-*{glob_escape(path.suffix)}"
    found = [p for p in path.parent.glob(pattern) if p.is_file()]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


def damage_sentence(path: Path, problems: tuple[str, ...], *, opened: bool) -> str:
    """Why a damaged file is not written to, and the backup to restore from."""
    backups = backups_of(path)
    advice = (
        f"restore the newest backup beside it, {backups[0].name}"
        if backups
        else "no backup of it was found beside it, so keep a copy before trying to repair it"
    )
    state = "was opened read-only so that nothing more is lost" if opened else "was not changed"
    return f"{path} is damaged ({problems[0]}) and {state}; {advice}"


# -- helpers -------------------------------------------------------------------------------


def _process_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return False  # only this process's own temporaries are in use there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
