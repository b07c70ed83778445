"""Generated purchases files fed to the importer: it lands whole, or says why and writes nothing.

Files are CSV (in UTF-8, UTF-8 with BOM, Latin-1 or UTF-16) or XLSX (with
native number, date and formula cells), with columns drawn from the real ones,
their misspellings and junk, and values drawn from the seeded catalogue
(buyers, products, framework lots, dates), near misses and noise. Whatever
comes in, the importer either records every row (each is then an active
purchase in the ledger) or raises a CatalogueError whose sentence names the
file and leaves the purchase, share and audit tables exactly as they were.
"""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from catalogue_app.db import models as m
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.purchases import TEMPLATE_COLUMNS
from catalogue_app.services.ledger import ImportRejected, LedgerExport, PurchaseService

TODAY = date(2026, 11, 23)
BUYERS = ["norfolk", "suffolk", "essex", "ecis", "athena-consortium", "metropolitan"]
PRODUCTS = ["ATHENA", "HAIX-BLACK-EAGLE", "MOTO-MXP600", "DELL-LATITUDE"]
ROUTES = [("ESSEX-ATHENA", "1"), ("", ""), ("ESSEX-ATHENA", "9"), ("RM0000", "1")]
IDS = ["7c9e6679-7425-40de-944b-e07fc1f90ae7", "9b2f3c1e-0d4a-4e8f-8c55-2d6f1a7b9e01"]
COLUMNS = [*TEMPLATE_COLUMNS, "status", "total", "supplier", "Unit Price", "qty", "junk", ""]
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "utf-16"]

noise = st.text(max_size=12)
days = st.integers(-900, 30).map(lambda n: TODAY + timedelta(days=n))
amounts = st.decimals(Decimal("-1"), Decimal("2000000000"), places=3, allow_nan=False)
VALUES = {
    "id": st.sampled_from(["", "", *IDS, "not-a-uuid"]),
    "order_reference": st.integers(0, 12).map(lambda n: f"FZ/{n}") | noise,
    "buyer": st.sampled_from(BUYERS) | noise,
    "product": st.sampled_from(PRODUCTS) | noise,
    "framework": st.sampled_from([r[0] for r in ROUTES]) | noise,
    "lot": st.sampled_from([r[1] for r in ROUTES]),
    "quantity": st.integers(-3, 10**8).map(str)
    | st.sampled_from(["1,000", "12,50", "1e3", "²", "٣", "10" * 12])
    | noise,
    "unit_price": st.sampled_from(["", "", "1e308", "£1,234.50", "12,50"])
    | amounts.map(lambda d: f"{d:f}"),
    "baseline_unit_price": st.just("") | amounts.map(lambda d: f"{d:.2f}"),
    "order_date": days.map(date.isoformat) | st.sampled_from(["20250601", "31/02/2025"]) | noise,
    "split": st.sampled_from(["", "equal", "officers", "custom:kent=100%", "thirds"]),
    "notes": noise,
    "status": st.sampled_from(["", "active", "Active", "void"]),
}


def cell_values(column: str) -> st.SearchStrategy:
    """What a generated cell of ``column`` holds (a spreadsheet cell may also be a number,
    a date or a formula)."""
    text = VALUES.get(column, noise)
    native = {
        "quantity": st.integers(-3, 10**8) | st.floats(allow_nan=True, allow_infinity=True),
        "unit_price": st.floats(-1, 1e20) | st.integers(0, 10**12),
        "order_date": days | days.map(lambda d: datetime(d.year, d.month, d.day)),
        "notes": st.just("=1+1"),
    }.get(column)
    return text if native is None else text | native


FORCES = ["norfolk", "suffolk", "essex", "metropolitan"]
# Rows the ledger accepts: forces buying off-framework at list price or a typed price.
SOUND = {
    "order_reference": st.integers(0, 10**6).map(lambda n: f"FZ/OK/{n}"),
    "buyer": st.sampled_from(FORCES),
    "product": st.sampled_from(PRODUCTS),
    "quantity": st.integers(1, 10**6).map(lambda n: f"{n:,}" if n % 2 else str(n)),
    "order_date": st.integers(-900, 0).map(lambda n: (TODAY + timedelta(days=n)).isoformat()),
    "unit_price": st.just("") | st.integers(0, 10**9).map(lambda p: f"£{Decimal(p) / 100:,.2f}"),
    "notes": st.text(st.characters(categories=["L", "N", "P", "Zs"]), max_size=20),
    "status": st.sampled_from(["", "active"]),
}


@st.composite
def purchase_files(draw):
    fmt = draw(st.sampled_from(["csv", "xlsx"]))
    sound = draw(st.integers(0, 2)) == 0
    encodings = ENCODINGS[:2] if sound else ENCODINGS
    encoding = draw(st.sampled_from(encodings)) if fmt == "csv" else None
    if sound:
        optional = draw(st.lists(st.sampled_from(["unit_price", "notes", "status"]), unique=True))
        columns = ["order_reference", "buyer", "product", "quantity", "order_date", *optional]
        rows = draw(st.lists(st.fixed_dictionaries({c: SOUND[c] for c in columns}), max_size=6))
        return fmt, encoding, columns, rows
    columns = draw(st.lists(st.sampled_from(COLUMNS), max_size=12))
    if draw(st.booleans()):
        # most files carry the required columns, so that rows reach the ledger's rules
        columns = list(dict.fromkeys(["order_reference", "buyer", "product", "quantity",
                                      "order_date", *columns]))  # fmt: skip
    rows = draw(
        st.lists(
            st.fixed_dictionaries({c: cell_values(c) for c in dict.fromkeys(columns)}),
            max_size=6,
        )
    )
    return fmt, encoding, columns, rows


def write(path, fmt, encoding, columns, rows):
    if fmt == "xlsx":
        book = Workbook()
        book.active.append(columns)
        for row in rows:
            book.active.append([_xml_safe(row.get(c)) for c in columns])
        book.save(path)
        return
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))


def _xml_safe(value):
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def dump(db):
    with db.reading() as s:
        return [
            s.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in (m.Purchase.__table__, m.PurchaseShare.__table__, m.AuditEvent.__table__)
        ]


def active_references(db):
    return {(r["buyer"], r["order_reference"]) for r in LedgerExport(db).records(status="active")}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(generated=purchase_files())
def test_an_import_lands_whole_or_names_why_and_writes_nothing(db, tmp_path, generated):
    fmt, encoding, columns, rows = generated
    path = tmp_path / f"fuzz.{fmt}"
    write(path, fmt, encoding, columns, rows)
    before = dump(db)
    try:
        report = PurchaseService(db).import_file(path, "fuzz", today=TODAY)
    except CatalogueError as exc:
        event(f"refused: {type(exc).__name__}")
        assert path.name in str(exc), str(exc)
        if isinstance(exc, ImportRejected):
            assert exc.errors and all(e.row >= 1 and e.column for e in exc.errors)
        assert dump(db) == before
        return
    event("landed" if report.imported else "landed, nothing new")
    assert report.imported + report.already_present == report.rows
    after = dump(db)
    assert len(after[0]) == len(before[0]) + report.imported
    recorded = active_references(db)
    for row in rows:
        if any(str(v).strip() for v in row.values()):
            key = (str(row["buyer"]).strip(), str(row["order_reference"]).strip())
            assert key in recorded, key
