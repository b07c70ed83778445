"""Making a file or folder really unwritable for a test, whoever runs it; damaging a file."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Make ``path`` (a file or a folder) unwritable for this process, for real.

    chmod is enough for an ordinary user. The tests may run as root, whom
    permission bits do not stop; there the immutable attribute (chattr +i) is
    set instead, which the kernel enforces for root too. os.access is asked
    afterwards, so a test never runs on a path that is in fact writable.
    """
    mode = path.stat().st_mode
    path.chmod(mode & ~0o222)
    immutable = False
    if os.access(path, os.W_OK):
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        immutable = done.returncode == 0
    try:
        if os.access(path, os.W_OK):
            pytest.fail(f"cannot make {path} unwritable here: neither chmod nor chattr +i works")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


def damage(path: Path) -> None:
    """Overwrite eight pages in the middle of a SQLite file with a repeating pattern."""
    conn = sqlite3.connect(path)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    middle = (path.stat().st_size // page // 2) * page
    with path.open("r+b") as f:
        f.seek(middle)
        f.write(b"\xa5\x5a" * (page * 4))
