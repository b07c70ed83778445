"""The measurements that need no GUI, each beside its floor."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import uuid6
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import PageBreak, SimpleDocTemplate, Table
from sqlalchemy.dialects import sqlite as sqlite_dialect

from benchmarks.dataset import Scale
from benchmarks.gui_probe import SEARCHES
from benchmarks.timing import Line, growth, median_ms
from catalogue_app.db import models as m
from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.pricing import add_months
from catalogue_app.domain.purchases import SplitRule
from catalogue_app.interchange.purchases import TEMPLATE_COLUMNS
from catalogue_app.reports.briefing import APPENDIX_WIDTHS, render_briefing
from catalogue_app.services.briefing import BriefingService, day_text
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.services.database import open_database
from catalogue_app.services.ledger import (
    LedgerBrowser,
    LedgerExport,
    LedgerFilter,
    PurchaseDraft,
    PurchaseService,
)
from catalogue_app.services.spend import (
    SpendService,
    spend_by_buyer_statement,
    spend_by_category_statement,
)

FY_START, FY_END = date(2024, 4, 1), date(2025, 3, 31)
PAGE = 200
TODAY = date(2026, 11, 23)

# Purchase keys: what the app's purchases.id holds (random UUIDv4 text today) or the
# time-ordered UUIDv7 that keeps a B-tree's inserts at its right-hand edge.
KEY_KINDS: dict[str, Callable[[], str]] = {
    "uuid4": lambda: str(uuid.uuid4()),
    "uuid7": lambda: str(uuid6.uuid7()),
}


def app_key_kind() -> str:
    """The kind of key the app gives a new purchase (from the model's column default)."""
    default = m.Purchase.__table__.c.id.default
    key = uuid.UUID(default.arg(None))  # type: ignore[union-attr]
    return "uuid7" if key.version == 7 else "uuid4"


def raw_connection(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the app's own settings (write-ahead log,
    synchronous=NORMAL, foreign keys checked), so a floor pays what the app pays."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _sql(stmt) -> str:  # type: ignore[no-untyped-def]
    return str(
        stmt.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True})
    )


def _raw(path: Path, *sql: str):  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)

    def run() -> None:
        for statement in sql:
            conn.execute(statement).fetchall()

    return conn, run


def search_floors(path: Path, runs: int) -> dict[str, float]:
    db = open_database(str(path))
    floors = {}
    try:
        service = CatalogueService(db)
        with db.transaction() as s:
            statements = {
                label: service.product_search_statements(s, ProductQuery(text), PAGE)
                for label, text in SEARCHES.items()
            }
        for label, (count, page) in statements.items():
            conn, run = _raw(path, _sql(count), _sql(page))
            floors[label] = median_ms(run, runs)
            conn.close()
    finally:
        db.close()
    return floors


def spend(path: Path, runs: int, scale: Scale) -> list[Line]:
    db = open_database(str(path))
    try:
        service = SpendService(db)
        lines = []
        for label, call, stmt in (
            (
                "spend summary: by buyer, one financial year",
                lambda: service.by_buyer(FY_START, FY_END),
                spend_by_buyer_statement(FY_START, FY_END),
            ),
            (
                "spend summary: by category, all years",
                lambda: service.by_category(),
                spend_by_category_statement(None, None),
            ),
        ):
            figure = median_ms(call, runs)
            conn, run = _raw(path, _sql(stmt))
            floor = median_ms(run, runs)
            conn.close()
            lines.append(
                Line(
                    label,
                    figure,
                    floor,
                    "ms",
                    "≤ 1.3× floor",
                    figure <= 1.3 * floor,
                    "floor: same SQL via sqlite3",
                )
            )
        return lines
    finally:
        db.close()


def _scratch_copy(path: Path) -> tuple[Path, tempfile.TemporaryDirectory]:
    folder = tempfile.TemporaryDirectory(prefix="bench-")
    copy = Path(folder.name) / path.name
    shutil.copyfile(path, copy)
    return copy, folder


def _on_disk(path: Path) -> None:
    """Write a fresh copy's pages out before timing, or the first checkpoint of whatever is
    measured next pays for flushing the whole copy."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def record_purchase(path: Path, runs: int, scale: Scale, keys: str = "") -> list[Line]:
    keys = keys or app_key_kind()
    new_key = KEY_KINDS[keys]
    copy, folder = _scratch_copy(path)
    _on_disk(copy)
    db = open_database(str(copy))
    try:
        service = PurchaseService(db)
        counter = iter(range(10**6))

        def record() -> None:
            n = next(counter)
            service.record(
                PurchaseDraft(
                    "ecis",
                    "ATHENA",
                    10 + n % 50,
                    "2025-06-01",
                    f"BENCH/{n}",
                    framework="ESSEX-ATHENA",
                    lot="1",
                ),
                "benchmark",
                today=date(2026, 1, 1),
            )

        figure = median_ms(record, max(runs, 5) * 4)
        conn = raw_connection(copy)
        # the very values the app wrote for its last purchase, so the floor touches the
        # same index pages: buyer, product, lot, prices and the members' shares
        (last,) = conn.execute(
            "SELECT id FROM purchases WHERE order_reference LIKE 'BENCH/%' ORDER BY id DESC"
        ).fetchone()
        values = conn.execute(
            "SELECT buyer_force_id, buyer_collaboration_id, product_id, lot_id, quantity,"
            " unit_price, baseline_unit_price, order_date FROM purchases WHERE id = ?",
            (last,),
        ).fetchone()
        members = conn.execute(
            "SELECT force_id, amount FROM purchase_shares WHERE purchase_id = ?", (last,)
        ).fetchall()
        shares = json.dumps({str(force): amount for force, amount in members}, sort_keys=True)
        chain = "benchmark floor"

        def raw_insert() -> None:
            """What a record must write: the purchase, its shares, its first revision and its
            audit event, each revision and event at the next place of its sequence (read in
            the transaction, as another writer may have taken one), in one commit."""
            n = next(counter)
            key, reference = new_key(), f"RAW/{n}"
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO purchases (id, order_reference, buyer_force_id,"
                " buyer_collaboration_id, product_id, lot_id, quantity, unit_price,"
                " baseline_unit_price, order_date,"
                " recorded_by, recorded_at, status, notes, revision) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'benchmark', '2026-01-01 00:00:00', 'active',"
                " '', 1)",
                (key, reference, *values),
            )
            conn.executemany(
                "INSERT INTO purchase_shares (purchase_id, force_id, amount, order_date, status)"
                " VALUES (?, ?, ?, ?, 'active')",
                [(key, force, amount, values[-1]) for force, amount in members],
            )
            (seq,) = conn.execute(
                "SELECT max(origin_seq) FROM purchase_revisions WHERE origin = ?", (chain,)
            ).fetchone()
            conn.execute(
                "INSERT INTO purchase_revisions (id, purchase_id, number, origin, origin_seq,"
                " action, recorded_by, recorded_at, order_reference, buyer_force_id,"
                " buyer_collaboration_id, product_id, lot_id, quantity, unit_price,"
                " baseline_unit_price, order_date, status, notes, shares) VALUES (?, ?, 1, ?, ?,"
                " 'create', 'benchmark', '2026-01-01 00:00:00', ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " 'active', '', ?)",
                (key, key, chain, (seq or 0) + 1, reference, *values, shares),
            )
            head = conn.execute(
                "SELECT seq, hash FROM audit_events WHERE chain = ? ORDER BY seq DESC LIMIT 1",
                (chain,),
            ).fetchone() or (0, "0" * 64)
            after = json.dumps({"order_reference": reference, "shares": shares}, sort_keys=True)
            digest = hashlib.sha256((head[1] + key + after).encode()).hexdigest()
            conn.execute(
                "INSERT INTO audit_events (occurred_at, actor, action, entity_type, entity_id,"
                " after, chain, seq, prev_hash, hash) VALUES ('2026-01-01 00:00:00',"
                " 'benchmark', 'create', 'purchase', ?, ?, ?, ?, ?, ?)",
                (key, after, chain, head[0] + 1, head[1], digest),
            )
            conn.execute("COMMIT")

        floor = median_ms(raw_insert, max(runs, 5) * 4)
        conn.close()
        return [
            Line(
                "record one purchase (validate, split, audit, commit)",
                figure,
                floor,
                "ms",
                "≤ 4× floor",
                figure <= 4 * floor,
                "floor: the same purchase, shares, revision and chained audit event through"
                f" sqlite3, one commit, {keys} keys",
            )
        ]
    finally:
        db.close()
        folder.cleanup()


# -- briefings -------------------------------------------------------------------------------


def plain_pages(cells: list[list[str]], pages: int) -> BytesIO:
    """The floor: the appendix's cells as plain reportlab tables, one table per landscape
    page with the appendix's column widths, spread over as many pages as the briefing has
    (so a floor page holds as many rows as a briefing page, on average)."""
    per_page = max(1, -(-len(cells) // max(1, pages)))
    story: list[object] = []
    for start in range(0, len(cells), per_page):
        story += [Table(cells[start : start + per_page], colWidths=APPENDIX_WIDTHS), PageBreak()]
    out = BytesIO()
    SimpleDocTemplate(out, pagesize=landscape(A4)).build(story[:-1])
    return out


def _briefing_period(db, lines: int) -> tuple[str, date, date]:  # type: ignore[no-untyped-def]
    """The busiest force and the shortest run of months up to 31 Mar 2026 holding at least
    ``lines`` purchases (all ten years when they hold fewer)."""
    buyer, end = "metropolitan", date(2026, 3, 31)
    browser = LedgerBrowser(db)

    def first_day(months: int) -> date:
        return add_months(end + timedelta(days=1), -months)

    low, high = 1, 120
    while low < high:  # the purchases in a period grow with its months
        middle = (low + high) // 2
        if browser.summary(LedgerFilter(buyer, first_day(middle), end)).total >= lines:
            high = middle
        else:
            low = middle + 1
    return buyer, first_day(low), end


def _render_child(path: Path, buyer: str, start: date, end: date) -> tuple[int, float]:
    """Pages and the peak resident memory (MB) of a fresh process that builds the briefing
    and renders it, as the app does."""
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.measures",
            "briefing",
            str(path),
            buyer,
            start.isoformat(),
            end.isoformat(),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    report = json.loads(child.stdout.strip().splitlines()[-1])
    return report["pages"], report["peak_mb"]


def _build_briefing(path: Path, buyer: str, start: date, end: date):  # type: ignore[no-untyped-def]
    db = open_database(str(path))
    try:
        return BriefingService(db).build(buyer, start, end, today=TODAY)
    finally:
        db.close()


def pdf_pages(path: Path, runs: int, scale: Scale) -> list[Line]:
    """Briefings of about 100 and about 1,500 pages, each beside plain tables set one per
    page (a floor that grows linearly), with the rate's growth between the two."""
    db = open_database(str(path))
    try:
        small_period = _briefing_period(db, scale.briefing_lines[0])
        large_period = _briefing_period(db, scale.briefing_lines[1])
    finally:
        db.close()
    lines: list[Line] = []
    measured: list[tuple[int, float]] = []
    for period in (small_period, large_period):
        data = _build_briefing(path, *period)
        pages = render_briefing(data, BytesIO())
        seconds = median_ms(lambda d=data: render_briefing(d, BytesIO()), runs) / 1000
        cells = [  # what the appendix prints, each on one line
            [
                day_text(ln.order_date),
                ln.order_reference,
                ln.product,
                ln.supplier,
                data.route_name(ln.route),
                f"{ln.quantity:,}",
                format_gbp(ln.unit_price),
                format_gbp(ln.total),
                format_gbp(ln.saving),
            ]
            for ln in data.lines
        ]
        floor_pages = len(PdfReader(plain_pages(cells, pages)).pages)
        floor = floor_pages / (median_ms(lambda c=cells, n=pages: plain_pages(c, n), runs) / 1000)
        figure = pages / seconds
        measured.append((pages, seconds))
        lines.append(
            Line(
                f"briefing PDF ({pages:,} pages, {len(data.lines):,} purchases)",
                figure,
                floor,
                "pages/s",
                "≥ 150 pages/s",
                figure >= 150,
                f"{period[0]}; floor: the same cells as plain tables, one per page",
                higher_is_better=True,
            )
        )
        del data, cells
    (small_pages, small_s), (large_pages, large_s) = measured
    exponent = growth(small_pages, small_s, large_pages, large_s)
    lines[-1].grows = exponent
    small_rate, large_rate = small_pages / small_s, large_pages / large_s
    peak_pages, peak_mb = _render_child(path, *large_period)
    lines += [
        Line(
            f"briefing rate at {large_pages:,} pages against {small_pages:,} pages",
            large_rate / small_rate,
            None,
            "×",
            "≥ 0.9× (linear)",
            large_rate >= 0.9 * small_rate,
            higher_is_better=True,
            grows=exponent,
        ),
        Line(
            f"peak memory, build and render a {peak_pages:,}-page briefing",
            peak_mb,
            None,
            "MB",
            "≤ 200 MB",
            peak_mb <= 200,
            "a fresh process",
        ),
    ]
    return lines


# -- importing purchases ---------------------------------------------------------------------


def import_file_rows(path: Path, rows: int) -> list[dict[str, object]]:
    """An import file's rows built from the ledger's own export: framework routes, joint
    purchases with their splits, notes, as officers send them. Every row is a new purchase
    (a new order reference, no id) and leaves the baseline to the list price in force on
    its order date; a third of the joint purchases use the default split instead."""
    db = open_database(str(path))
    try:
        exported = LedgerExport(db).records(None, date(2016, 4, 1), date(2026, 3, 31))
    finally:
        db.close()
    step = max(1, len(exported) // rows)
    sample = exported[::step][:rows]
    out: list[dict[str, object]] = []
    joint = 0
    for n in range(rows):
        record = sample[n % len(sample)]
        split = str(record["split"] or "")
        if split:
            joint += 1
            if joint % 3 == 0:
                split = ""
        out.append(
            {
                "id": "",
                "order_reference": f"IMPORT/{n:07d}",
                "buyer": record["buyer"],
                "product": record["product"],
                "framework": record["framework"],
                "lot": record["lot"],
                "quantity": record["quantity"],
                "unit_price": record["unit_price"],
                "baseline_unit_price": "",
                "order_date": record["order_date"],
                "split": split,
                "notes": record["notes"],
            }
        )
    return out


def _write_csv(rows: list[dict[str, object]], target: Path) -> None:
    with target.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TEMPLATE_COLUMNS)
        for row in rows:
            writer.writerow([row.get(c, "") for c in TEMPLATE_COLUMNS])


def _pence(amount: object) -> int:
    return int(Decimal(str(amount)) * 100)  # money is stored as whole pence


def _floor_rows(
    conn: sqlite3.Connection, rows: list[dict[str, object]], new_key: Callable[[], str]
) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple]]:
    """The purchase, share, first-revision and chained audit rows an import of ``rows``
    lands, ready to insert."""
    forces = dict(conn.execute("SELECT code, id FROM forces"))
    collaborations = dict(conn.execute("SELECT code, id FROM collaborations"))
    products = dict(conn.execute("SELECT code, id FROM products"))
    lots = {
        (ref, number): lot
        for ref, number, lot in conn.execute(
            "SELECT f.reference, l.number, l.id FROM lots l JOIN frameworks f "
            "ON l.framework_id = f.id"
        )
    }
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    chain, head = "benchmark floor", "0" * 64
    purchases, shares, revisions, audit = [], [], [], []
    for n, row in enumerate(rows, start=1):
        key = new_key()
        buyer = str(row["buyer"])
        values = (
            forces.get(buyer),
            collaborations.get(buyer),
            products[str(row["product"])],
            lots.get((row["framework"], row["lot"])),
            row["quantity"],
            _pence(row["unit_price"]),
            _pence(row["unit_price"]),
            str(row["order_date"]),
        )
        purchases.append((key, row["order_reference"], *values, "benchmark", now, row["notes"]))
        split: dict[int, int] = {}
        if row["split"]:
            for code, amount in (SplitRule.parse(str(row["split"])).amounts or {}).items():
                split[forces[code]] = _pence(amount)
                shares.append((key, forces[code], _pence(amount), str(row["order_date"])))
        split_json = json.dumps({str(force): pence for force, pence in split.items()})
        revisions.append(
            (key, key, chain, n, now, row["order_reference"], *values, row["notes"], split_json)
        )
        after = json.dumps(row, default=str, sort_keys=True)
        digest = hashlib.sha256((head + key + after).encode()).hexdigest()
        audit.append((now, key, after, chain, n, head, digest))
        head = digest
    return purchases, shares, revisions, audit


def _raw_import(target: Path, rows: list[dict[str, object]], keys: str) -> float:
    """Seconds to land the same purchases, shares, first revisions and chained audit events
    with plain executemany in one transaction, at the app's settings and with its kind of
    key."""
    conn = raw_connection(target)
    try:
        purchases, shares, revisions, audit = _floor_rows(conn, rows, KEY_KINDS[keys])
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO purchases (id, order_reference, buyer_force_id, buyer_collaboration_id,"
            " product_id, lot_id, quantity, unit_price, baseline_unit_price, order_date,"
            " recorded_by, recorded_at, notes, status, revision, reference_repeat)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 1, 0)",
            purchases,
        )
        conn.executemany(
            "INSERT INTO purchase_shares (purchase_id, force_id, amount, order_date, status)"
            " VALUES (?, ?, ?, ?, 'active')",
            shares,
        )
        conn.executemany(
            "INSERT INTO purchase_revisions (id, purchase_id, number, origin, origin_seq, action,"
            " recorded_by, recorded_at, order_reference, buyer_force_id, buyer_collaboration_id,"
            " product_id, lot_id, quantity, unit_price, baseline_unit_price, order_date, status,"
            " notes, shares) VALUES (?, ?, 1, ?, ?, 'import', 'benchmark', ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, 'active', ?, ?)",
            revisions,
        )
        conn.executemany(
            "INSERT INTO audit_events (occurred_at, actor, action, entity_type, entity_id, after,"
            " chain, seq, prev_hash, hash) VALUES (?, 'benchmark', 'import', 'purchase', ?, ?,"
            " ?, ?, ?, ?)",
            audit,
        )
        conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


def _app_import(copy: Path, csv_path: Path, rows: int) -> float:
    target, folder = _scratch_copy(copy)
    _on_disk(target)
    db = open_database(str(target))
    try:
        start = time.perf_counter()
        report = PurchaseService(db).import_file(csv_path, "benchmark", today=TODAY)
        seconds = time.perf_counter() - start
        if report.imported != rows:
            raise RuntimeError(f"the benchmark's import landed {report.imported} of {rows} rows")
        return seconds
    finally:
        db.close()
        folder.cleanup()


def csv_import(path: Path, runs: int, scale: Scale, keys: str = "") -> list[Line]:
    """A realistic import file at two sizes into the full ledger, each beside a raw floor
    that lands the same rows, with how the time grows from one size to the other."""
    keys = keys or app_key_kind()
    copy, folder = _scratch_copy(path)
    try:
        lines: list[Line] = []
        measured: list[tuple[int, float]] = []
        for size in scale.import_rows:
            rows = import_file_rows(copy, size)
            csv_path = Path(folder.name) / f"purchases-{size}.csv"
            _write_csv(rows, csv_path)
            repeats = max(1, min(runs, 3)) if size <= 200_000 else 1
            samples = sorted(_app_import(copy, csv_path, size) for _ in range(repeats))
            seconds = samples[len(samples) // 2]
            target, run_folder = _scratch_copy(copy)
            _on_disk(target)
            try:
                floor_seconds = _raw_import(target, rows, keys)
            finally:
                run_folder.cleanup()
            measured.append((size, seconds))
            figure, floor = size / seconds, size / floor_seconds
            lines.append(
                Line(
                    f"CSV import of {size:,} purchase rows",
                    figure,
                    floor,
                    "rows/s",
                    "≥ 0.6× floor",
                    figure >= 0.6 * floor,
                    "routes, splits, notes; floor: raw executemany of the same purchases, "
                    f"shares, revisions and chained audit events, {keys} keys",
                    higher_is_better=True,
                )
            )
            del rows
        (small, small_s), (large, large_s) = measured
        lines[-1].grows = growth(small, small_s, large, large_s)
        ratio = (large / large_s) / (small / small_s)
        lines.append(
            Line(
                f"import rate at {large:,} rows against {small:,} rows",
                ratio,
                None,
                "×",
                "≥ 0.9× (linear)",
                ratio >= 0.9,
                higher_is_better=True,
                grows=lines[-1].grows,
            )
        )
        return lines
    finally:
        folder.cleanup()


def _peak_mb() -> float:
    """This process's peak resident memory (MB): Linux's VmHWM, which starts afresh when the
    process runs a new program. (The rusage figure keeps the peak of the process it was
    forked from, so a child of a large benchmark would report its parent's memory.)"""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _briefing_child(argv: list[str]) -> None:
    path, buyer, start, end = argv
    data = _build_briefing(Path(path), buyer, date.fromisoformat(start), date.fromisoformat(end))
    pages = render_briefing(data, BytesIO())
    print(json.dumps({"pages": pages, "peak_mb": _peak_mb()}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["briefing"]:
        _briefing_child(sys.argv[2:])
