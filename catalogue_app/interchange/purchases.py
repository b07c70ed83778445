"""The purchases file format: CSV (UTF-8) or XLSX, one purchase per row under a header.

An export is a valid import: its first columns are the template's, the rest
(status, totals, who recorded it) are ignored when read back.

Spreadsheet formula injection is neutralised as OWASP recommends: a text value
that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written with a leading apostrophe (in XLSX as a text cell), so no spreadsheet
runs it as a formula. Numbers, money and dates stay numbers and dates. The
reader removes that apostrophe again, so export → import gives back the values.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.atomic import atomic_open, atomic_path

TEMPLATE_COLUMNS = [
    "id",
    "order_reference",
    "buyer",
    "product",
    "framework",
    "lot",
    "quantity",
    "unit_price",
    "baseline_unit_price",
    "order_date",
    "split",
    "notes",
]
REQUIRED_COLUMNS = ("order_reference", "buyer", "product", "quantity", "order_date")
# What an import reads, then what only an export tells.
EXPORT_COLUMNS = [
    *TEMPLATE_COLUMNS,
    "status",
    "void_reason",
    "supplier",
    "total",
    "saving",
    "recorded_by",
    "recorded_at",
]
MONEY_COLUMNS = frozenset({"unit_price", "baseline_unit_price", "total", "saving"})
TEMPLATE_EXAMPLE = {
    "id": "",
    "order_reference": "NOR/2025/00042",
    "buyer": "norfolk",
    "product": "ATHENA",
    "framework": "ESSEX-ATHENA",
    "lot": "1",
    "quantity": "25",
    "unit_price": "",
    "baseline_unit_price": "",
    "order_date": "2025-06-30",
    "split": "",
    "notes": "example",
}
TEMPLATE_GUIDE = (
    f"Columns: {', '.join(TEMPLATE_COLUMNS)}. Required: {', '.join(REQUIRED_COLUMNS)}. "
    "Leave framework and lot empty for an off-framework purchase; leave unit_price empty to "
    "use the price breaks; split is equal, officers or custom:CODE=AMOUNT,… for a "
    "collaboration. Delete the example row."
)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_XLSX_UNPACKED = 200 * 1024 * 1024  # bytes a workbook may unpack to
MAX_ROWS = 1_000_000
CURRENCY_FORMAT = '"£"#,##0.00'


@dataclass(frozen=True)
class SourceRow:
    """One data row of a file: where it came from (file name, row number as a spreadsheet
    shows it, the header being row 1) and its values by column name."""

    source: str
    row: int
    values: dict[str, Any]


# -- formula injection --------------------------------------------------------------------


def neutralise(text: str) -> str:
    """``text`` made inert for a spreadsheet: a leading apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise`, for values read back from an export."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


# -- reading --------------------------------------------------------------------------------


def read_purchase_rows(path: Path) -> list[SourceRow]:
    """The rows of a purchases CSV (UTF-8, with or without BOM) or XLSX file.

    Refused with a sentence naming the file (and row or cell where there is one): a
    missing or unreadable file, another file type, a header naming a column twice,
    an XLSX cell holding a formula, a workbook too large to open safely.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CatalogueError(f"{path.name}: only .csv and .xlsx files can be imported")
    try:
        return _read_csv(path) if suffix == ".csv" else _read_xlsx(path)
    except FileNotFoundError:
        raise CatalogueError(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise CatalogueError(f"{path.name} is not UTF-8 text; save it as CSV UTF-8") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise CatalogueError(f"{path.name} cannot be read: {exc}") from None


def _header(name: str, cells: Iterable[object]) -> list[str]:
    header = ["" if h is None else str(h).strip() for h in cells]
    seen: set[str] = set()
    for column in header:
        if column and column in seen:
            raise CatalogueError(
                f"{name}: the column “{column}” appears twice in the header; keep one"
            )
        seen.add(column)
    return header


def _read_csv(path: Path) -> list[SourceRow]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        text = handle.read()  # whole, so that a decoding error is found before any row
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[SourceRow] = []
    try:
        header = _header(path.name, next(reader, []))
        # numbered as a spreadsheet shows them: a value spanning lines is still one row
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            values = {
                column: restore(cell) for column, cell in zip(header, cells, strict=False) if column
            }
            rows.append(SourceRow(path.name, number, values))
    except csv.Error as exc:
        raise CatalogueError(
            f"{path.name}, line {reader.line_num} cannot be read as CSV: {exc}"
        ) from None
    return rows


def _read_xlsx(path: Path) -> list[SourceRow]:
    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_XLSX_UNPACKED:
        raise CatalogueError(
            f"{path.name} unpacks to {unpacked / 2**20:,.0f} MB, more than the "
            f"{MAX_XLSX_UNPACKED / 2**20:,.0f} MB an import may read; split it into smaller files"
        )
    book = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = book.worksheets[0]
        cells = sheet.iter_rows()
        header = _header(path.name, (c.value for c in next(cells, ())))
        rows: list[SourceRow] = []
        for number, row in enumerate(cells, start=2):
            if number > MAX_ROWS + 1:
                raise CatalogueError(
                    f"{path.name} has more than {MAX_ROWS:,} rows; split it into smaller files"
                )
            values: dict[str, Any] = {}
            for column, cell in zip(header, row, strict=False):
                if getattr(cell, "data_type", None) == "f":
                    raise CatalogueError(
                        f"{path.name}, cell {cell.coordinate} ({column or 'no column'}) holds a "
                        "formula; paste the sheet as values and import it again"
                    )
                if column:
                    value = cell.value
                    values[column] = restore(value) if isinstance(value, str) else value
            if any(v not in (None, "") for v in values.values()):
                rows.append(
                    SourceRow(
                        path.name, number, {k: "" if v is None else v for k, v in values.items()}
                    )
                )
        return rows
    finally:
        book.close()


# -- writing --------------------------------------------------------------------------------


def csv_cell(column: str, value: object) -> str:
    """One value as CSV text: money to the penny, dates ISO, text neutralised."""
    if value is None:
        return ""
    if column in MONEY_COLUMNS and isinstance(value, Decimal | int):
        return f"{value:.2f}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def write_purchases_csv(
    records: Iterable[Mapping[str, Any]],
    target: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protected: Iterable[Path] = (),
) -> None:
    with atomic_open(
        target, "w", overwrite=overwrite, protected=protected, newline="", encoding="utf-8"
    ) as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for record in records:
            writer.writerow([csv_cell(c, record.get(c)) for c in EXPORT_COLUMNS])


_WIDTHS = {
    "id": 38,
    "order_reference": 22,
    "product": 20,
    "supplier": 30,
    "notes": 30,
    "recorded_at": 22,
}


def write_purchases_xlsx(
    records: Iterable[Mapping[str, Any]],
    target: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protected: Iterable[Path] = (),
) -> None:
    """Numbers as numbers with a currency format, dates as dates, header row, frozen panes."""
    with atomic_path(target, overwrite=overwrite, protected=protected) as temporary:
        _workbook(records).save(temporary)


def _workbook(records: Iterable[Mapping[str, Any]]) -> Any:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Purchases")
    sheet.freeze_panes = "A2"
    for n, name in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = _WIDTHS.get(name, 14)
    bold = Font(bold=True)
    header = []
    for name in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for record in records:
        row = []
        for name in EXPORT_COLUMNS:
            value = record.get(name)
            if isinstance(value, datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # Excel has no time zones; values are UTC
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=neutralise(value))
                cell.data_type = "s"  # text, never a formula
            else:
                cell = WriteOnlyCell(sheet, value=value)
            if name in MONEY_COLUMNS:
                cell.number_format = CURRENCY_FORMAT
            elif name == "order_date":
                cell.number_format = "yyyy-mm-dd"
            row.append(cell)
        sheet.append(row)
    return book


def write_purchases(
    records: Sequence[Mapping[str, Any]],
    target: str | os.PathLike[str],
    fmt: str,
    *,
    overwrite: bool = False,
    protected: Iterable[Path] = (),
) -> None:
    """Write ``records`` as ``fmt`` ("csv" or "xlsx")."""
    if fmt not in ("csv", "xlsx"):
        raise CatalogueError(f"purchases can be exported as csv or xlsx, not {fmt}")
    writer = write_purchases_xlsx if fmt == "xlsx" else write_purchases_csv
    writer(records, target, overwrite=overwrite, protected=protected)


def write_template(
    target: str | os.PathLike[str], *, overwrite: bool = False, protected: Iterable[Path] = ()
) -> None:
    """An import template: the header and one example row (see :data:`TEMPLATE_GUIDE`)."""
    with atomic_open(
        target, "w", overwrite=overwrite, protected=protected, newline="", encoding="utf-8"
    ) as handle:
        writer = csv.writer(handle)
        writer.writerow(TEMPLATE_COLUMNS)
        writer.writerow([TEMPLATE_EXAMPLE[c] for c in TEMPLATE_COLUMNS])
