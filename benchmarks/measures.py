"""The measurements that need no GUI, each beside its floor."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.platypus import LongTable, SimpleDocTemplate
from sqlalchemy.dialects import sqlite as sqlite_dialect

from benchmarks.dataset import Scale
from benchmarks.gui_probe import SEARCHES
from benchmarks.timing import Line, median_ms
from catalogue_app.domain.pricing import add_months
from catalogue_app.interchange.purchases import TEMPLATE_COLUMNS
from catalogue_app.reports.briefing import render_briefing
from catalogue_app.services.briefing import BriefingService
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.services.database import open_database
from catalogue_app.services.ledger import LedgerService, PurchaseDraft, PurchaseService
from catalogue_app.services.spend import (
    SpendService,
    spend_by_buyer_statement,
    spend_by_category_statement,
)

FY_START, FY_END = date(2024, 4, 1), date(2025, 3, 31)
PAGE = 200


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


def record_purchase(path: Path, runs: int, scale: Scale) -> list[Line]:
    copy, folder = _scratch_copy(path)
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
        conn = sqlite3.connect(copy)

        def raw_insert() -> None:
            n = next(counter)
            with conn:
                conn.execute(
                    "INSERT INTO purchases (id, order_reference, buyer_force_id, product_id, "
                    "quantity, unit_price, baseline_unit_price, order_date, recorded_by, "
                    "recorded_at, status, notes, revision) VALUES (?, ?, 1, 1, 1, 100, 100, "
                    "'2025-06-01', 'benchmark', '2026-01-01 00:00:00', 'active', '', 1)",
                    (f"raw-{n}", f"RAW/{n}"),
                )

        floor = median_ms(raw_insert, max(runs, 5) * 4)
        conn.close()
        return [
            Line(
                "record one purchase (validate, split, audit, commit)",
                figure,
                floor,
                "ms",
                "",
                None,
                "floor: one raw INSERT and commit",
            )
        ]
    finally:
        db.close()
        folder.cleanup()


def pdf_pages(path: Path, runs: int, scale: Scale) -> list[Line]:
    """A briefing for a buyer with thousands of purchases, beside plain reportlab tables."""
    db = open_database(str(path))
    try:
        service = BriefingService(db)
        buyer, start, end = _busy_buyer(db)
        data = service.build(buyer, start, end, today=date(2026, 11, 23))
    finally:
        db.close()
    pages = render_briefing(data, BytesIO())
    figure_ms = median_ms(lambda: render_briefing(data, BytesIO()), runs)
    cells = [
        [
            ln.order_date.isoformat(),
            ln.order_reference,
            ln.product,
            ln.supplier,
            str(ln.route),
            str(ln.quantity),
            str(ln.unit_price),
            str(ln.total),
            str(ln.saving),
        ]
        for ln in data.lines
    ]

    def plain() -> BytesIO:
        out = BytesIO()
        SimpleDocTemplate(out, pagesize=A4).build([LongTable(cells, repeatRows=1)])
        return out

    floor_pages = len(PdfReader(plain()).pages)
    floor_ms = median_ms(plain, runs)
    figure = pages / (figure_ms / 1000)
    floor = floor_pages / (floor_ms / 1000)
    return [
        Line(
            f"briefing PDF ({pages} pages, {len(data.lines):,} purchases)",
            figure,
            floor,
            "pages/s",
            "≥ 60 pages/s; 100 pages ≤ 2 s",
            figure >= 60,
            f"{buyer}; floor: plain reportlab tables",
            higher_is_better=True,
        )
    ]


def _busy_buyer(db) -> tuple[str, date, date]:  # type: ignore[no-untyped-def]
    """A force and a run of months that hold about 4,000 purchases (a 100-page briefing)."""
    end = date(2026, 3, 31)
    for code in ("metropolitan", "west-midlands", "greater-manchester"):
        for months in (1, 2, 3, 6, 12, 24):
            start = add_months(end + timedelta(days=1), -months)
            if len(LedgerService(db).lines(code, start, end)) >= 3_500:
                return code, start, end
    return "metropolitan", date(2016, 4, 1), end


def csv_import(path: Path, runs: int, scale: Scale) -> list[Line]:
    rows_wanted = scale.import_rows
    copy, folder = _scratch_copy(path)
    try:
        csv_path = Path(folder.name) / "purchases.csv"
        conn = sqlite3.connect(copy)
        products = [
            r[0]
            for r in conn.execute(
                "SELECT code FROM products WHERE status != 'withdrawn' ORDER BY id LIMIT 5000"
            )
        ]
        forces = [r[0] for r in conn.execute("SELECT code FROM forces ORDER BY id")]
        conn.close()
        with csv_path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(TEMPLATE_COLUMNS)
            for n in range(rows_wanted):
                writer.writerow(
                    [
                        "",
                        f"IMPORT/{n:06d}",
                        forces[n % len(forces)],
                        products[n % len(products)],
                        "",
                        "",
                        1 + n % 40,
                        f"{100 + n % 900}.{n % 100:02d}",
                        "",
                        "2025-01-15",
                        "",
                        "",
                    ]
                )
        samples = []
        for _ in range(max(1, min(runs, 3))):
            target, run_folder = _scratch_copy(copy)
            db = open_database(str(target))
            try:
                start = time.perf_counter()
                report = PurchaseService(db).import_file(
                    csv_path, "benchmark", today=date(2026, 1, 1)
                )
                samples.append(time.perf_counter() - start)
                assert report.imported == rows_wanted, report
            finally:
                db.close()
                run_folder.cleanup()
        figure = rows_wanted / sorted(samples)[len(samples) // 2]
        target, run_folder = _scratch_copy(copy)
        rows = [(f"raw-{n}", f"RAW/{n}", 1 + n % 40, 10000 + n) for n in range(rows_wanted)]
        conn = sqlite3.connect(target)
        start = time.perf_counter()
        with conn:
            conn.executemany(
                "INSERT INTO purchases (id, order_reference, buyer_force_id, product_id, quantity,"
                " unit_price, baseline_unit_price, order_date, recorded_by, recorded_at, status,"
                " notes, revision) VALUES (?, ?, 1, 1, ?, ?, ?, '2025-01-15', 'b',"
                " '2026-01-01 00:00:00', 'active', '', 1)",
                [(i, r, q, p, p) for i, r, q, p in rows],
            )
        floor = rows_wanted / (time.perf_counter() - start)
        conn.close()
        run_folder.cleanup()
        return [
            Line(
                f"CSV import of {rows_wanted:,} purchase rows",
                figure,
                floor,
                "rows/s",
                "≥ 200,000 rows/s",
                figure >= 200_000,
                "validated, all-or-nothing; floor: raw executemany",
                higher_is_better=True,
            )
        ]
    finally:
        folder.cleanup()
