"""The purchases file format: CSV (UTF-8) or XLSX, one purchase per row under a header.

An export is a valid import: its first columns are the template's; of the rest,
``status`` must say active (an import records active purchases only) and the
others (totals, supplier, who recorded it) are what the ledger derives, so they
are not read back. Any other column that holds values is refused by the import
rather than silently dropped, and so is a value in a column with no name.

Spreadsheet formula injection is neutralised as OWASP recommends: a text value
that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written with a leading apostrophe (in XLSX as a text cell), so no spreadsheet
runs it as a formula. Numbers, money and dates stay numbers and dates. The
reader removes that apostrophe again, so export → import gives back the values.
"""

from __future__ import annotations

import codecs
import csv
import logging
import os
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from defusedxml.common import DefusedXmlException

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
    "demonstration",  # "yes" on generated demonstration purchases
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

# What one import reads at most, so that no file can take gigabytes of memory or hours:
MAX_ROWS = 1_000_000  # data rows
MAX_COLUMNS = 100  # columns a row may reach (the file's own columns are 19)
MAX_FILE_BYTES = 200 * 1024 * 1024  # bytes of a CSV file
MAX_XLSX_UNPACKED = 200 * 1024 * 1024  # bytes a workbook may unpack to
MAX_LINE = 4 * 1024 * 1024  # bytes of one line of a CSV file
MAX_FIELD = csv.field_size_limit()  # characters of one CSV value (131,072)
CURRENCY_FORMAT = '"£"#,##0.00'

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceRow:
    """One data row of a file: where it came from (file name, row number as a spreadsheet
    shows it, the header being row 1) and its values by column name."""

    source: str
    row: int
    values: dict[str, Any]
    unnamed: tuple[str, ...] = ()  # letters of cells with a value under no column name


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

    Refused with one sentence naming the file (and row or cell where there is
    one), never a traceback: a missing or unreadable file, another file type,
    text that is not UTF-8, a header naming a column twice, a CSV value longer
    than :data:`MAX_FIELD` characters, a file that is not an Excel workbook, an
    XLSX cell holding a formula, XML that declares entities (openpyxl parses
    with defusedxml, which refuses them), and anything larger than an import
    reads: more than :data:`MAX_ROWS` rows, a row reaching past
    :data:`MAX_COLUMNS` columns, a CSV over :data:`MAX_FILE_BYTES` or a
    workbook that unpacks to more than :data:`MAX_XLSX_UNPACKED` bytes (told by
    the zip directory before anything is unpacked).
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CatalogueError(f"{path.name}: only .csv and .xlsx files can be imported")
    try:
        return _read_csv(path) if suffix == ".csv" else _read_xlsx(path)
    except FileNotFoundError:
        raise CatalogueError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise CatalogueError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise CatalogueError(f"{path.name} cannot be read: {exc.strerror or exc}") from None


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


def column_letter(number: int) -> str:
    """A spreadsheet's name for the ``number``-th column (1 is A, 27 is AA)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _row(name: str, number: int, header: Sequence[str], cells: Sequence[Any]) -> SourceRow:
    """A row with a value for every named column of the header (blank where the row is
    short), and the letters of the cells that hold a value under no name."""
    values = {
        column: (cells[n] if n < len(cells) else "") for n, column in enumerate(header) if column
    }
    unnamed = tuple(
        column_letter(n + 1)
        for n, cell in enumerate(cells)
        if (n >= len(header) or not header[n]) and _filled(cell)
    )
    return SourceRow(name, number, values, unnamed)


def _too_many_rows(name: str) -> CatalogueError:
    return CatalogueError(
        f"{name} has more than {MAX_ROWS:,} rows, more than one import may read; "
        "split it into smaller files"
    )


def _too_wide(name: str, row: int) -> CatalogueError:
    return CatalogueError(
        f"{name}, row {row} has values beyond column {column_letter(MAX_COLUMNS)}, far to the "
        "right of the purchase columns; delete those columns and import it again"
    )


@dataclass
class _Cursor:
    """The row being read, as a spreadsheet numbers it (the header is row 1)."""

    row: int = 1


def _read_csv(path: Path) -> list[SourceRow]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CatalogueError(
            f"{path.name} is larger than the {MAX_FILE_BYTES / 2**20:,.0f} MB an import may "
            "read; split it into smaller files"
        )
    cursor = _Cursor()
    rows: list[SourceRow] = []
    with path.open("rb") as handle:
        reader = csv.reader(_text_lines(path.name, handle, cursor))
        try:
            header = _header(path.name, next(reader, []))
            if len(header) > MAX_COLUMNS and any(header[MAX_COLUMNS:]):
                raise _too_wide(path.name, 1)
            cursor.row = 2
            for cells in reader:
                if cursor.row > MAX_ROWS + 1:
                    raise _too_many_rows(path.name)
                tail = cells[MAX_COLUMNS:]
                if tail and tail.count("") != len(tail):
                    raise _too_wide(path.name, cursor.row)
                if any(c.strip() for c in cells):
                    cells = [restore(c) for c in cells[:MAX_COLUMNS]]
                    rows.append(_row(path.name, cursor.row, header, cells))
                cursor.row += 1
        except csv.Error as exc:
            where = f"{path.name}, row {cursor.row}"
            if "field larger than field limit" in str(exc):
                raise CatalogueError(
                    f"{where} holds a value longer than {MAX_FIELD:,} characters, far longer "
                    "than any column of a purchase; check that this is a purchases file"
                ) from None
            raise CatalogueError(f"{where} cannot be read as CSV: {exc}") from None
    return rows


_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


def _text_lines(name: str, handle: BinaryIO, cursor: _Cursor) -> Iterator[str]:
    """The lines of ``handle`` as text, each decoded as UTF-8 on its own so that a bad byte
    is reported on its row, and each refused when longer than :data:`MAX_LINE` bytes before
    it is read whole (a file of commas without a line break costs no memory)."""
    first = True
    while line := handle.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE:
            raise CatalogueError(
                f"{name}, row {cursor.row} has a line longer than {MAX_LINE // 2**20} MB, far "
                "longer than a purchase; check that this is a purchases file"
            )
        if first:
            if line.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise CatalogueError(
                    f"{name} is UTF-16 text, not UTF-8; save it as CSV UTF-8 and import it again"
                )
            line = line.removeprefix(codecs.BOM_UTF8)
            first = False
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise CatalogueError(
                f"{name} is not UTF-8 text (row {cursor.row} holds bytes that are not); "
                "save it as CSV UTF-8 and import it again"
            ) from None
        # a line break may be a lone carriage return (old Mac files): the csv module
        # ends a row there as well, as it does reading a file opened with newline=""
        yield from filter(None, _LONE_CR.split(text))


def _read_xlsx(path: Path) -> list[SourceRow]:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise _not_a_workbook(path.name, "it is not a zip archive, as .xlsx files are") from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise CatalogueError(
            f"{path.name} unpacks to {unpacked / 2**20:,.0f} MB, more than the "
            f"{MAX_XLSX_UNPACKED / 2**20:,.0f} MB an import may read; split it into smaller files"
        )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it does not read (extensions, styles): not ours to show
            warnings.simplefilter("ignore")
            return _xlsx_rows(path)
    except CatalogueError:
        raise
    except MemoryError:
        raise CatalogueError(
            f"{path.name} needs more memory to read than this computer has; "
            "split it into smaller files"
        ) from None
    except Exception as exc:
        # openpyxl fails on a damaged or hostile workbook in many ways (missing parts,
        # bad XML or zip data, values of the wrong type); to the person importing it
        # they all mean the same
        log.info("%s could not be read as a workbook", path, exc_info=True)
        if any(isinstance(e, DefusedXmlException) for e in _chain(exc)):
            raise CatalogueError(
                f"{path.name} declares XML entities, which an import refuses (a workbook "
                "saved by a spreadsheet program never needs them); save it again as .xlsx"
            ) from None
        raise _not_a_workbook(
            path.name, "it is damaged or was not saved by a spreadsheet program"
        ) from None


def _xlsx_rows(path: Path) -> list[SourceRow]:
    from openpyxl import load_workbook

    # opened here, so that it is closed however openpyxl fails
    with path.open("rb") as handle:
        book = load_workbook(handle, read_only=True, data_only=False)
        try:
            if not book.worksheets:
                raise _not_a_workbook(path.name, "it holds no worksheet")
            return _sheet_rows(path.name, book.worksheets[0])
        finally:
            book.close()


def _sheet_rows(name: str, sheet: Any) -> list[SourceRow]:
    # rows as the file holds them, not padded to whatever size the sheet claims
    sheet.reset_dimensions()
    cells = sheet.iter_rows()
    first = next(cells, ())
    if len(first) > MAX_COLUMNS:
        raise _too_wide(name, 1)
    header = _header(name, (c.value for c in first))
    rows: list[SourceRow] = []
    for number, row in enumerate(cells, start=2):
        if number > MAX_ROWS + 1:
            raise _too_many_rows(name)
        if len(row) > MAX_COLUMNS:
            raise _too_wide(name, number)
        values: list[Any] = []
        for n, cell in enumerate(row):
            if cell.data_type == "f":
                column = header[n] if n < len(header) and header[n] else "no column"
                raise CatalogueError(
                    f"{name}, cell {cell.coordinate} ({column}) holds a "
                    "formula; paste the sheet as values and import it again"
                )
            value = cell.value
            values.append(
                "" if value is None else restore(value) if isinstance(value, str) else value
            )
        if any(_filled(v) for v in values):
            rows.append(_row(name, number, header, values))
    return rows


def _not_a_workbook(name: str, why: str) -> CatalogueError:
    return CatalogueError(f"{name} is not an Excel workbook: {why}")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


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
