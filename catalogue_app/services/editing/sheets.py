"""The catalogue as a workbook and back: bulk maintenance in a spreadsheet.

An export writes every supplier, product, framework, lot and offer price
version, one sheet per kind, with the field labels as column headings. An
import reads every row of every sheet, collects every bad cell (named by
sheet, row and column) and, when there is none, applies the differences in one
transaction through :meth:`CatalogueEditor.apply`: the whole file or nothing.
Rows equal to the stored records change nothing, so importing an unchanged
export changes nothing; a record the file leaves out is left as it is (it is
withdrawn by saying so in its row, never by deleting the row).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.catalogue_book import (
    BookRow,
    CellKind,
    Column,
    Sheet,
    read_catalogue_book,
    write_catalogue_book,
)
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database
from catalogue_app.services.editing import store
from catalogue_app.services.editing.history import day_text, describe_changes
from catalogue_app.services.editing.records import (
    SPECS,
    FieldSpec,
    FieldType,
    FrameworkRecord,
    Kind,
    LotRecord,
    OfferRecord,
    ProductRecord,
    Record,
    RecordInvalid,
    SupplierRecord,
    as_text,
    kind_of,
    parse_record,
    record_values,
    snapshot,
    spec_of,
)
from catalogue_app.services.editing.service import (
    CatalogueEditor,
    Change,
    EditResult,
    is_withdrawn,
)

# The order records are written in: what a record refers to comes before it.
ORDER = (Kind.SUPPLIER, Kind.PRODUCT, Kind.FRAMEWORK, Kind.LOT, Kind.OFFER)
TITLES = {
    Kind.SUPPLIER: "Suppliers",
    Kind.PRODUCT: "Products",
    Kind.FRAMEWORK: "Frameworks",
    Kind.LOT: "Lots",
    Kind.OFFER: "Offers",
}
_CELL_KINDS = {
    FieldType.MONEY: CellKind.MONEY,
    FieldType.OPTIONAL_MONEY: CellKind.MONEY,
    FieldType.DATE: CellKind.DATE,
    FieldType.OPTIONAL_DATE: CellKind.DATE,
    FieldType.WHOLE: CellKind.NUMBER,
}
_WIDTHS = {
    FieldType.LONG_TEXT: 40,
    FieldType.LIST: 30,
    FieldType.PRICE_BREAKS: 30,
    FieldType.MONEY: 14,
    FieldType.OPTIONAL_MONEY: 16,
    FieldType.DATE: 13,
    FieldType.OPTIONAL_DATE: 13,
    FieldType.WHOLE: 12,
    FieldType.YES_NO: 12,
}
_WIDE_TEXT = {"name", "title", "owner", "route"}


def _column(kind: Kind, name: str) -> Column:
    spec = spec_of(kind, name)
    width = 36 if name in _WIDE_TEXT else _WIDTHS.get(spec.type, 18)
    return Column(name, spec.label, _CELL_KINDS.get(spec.type, CellKind.TEXT), width)


SHEETS: dict[Kind, Sheet] = {
    kind: Sheet(TITLES[kind], tuple(_column(kind, f.name) for f in SPECS[kind])) for kind in ORDER
}


# -- what an export and an import report ---------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    counts: dict[Kind, int]

    def sentence(self) -> str:
        parts = [_count(self.counts[k], k.label) for k in ORDER]
        offers = parts.pop()
        return f"Exported {', '.join(parts)} and {offers} to {self.path}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), **{k.plural: self.counts[k] for k in ORDER}}


@dataclass(frozen=True)
class CellProblem:
    """One bad cell of an import, named as the spreadsheet shows it."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"sheet {self.sheet}, row {self.row}, column {self.column}: {self.message}"


class CatalogueImportRejected(CatalogueError):
    """The workbook was refused whole; ``problems`` names every bad cell found."""

    def __init__(self, source: str, problems: Sequence[CellProblem]) -> None:
        self.source, self.problems = source, list(problems)
        listed = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        cells = _count(len(problems), "bad cell")
        super().__init__(f"{source} was not imported: {cells} — {listed}{more}; nothing changed")


@dataclass(frozen=True)
class SheetCounts:
    kind: Kind
    rows: int
    added: int
    changed: int
    withdrawn: int

    @property
    def sheet(self) -> str:
        return TITLES[self.kind]

    @property
    def unchanged(self) -> int:
        return self.rows - self.added - self.changed - self.withdrawn


@dataclass(frozen=True)
class ImportLine:
    """One change an import makes, in plain words, with the row it comes from."""

    sheet: str
    row: int
    outcome: str  # "added", "changed" or "withdrawn"
    summary: str

    def __str__(self) -> str:
        return f"{self.sheet}, row {self.row}: {self.summary}"


@dataclass(frozen=True)
class ImportReport:
    source: str
    applied: bool  # False for a dry run: nothing was written
    counts: tuple[SheetCounts, ...]
    lines: tuple[ImportLine, ...]
    result: EditResult = field(repr=False)

    @property
    def changed(self) -> bool:
        return bool(self.lines)

    def headline(self) -> str:
        if not self.lines:
            return f"{self.source} matches the catalogue: nothing to change."
        verb = "Imported" if self.applied else "Checked"
        tail = "" if self.applied else "; nothing was changed (dry run)"
        totals = {
            outcome: sum(getattr(c, outcome) for c in self.counts)
            for outcome in ("added", "changed", "withdrawn")
        }
        summary = ", ".join(f"{n:,} {word}" for word, n in totals.items())
        would = "" if self.applied else " would be"
        return f"{verb} {self.source}: {summary}{would}{tail}."

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "applied": self.applied,
            "sheets": [
                {
                    "sheet": c.sheet,
                    "rows": c.rows,
                    "added": c.added,
                    "changed": c.changed,
                    "withdrawn": c.withdrawn,
                    "unchanged": c.unchanged,
                }
                for c in self.counts
            ],
            "changes": [
                {"sheet": ln.sheet, "row": ln.row, "outcome": ln.outcome, "summary": ln.summary}
                for ln in self.lines
            ],
        }


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# -- plain words for one change --------------------------------------------------------------


def title_of(record: Record) -> str:
    """A record as a sentence names it: "product BWC-X1", "framework RM6100 lot 3"."""
    match record:
        case SupplierRecord() | ProductRecord() | FrameworkRecord():
            return f"{kind_of(record).label} {record.key}"
        case LotRecord():
            return f"framework {record.framework} lot {record.number}"
        case OfferRecord():
            return (
                f"prices of {record.product} on {record.framework} lot {record.lot} "
                f"from {day_text(record.valid_from)}"
            )
    raise TypeError(type(record).__name__)


def outcome_of(change: Change) -> str:
    """Whether ``change`` added, withdrew or otherwise changed its record."""
    if change.before is None:
        return "added"
    after = change.after
    if after is not None and is_withdrawn(after) and not is_withdrawn(change.before):
        return "withdrawn"
    return "changed"


_VERBS = {
    "added": "added",
    "changed": "changed",
    "withdrawn": "withdrew",
    "reinstate": "reinstated",
    "suspend": "suspended",
    "exclude": "excluded",
    "extend": "took an extension of",
}


def describe(change: Change) -> str:
    """ "changed product BWC-X1: list price £900.00 → £950.00"."""
    record = change.after or change.before
    assert record is not None
    outcome = outcome_of(change)
    verb = _VERBS.get(change.action) or _VERBS[outcome]
    what = f"{verb} {title_of(record)}"
    if outcome == "added" or change.before is None or change.after is None:
        return what
    details = describe_changes(change.kind, snapshot(change.before), snapshot(change.after))
    return f"{what}: {details}" if details else what


# -- export and import -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    kind: Kind
    row: int
    record: Record


@dataclass(frozen=True)
class _Book:
    rows: list[_Parsed]  # in the order they are applied
    sizes: dict[Kind, int]  # rows per sheet


class CatalogueSheets:
    """Exports the catalogue to a workbook and imports one back, whole or not at all."""

    def __init__(self, source: Database | AppContext) -> None:
        self.context = source if isinstance(source, AppContext) else AppContext(source)
        self.editor = CatalogueEditor(self.context)

    def records(self) -> dict[Kind, list[Record]]:
        """Every record of every kind, in key order; offers one per price version."""
        today = self.context.today()
        with self.context.db.reading() as s:
            out: dict[Kind, list[Record]] = {}
            for kind in ORDER:
                found = [store.load(s, kind, key, today) for key in _keys(s, kind)]
                out[kind] = [r for r in found if r is not None]
            return out

    def export(
        self, target: Path, *, overwrite: bool = False, protected: Iterable[Path] = ()
    ) -> ExportSummary:
        records = self.records()
        write_catalogue_book(
            [(SHEETS[k], [_cells(r) for r in records[k]]) for k in ORDER],
            target,
            overwrite=overwrite,
            protected=protected,
        )
        return ExportSummary(Path(target), {k: len(records[k]) for k in ORDER})

    def read(self, path: Path) -> _Book:
        """Every row of the workbook as a record, or every bad cell at once."""
        book = read_catalogue_book(path, [SHEETS[k] for k in ORDER])
        problems: list[CellProblem] = []
        parsed: list[_Parsed] = []
        sizes = {kind: len(book.get(TITLES[kind], [])) for kind in ORDER}
        for kind in ORDER:
            seen: dict[str, int] = {}
            for row in book.get(TITLES[kind], []):
                try:
                    record = parse_record(kind, row.values)
                except RecordInvalid as exc:
                    # a stored record that breaks a newer rule (a supplier suspended with
                    # no reason given) is refused only when its row changes it
                    if not self._unchanged(kind, row):
                        problems.extend(
                            _problem(kind, row.row, p.field, p.message) for p in exc.problems
                        )
                    continue
                if record.key in seen:
                    problems.append(
                        _problem(
                            kind,
                            row.row,
                            _key_column(kind),
                            f"{title_of(record)} is in row {seen[record.key]} already; "
                            "keep one row for it",
                        )
                    )
                    continue
                seen[record.key] = row.row
                parsed.append(_Parsed(kind, row.row, record))
        if problems:
            raise CatalogueImportRejected(path.name, problems)
        # an offer's earlier version is written first, so that ending it makes room for the next
        offers = sorted(
            (p for p in parsed if p.kind is Kind.OFFER),
            key=lambda p: (p.record.line, p.record.valid_from),  # type: ignore[union-attr]
        )
        return _Book([p for p in parsed if p.kind is not Kind.OFFER] + offers, sizes)

    def _unchanged(self, kind: Kind, row: BookRow) -> bool:
        """Whether ``row`` says exactly what the stored record with its key says."""
        specs = SPECS[kind]
        text = {f.name: _cell_text(f, row.values.get(f.name)) for f in specs}
        key = tuple(text[f.name] for f in specs if f.key)
        try:
            stored = self.editor.find(kind, key)
        except ValueError:  # a key that cannot be one (an offer's start that is not a date)
            return False
        return stored is not None and record_values(stored) == text

    def import_book(
        self, path: Path, *, dry_run: bool = False, actor: str | None = None
    ) -> ImportReport:
        """Apply the workbook's differences (with ``dry_run``, only report them)."""
        book = self.read(path)
        rows = book.rows
        where = {(p.kind, p.record.key): p.row for p in rows}
        try:
            result = self.editor.apply([p.record for p in rows], dry_run=dry_run, actor=actor)
        except RecordInvalid as exc:
            raise CatalogueImportRejected(path.name, _database_problems(exc, where)) from None
        lines = tuple(
            ImportLine(TITLES[c.kind], where.get((c.kind, c.key), 0), outcome_of(c), describe(c))
            for c in result.changes
        )
        counts = tuple(
            SheetCounts(
                kind,
                book.sizes[kind],
                *(
                    sum(1 for ln in lines if ln.sheet == TITLES[kind] and ln.outcome == outcome)
                    for outcome in ("added", "changed", "withdrawn")
                ),
            )
            for kind in ORDER
        )
        return ImportReport(path.name, not dry_run, counts, lines, result)


def _keys(s: Session, kind: Kind) -> list[tuple[str, ...]]:
    match kind:
        case Kind.SUPPLIER:
            return [(c,) for c in s.scalars(select(m.Supplier.code).order_by(m.Supplier.code))]
        case Kind.PRODUCT:
            return [(c,) for c in s.scalars(select(m.Product.code).order_by(m.Product.code))]
        case Kind.FRAMEWORK:
            query = select(m.Framework.reference).order_by(m.Framework.reference)
            return [(r,) for r in s.scalars(query)]
        case Kind.LOT:
            lots = (
                select(m.Framework.reference, m.Lot.number)
                .join(m.Lot, m.Lot.framework_id == m.Framework.id)
                .order_by(m.Framework.reference, m.Lot.number)
            )
            return [(ref, number) for ref, number in s.execute(lots)]
        case Kind.OFFER:
            offers = (
                select(m.Framework.reference, m.Lot.number, m.Product.code, m.Offer.valid_from)
                .join(m.Lot, m.Offer.lot_id == m.Lot.id)
                .join(m.Framework, m.Lot.framework_id == m.Framework.id)
                .join(m.Product, m.Offer.product_id == m.Product.id)
                .order_by(m.Framework.reference, m.Lot.number, m.Product.code, m.Offer.valid_from)
            )
            return [(r, n, p, d.isoformat()) for r, n, p, d in s.execute(offers)]
    raise ValueError(kind)


def _cells(record: Record) -> dict[str, Any]:
    """A record as cells: money and dates as values, whole numbers as numbers, the rest text."""
    cells: dict[str, Any] = {}
    for spec in SPECS[kind_of(record)]:
        value = getattr(record, spec.name)
        if spec.type in _CELL_KINDS and not isinstance(value, bool):
            cells[spec.name] = value
        else:
            cells[spec.name] = as_text(record, spec.name)
    return cells


def _cell_text(spec: FieldSpec, value: object) -> str:
    """A cell's value as :func:`record_values` writes the field, to compare the two."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        if spec.type in (FieldType.MONEY, FieldType.OPTIONAL_MONEY):
            return f"{Decimal(repr(value)) if isinstance(value, float) else value:.2f}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
    return str(value).strip()


def _problem(kind: Kind, row: int, name: str, message: str) -> CellProblem:
    return CellProblem(TITLES[kind], row, spec_of(kind, name).label, message)


def _key_column(kind: Kind) -> str:
    return {
        Kind.SUPPLIER: "code",
        Kind.PRODUCT: "code",
        Kind.FRAMEWORK: "reference",
        Kind.LOT: "number",
        Kind.OFFER: "valid_from",
    }[kind]


def _database_problems(exc: RecordInvalid, where: dict[tuple[Kind, str], int]) -> list[CellProblem]:
    """What the database refused (a code that does not exist), named by its cell."""
    record = exc.record
    row = where.get((exc.kind, record.key), 0) if record is not None else 0
    return [_problem(exc.kind, row, p.field, p.message) for p in exc.problems]
