"""kill -9 in the middle of an import or an export, again and again.

An import lands whole or not at all; an export leaves either the previous file
untouched or the complete new one, never an empty or half-written file.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalogue_app.services.database import open_database

pytestmark = pytest.mark.slow

KILLS = 20
ROWS = 4000


def _command(location: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "catalogue_app", "--database", location, *args]


def _kill_after(argv: list[str], seconds: float) -> int | None:
    """Start ``argv``, SIGKILL it after ``seconds`` unless it ended; its exit code or None."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def _timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def _file_refs(db_file: Path) -> int:
    conn = sqlite3.connect(db_file)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute(
            "SELECT count(*) FROM purchases WHERE order_reference LIKE 'KILL/%'"
        ).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """An embedded database with the reference catalogue and the demo history: what a laptop
    holds, and what a kill -9 can interrupt."""
    path = tmp_path / "laptop.sqlite"
    database = open_database(str(path))
    try:
        database.seed(demo=True)
    finally:
        database.close()
    return path


def test_an_import_killed_at_any_moment_lands_whole_or_not_at_all(db_file, tmp_path):
    source = tmp_path / "orders.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["order_reference", "buyer", "product", "quantity", "order_date"])
        for n in range(ROWS):
            writer.writerow([f"KILL/{n}", "norfolk", "ATHENA", 1 + n % 7, "2025-01-02"])
    argv = _command(str(db_file), "purchases", "import", str(source))
    probe = tmp_path / "probe.sqlite"
    probe.write_bytes(db_file.read_bytes())
    full = _timed(_command(str(probe), "purchases", "import", str(source)))
    rng = random.Random(12)
    outcomes = set()
    for _ in range(KILLS):
        code = _kill_after(argv, rng.uniform(0.2, full * 1.1))
        present = _file_refs(db_file)
        assert present in (0, ROWS), f"a killed import left {present} of {ROWS} rows"
        outcomes.add((code, present))
        if present == ROWS:
            break  # landed: later kills would only re-import nothing
    assert any(code is None for code, _ in outcomes), "no run was killed"
    subprocess.run(argv, check=True, capture_output=True)
    assert _file_refs(db_file) == ROWS


def test_an_export_killed_at_any_moment_leaves_the_old_file_or_the_whole_new_one(db_file, tmp_path):
    target = tmp_path / "ledger.csv"
    previous = "order_reference\nyesterday's export\n"
    argv = _command(
        str(db_file), "purchases", "export", "--format", "csv", "--out", str(target), "--force"
    )
    complete = tmp_path / "complete.csv"
    full = _timed(
        _command(str(db_file), "purchases", "export", "--format", "csv", "--out", str(complete))
    )
    expected = complete.read_bytes()
    rng = random.Random(7)
    killed = 0
    for _ in range(KILLS):
        target.write_text(previous, encoding="utf-8")
        code = _kill_after(argv, rng.uniform(0.2, full * 1.1))
        killed += code is None
        after = target.read_bytes()
        assert after in (previous.encode(), expected), (
            f"a killed export left {len(after)} bytes (old file {len(previous)}, "
            f"complete export {len(expected)})"
        )
        if code == 0:
            assert after == expected
    assert killed, "no run was killed"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "complete.csv"]
    # a SIGKILL cannot clean up, but what it leaves must never be mistaken for the export
    assert [n for n in leftovers if n.endswith(".csv")] == ["ledger.csv"], leftovers
