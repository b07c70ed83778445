"""The catalogue workbook: one sheet per kind of record, one record per row.

The sheets and their columns are described by the caller (:class:`Sheet`,
:class:`Column`); this module only writes and reads the file. Each sheet has a
bold header row of column headings, frozen, and one row per record below it.
Money is written as numbers in pounds, dates as dates, everything else as text
cells, so a code such as 01234567 keeps its leading zero.

Formula injection is neutralised as in the purchases file: a text value that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written
after an apostrophe, and the reader removes it again. A cell holding a formula
is refused.

Reading gives, per sheet, its rows as :class:`BookRow` (the row number as the
spreadsheet shows it, the header being row 1, and the values by column name).
A file that is not such a workbook is refused with one sentence: another file
type, a damaged file, a sheet or column the workbook does not have, a column
heading twice, a value under no heading, and anything larger than an import
reads.
"""

from __future__ import annotations

import logging
import os
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.atomic import atomic_path
from catalogue_app.interchange.purchases import (
    CURRENCY_FORMAT,
    MAX_XLSX_UNPACKED,
    column_letter,
    neutralise,
    restore,
)

MAX_ROWS = 200_000  # data rows of one sheet
MAX_COLUMNS = 60  # columns a row may reach (the widest sheet has 13)
DATE_FORMAT = "yyyy-mm-dd"

log = logging.getLogger(__name__)


class CellKind(StrEnum):
    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    NUMBER = "number"


@dataclass(frozen=True)
class Column:
    name: str  # the value's name in a row mapping
    heading: str  # what the header row shows
    kind: CellKind = CellKind.TEXT
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class BookRow:
    row: int  # as the spreadsheet numbers it; the header is row 1
    values: dict[str, Any]


# -- writing ----------------------------------------------------------------------------------


def write_catalogue_book(
    sheets: Sequence[tuple[Sheet, Iterable[Mapping[str, Any]]]],
    target: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protected: Iterable[Path] = (),
) -> None:
    """Write one sheet per ``(sheet, rows)`` pair, whole or not at all."""
    with atomic_path(target, overwrite=overwrite, protected=protected) as temporary:
        _workbook(sheets).save(temporary)


def _workbook(sheets: Sequence[tuple[Sheet, Iterable[Mapping[str, Any]]]]) -> Any:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for sheet, rows in sheets:
        ws = book.create_sheet(sheet.title)
        ws.freeze_panes = "B2"
        for n, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[column_letter(n)].width = column.width
        header = []
        for column in sheet.columns:
            cell = WriteOnlyCell(ws, value=column.heading)
            cell.font = bold
            cell.alignment = wrap
            header.append(cell)
        ws.append(header)
        for values in rows:
            ws.append([_cell(ws, WriteOnlyCell, c, values.get(c.name)) for c in sheet.columns])
    return book


def _cell(ws: Any, make: Any, column: Column, value: Any) -> Any:
    if value is None or value == "":
        return make(ws, value=None)
    if column.kind is CellKind.MONEY and isinstance(value, Decimal | int):
        cell = make(ws, value=value)
        cell.number_format = CURRENCY_FORMAT
        return cell
    if column.kind is CellKind.DATE and isinstance(value, date | datetime):
        cell = make(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if column.kind is CellKind.NUMBER and isinstance(value, int) and not isinstance(value, bool):
        return make(ws, value=value)
    cell = make(ws, value=neutralise(str(value)))
    cell.data_type = "s"  # text, never a formula
    return cell


# -- reading ----------------------------------------------------------------------------------


def read_catalogue_book(path: Path, sheets: Sequence[Sheet]) -> dict[str, list[BookRow]]:
    """The rows of every sheet of ``sheets`` that the workbook holds, by sheet title.

    A workbook may leave out sheets (it then changes nothing of theirs) but must
    hold at least one, every column of each sheet it holds, and no other sheet.
    """
    if path.suffix.lower() != ".xlsx":
        raise CatalogueError(
            f"{path.name} is not a catalogue workbook: only .xlsx files made by "
            "catalogue export can be imported"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except FileNotFoundError:
        raise CatalogueError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise CatalogueError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise CatalogueError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise _not_a_workbook(path.name, "it is not a zip archive, as .xlsx files are") from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise CatalogueError(
            f"{path.name} unpacks to {unpacked / 2**20:,.0f} MB, more than the "
            f"{MAX_XLSX_UNPACKED / 2**20:,.0f} MB an import may read"
        )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it does not read (extensions, styles): not ours to show
            warnings.simplefilter("ignore")
            return _read(path, sheets)
    except CatalogueError:
        raise
    except MemoryError:
        raise CatalogueError(
            f"{path.name} needs more memory to read than this computer has"
        ) from None
    except Exception:
        # a damaged or hostile workbook fails inside openpyxl in many ways; to the person
        # importing it they all mean the same
        log.info("%s could not be read as a workbook", path, exc_info=True)
        raise _not_a_workbook(
            path.name, "it is damaged or was not saved by a spreadsheet program"
        ) from None


def _read(path: Path, sheets: Sequence[Sheet]) -> dict[str, list[BookRow]]:
    from openpyxl import load_workbook

    wanted = {s.title.lower(): s for s in sheets}
    titles = ", ".join(s.title for s in sheets)
    with path.open("rb") as handle:
        book = load_workbook(handle, read_only=True, data_only=False)
        try:
            names = list(book.sheetnames)
            known = [n for n in names if n.strip().lower() in wanted]
            if not known:
                raise _not_a_workbook(path.name, f"it has none of the sheets {titles}")
            others = [n for n in names if n.strip().lower() not in wanted]
            if others:
                raise CatalogueError(
                    f"{path.name} has a sheet “{others[0]}” that is not part of a catalogue "
                    f"workbook ({titles}); remove it and import the file again"
                )
            out: dict[str, list[BookRow]] = {}
            for name in known:
                sheet = wanted[name.strip().lower()]
                if sheet.title in out:
                    raise CatalogueError(f"{path.name} has the sheet {sheet.title} twice")
                out[sheet.title] = _sheet_rows(path.name, sheet, book[name])
            return out
        finally:
            book.close()


def _sheet_rows(name: str, sheet: Sheet, ws: Any) -> list[BookRow]:
    where = f"{name}, sheet {sheet.title}"
    ws.reset_dimensions()  # rows as the file holds them, not as large as the sheet claims
    cells = ws.iter_rows()
    first = next(cells, ())
    if len(first) > MAX_COLUMNS:
        raise _too_wide(where, 1)
    header = _header(where, sheet, [c.value for c in first])
    rows: list[BookRow] = []
    for number, row in enumerate(cells, start=2):
        if number > MAX_ROWS + 1:
            raise CatalogueError(
                f"{where} has more than {MAX_ROWS:,} rows, more than one import may read"
            )
        if len(row) > MAX_COLUMNS:
            raise _too_wide(where, number)
        values: dict[str, Any] = {}
        filled = False
        for n, cell in enumerate(row):
            value = cell.value
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            column = header[n] if n < len(header) else None
            if cell.data_type == "f":
                heading = column.heading if column else "no column"
                raise CatalogueError(
                    f"{where}, cell {column_letter(n + 1)}{number} ({heading}) holds a "
                    "formula; paste the sheet as values and import it again"
                )
            if column is None:
                raise CatalogueError(
                    f"{where}, cell {column_letter(n + 1)}{number} holds a value under no "
                    "column heading; delete it or move it into a column"
                )
            values[column.name] = restore(value) if isinstance(value, str) else value
            filled = True
        if filled:
            rows.append(BookRow(number, {c.name: values.get(c.name) for c in sheet.columns}))
    return rows


def _header(where: str, sheet: Sheet, cells: Sequence[object]) -> list[Column | None]:
    by_heading = {c.heading.lower(): c for c in sheet.columns}
    header: list[Column | None] = []
    seen: set[str] = set()
    for n, value in enumerate(cells, start=1):
        text = "" if value is None else " ".join(str(value).split())
        if not text:
            header.append(None)
            continue
        column = by_heading.get(text.lower())
        if column is None:
            raise CatalogueError(
                f"{where}, column {column_letter(n)} is headed “{text}”, which is not one of "
                "the sheet's columns; check the heading against a fresh export"
            )
        if column.name in seen:
            raise CatalogueError(f"{where} has the column “{column.heading}” twice; keep one")
        seen.add(column.name)
        header.append(column)
    missing = [c.heading for c in sheet.columns if c.name not in seen]
    if missing:
        raise CatalogueError(
            f"{where} has no column “{missing[0]}”; every column of a fresh export is needed, "
            "so that a missing one is never read as blank"
        )
    return header


def _too_wide(where: str, row: int) -> CatalogueError:
    return CatalogueError(
        f"{where}, row {row} has values beyond column {column_letter(MAX_COLUMNS)}, far to the "
        "right of the catalogue columns; delete those columns and import it again"
    )


def _not_a_workbook(name: str, why: str) -> CatalogueError:
    return CatalogueError(f"{name} is not a catalogue workbook: {why}")
