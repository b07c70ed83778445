"""kill -9 in the middle of merging a bundle, again and again: all of it lands, or none."""

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

from catalogue_app.services.bundles import BundleService
from catalogue_app.services.database import open_database

pytestmark = pytest.mark.slow

KILLS = 15
ROWS = 6000


def _command(location: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "catalogue_app", "--database", str(location), *args]


def _snapshot(db_file: Path) -> tuple[int, int, int, int]:
    conn = sqlite3.connect(db_file)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("purchases", "purchase_revisions", "audit_events", "bundle_devices")
        )
    finally:
        conn.close()


def test_a_merge_killed_at_any_moment_lands_whole_or_not_at_all(tmp_path, monkeypatch):
    office_home, laptop_home = tmp_path / "office", tmp_path / "laptop"
    office_home.mkdir()
    laptop_home.mkdir()
    office = tmp_path / "office.sqlite"
    laptop = tmp_path / "laptop.sqlite"
    for path in (office, laptop):
        open_database(str(path)).close()
    source = tmp_path / "orders.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["order_reference", "buyer", "product", "quantity", "order_date"])
        for n in range(ROWS):
            writer.writerow([f"TRIP/{n}", "norfolk", "ATHENA", 1 + n % 7, "2025-01-02"])
    laptop_env = {**os.environ, "XDG_DATA_HOME": str(laptop_home)}
    subprocess.run(
        _command(laptop, "purchases", "import", str(source)),
        check=True,
        capture_output=True,
        env=laptop_env,
    )
    monkeypatch.setenv("XDG_DATA_HOME", str(laptop_home))
    bundle = tmp_path / "trip.catbundle"
    laptop_db = open_database(str(laptop))
    try:
        BundleService(laptop_db).export(bundle, full=True)
    finally:
        laptop_db.close()

    office_env = {**os.environ, "XDG_DATA_HOME": str(office_home)}
    argv = _command(office, "bundle", "merge", str(bundle), "--trust-device")
    before = _snapshot(office)
    probe = tmp_path / "probe.sqlite"
    probe.write_bytes(office.read_bytes())
    start = time.perf_counter()
    subprocess.run(
        _command(probe, "bundle", "merge", str(bundle), "--trust-device"),
        check=True,
        capture_output=True,
        env=office_env,
    )
    full = time.perf_counter() - start
    after = _snapshot(probe)
    assert after[0] == before[0] + ROWS

    rng = random.Random(16)
    killed = 0
    for _ in range(KILLS):
        proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=office_env
        )
        try:
            proc.wait(timeout=rng.uniform(0.3, full * 1.1))
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed += 1
        now = _snapshot(office)
        assert now in (before, after), f"a killed merge left {now} (before {before})"
        if now == after:
            break
    assert killed, "no merge was killed"
    subprocess.run(argv, check=True, capture_output=True, env=office_env)
    assert _snapshot(office) == after
