"""The large benchmark database: generated once with the app's own generators, then cached."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Index

from catalogue_app.db import models as m
from catalogue_app.db.demo import generate_demo_history
from catalogue_app.db.synthetic import generate_synthetic_catalogue
from catalogue_app.paths import db_dir
from catalogue_app.services.database import open_database

ROOT = Path(__file__).resolve().parent
# CATALOGUE_BENCH_CACHE keeps a second cache (for example while comparing two versions of db/)
CACHE = Path(os.environ.get("CATALOGUE_BENCH_CACHE", ROOT / "cache"))
PACKAGE = ROOT.parent / "catalogue_app"


@dataclass(frozen=True)
class Scale:
    name: str
    products: int
    suppliers: int
    frameworks: int
    purchases: int
    runs: int
    import_rows: tuple[int, int]  # an import file at two sizes, to see how its time grows
    briefing_lines: tuple[int, int] = (2_000, 30_000)  # about 100 and 1,500 pages
    first_year: int = 2016
    last_year: int = 2025  # ten financial years


FULL = Scale("full", 100_000, 1_000, 200, 1_000_000, runs=5, import_rows=(100_000, 1_000_000))
QUICK = Scale(
    "quick",
    10_000,
    100,
    20,
    100_000,
    runs=3,
    import_rows=(2_000, 20_000),
    briefing_lines=(400, 4_000),
)
# search at national scale: a million products over the same million purchases
NATIONAL = Scale(
    "national", 1_000_000, 10_000, 2_000, 1_000_000, runs=5, import_rows=(100_000, 1_000_000)
)
SCALES = {scale.name: scale for scale in (QUICK, FULL, NATIONAL)}


def _fingerprint(scale: Scale) -> str:
    digest = hashlib.sha256(repr(scale).encode())
    sources = sorted((PACKAGE / "db").glob("*.py")) + sorted((db_dir()).rglob("*.*"))
    for path in sources:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def bulk_load_indexes() -> list[Index]:
    """A bulk load builds the ledger's secondary indexes once, after the rows are in,
    rather than keep eight of them sorted through a million inserts."""
    return [*m.Purchase.__table__.indexes, *m.PurchaseShare.__table__.indexes]


def generation_floor(path: Path) -> float | None:
    """The raw-insert floor measured beside the generation of ``path`` (None: not measured)."""
    meta = path.with_suffix(".json")
    return json.loads(meta.read_text()).get("floor") if meta.exists() else None


def ensure(scale: Scale, rebuild: bool = False) -> tuple[Path, float, bool]:
    """Path of the cached database, seconds its generation took, and whether it was cached.

    A new database has its raw-insert floor measured beside it (see :func:`generation_floor`).
    """
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{scale.name}-{_fingerprint(scale)}.sqlite"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists() and not rebuild:
        return path, json.loads(meta.read_text())["seconds"], True
    for old in CACHE.glob(f"{scale.name}-*"):
        old.unlink()
    start = time.perf_counter()
    db = open_database(str(path), seed_new=False)
    try:
        db.seed(demo=False)
        with db.transaction() as s:
            generate_synthetic_catalogue(
                s,
                products=scale.products,
                suppliers=scale.suppliers,
                frameworks=scale.frameworks,
            )
        indexes = bulk_load_indexes()
        with db.engine.begin() as conn:
            for index in indexes:
                index.drop(conn)
        with db.transaction() as s:
            generate_demo_history(
                s,
                purchases=scale.purchases,
                first_year=scale.first_year,
                last_year=scale.last_year,
            )
        with db.engine.begin() as conn:
            for index in indexes:
                index.create(conn)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        db.close()
    # fold the write-ahead log into the file, outside any transaction (the app's begin IMMEDIATE)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    seconds = time.perf_counter() - start
    # imported here: the floor uses benchmarks.measures, which imports this module
    from benchmarks.floor import generation_floor as raw_insert_floor

    floor, _ = raw_insert_floor(path, [str(index.name) for index in bulk_load_indexes()])
    meta.write_text(json.dumps({"seconds": seconds, "floor": floor, "scale": scale.__dict__}))
    return path, seconds, False
