"""The raw-insert floor for generating the benchmark database.

The same rows the generators wrote (read back from the generated file, in the
order they were inserted, so the keys are the same kind and arrive in the same
order) are inserted with plain sqlite3 executemany into a new database with the
same schema and reference data, at the app's own settings, with the same index
handling as the generation: the ledger's secondary indexes dropped for the load
and built afterwards, then ANALYZE and the write-ahead log folded into the file.
Only the inserts, the index builds, ANALYZE, the commit and the checkpoint are
timed; reading the rows back is not.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Collection
from pathlib import Path

from benchmarks.measures import raw_connection
from catalogue_app.services.database import open_database

# In the order the generators fill them (parents before children).
TABLES = (
    "suppliers",
    "products",
    "product_prices",
    "frameworks",
    "lots",
    "offers",
    "lot_suppliers",
    "price_breaks",
    "purchases",
    "purchase_shares",
    "purchase_revisions",
)
CHUNK = 50_000


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _new_rows(
    source: sqlite3.Connection, target: sqlite3.Connection, table: str, columns: list[str]
) -> sqlite3.Cursor:
    """The generated rows of ``table``: those the reference data alone does not hold."""
    listed = ", ".join(columns)
    if table == "lot_suppliers":
        (last,) = target.execute("SELECT COALESCE(max(id), 0) FROM lots").fetchone()
        return source.execute(
            f"SELECT {listed} FROM {table} WHERE lot_id > ? ORDER BY rowid", (last,)
        )
    if "id" in columns and table not in ("purchases", "purchase_revisions"):
        (last,) = target.execute(f"SELECT COALESCE(max(id), 0) FROM {table}").fetchone()
        return source.execute(f"SELECT {listed} FROM {table} WHERE id > ? ORDER BY rowid", (last,))
    return source.execute(f"SELECT {listed} FROM {table} ORDER BY rowid")


def _indexes(conn: sqlite3.Connection, names: Collection[str]) -> list[tuple[str, str]]:
    """The (name, CREATE statement) of the named indexes."""
    return [
        (name, sql)
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        if name in names
    ]


def generation_floor(generated: Path, bulk_indexes: Collection[str]) -> tuple[float, int]:
    """Seconds to insert the generated database's rows with plain executemany, and how many.

    ``bulk_indexes`` names the indexes the generation drops for the load and builds after.
    """
    with tempfile.TemporaryDirectory() as folder:
        location = Path(folder) / "floor.sqlite"
        db = open_database(str(location), seed_new=False)
        try:
            db.seed(demo=False)
        finally:
            db.close()
        source = sqlite3.connect(f"file:{generated}?mode=ro", uri=True)
        target = raw_connection(location)
        try:
            indexes = _indexes(target, set(bulk_indexes))
            timed, rows = 0.0, 0
            start = time.perf_counter()
            target.execute("BEGIN IMMEDIATE")
            for name, _ in indexes:
                target.execute(f"DROP INDEX {name}")
            timed += time.perf_counter() - start
            for table in TABLES:
                columns = _columns(target, table)
                insert = (
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})"
                )
                cursor = _new_rows(source, target, table, columns)
                while chunk := cursor.fetchmany(CHUNK):
                    start = time.perf_counter()
                    target.executemany(insert, chunk)
                    timed += time.perf_counter() - start
                    rows += len(chunk)
            start = time.perf_counter()
            for _, sql in indexes:
                target.execute(sql)
            target.execute("COMMIT")
            target.execute("ANALYZE")
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as the generation folds its log
            timed += time.perf_counter() - start
            return timed, rows
        finally:
            source.close()
            target.close()
