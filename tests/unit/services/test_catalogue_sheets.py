"""The catalogue workbook round-trip: export, edit in a spreadsheet, import whole or not at all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.services.context import AppContext
from catalogue_app.services.editing import CatalogueEditor, CatalogueHistory, Kind
from catalogue_app.services.editing.sheets import (
    SHEETS,
    CatalogueImportRejected,
    CatalogueSheets,
)


@pytest.fixture
def ctx(db):
    return AppContext(db, actor="cm.jones", clock=lambda: datetime(2026, 11, 30, 10, tzinfo=UTC))


@pytest.fixture
def sheets(ctx):
    return CatalogueSheets(ctx)


@pytest.fixture
def exported(sheets, tmp_path):
    path = tmp_path / "catalogue.xlsx"
    sheets.export(path)
    return path


def _audit_events(db) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(m.AuditEvent))


class Book:
    """An exported workbook opened for editing as a person would in a spreadsheet."""

    def __init__(self, path):
        self.path = path
        self.book = load_workbook(path)

    def _column(self, sheet, heading):
        headings = [c.value for c in self.book[sheet][1]]
        return headings.index(heading) + 1

    def row_of(self, sheet, heading, value):
        ws = self.book[sheet]
        column = self._column(sheet, heading)
        for row in range(2, ws.max_row + 1):
            if ws.cell(row, column).value == value:
                return row
        raise KeyError(value)

    def get(self, sheet, row, heading):
        return self.book[sheet].cell(row, self._column(sheet, heading)).value

    def set(self, sheet, row, heading, value):
        self.book[sheet].cell(row, self._column(sheet, heading), value)

    def add(self, sheet, values):
        ws = self.book[sheet]
        row = ws.max_row + 1
        for heading, value in values.items():
            ws.cell(row, self._column(sheet, heading), value)
        return row

    def save(self):
        self.book.save(self.path)


NEW_PRODUCT = {
    "Code": "BWC-X9",
    "Name": "Body-worn camera X9",
    "Category (CPV code)": "35125300-2",
    "Supplier": "motorola-solutions",
    "Status": "approved",
    "Unit": "camera",
    "List price": 899.5,
    "List price in force from": datetime(2026, 12, 1),
    "Tags": "video, evidence",
}


def test_an_unchanged_export_imports_as_nothing_to_change(sheets, exported, db):
    events = _audit_events(db)
    report = sheets.import_book(exported)
    assert not report.changed
    assert report.headline() == "catalogue.xlsx matches the catalogue: nothing to change."
    products = next(c for c in report.counts if c.kind is Kind.PRODUCT)
    assert products.rows > 0 and products.unchanged == products.rows
    assert _audit_events(db) == events


def test_export_holds_every_record_with_labels_as_headings(sheets, exported):
    book = load_workbook(exported)
    assert book.sheetnames == ["Suppliers", "Products", "Frameworks", "Lots", "Offers"]
    assert [c.value for c in book["Products"][1]] == [
        c.heading for c in SHEETS[Kind.PRODUCT].columns
    ]
    records = sheets.records()
    for kind, sheet in SHEETS.items():
        assert book[sheet.title].max_row - 1 == len(records[kind]) > 0
    offers = Book(exported)
    row = 2
    breaks = offers.get("Offers", row, "Price breaks")
    assert breaks is None or ":" in breaks


def test_edit_two_cells_and_add_a_row_then_dry_run_import_and_import_again(
    sheets, exported, ctx, db
):
    editor = CatalogueEditor(ctx)
    book = Book(exported)
    athena = book.row_of("Products", "Code", "ATHENA")
    book.set("Products", athena, "Name", "Athena records management")
    supplier = book.row_of("Suppliers", "Code", "motorola-solutions")
    book.set("Suppliers", supplier, "Name", "Motorola Solutions UK Ltd")
    added = book.add("Products", NEW_PRODUCT)
    book.save()
    before = editor.get(Kind.PRODUCT, "ATHENA")
    events = _audit_events(db)

    dry = sheets.import_book(exported, dry_run=True)
    assert not dry.applied
    counts = {c.sheet: (c.added, c.changed, c.withdrawn) for c in dry.counts}
    assert counts["Products"] == (1, 1, 0)
    assert counts["Suppliers"] == (0, 1, 0)
    assert counts["Offers"] == (0, 0, 0)
    assert dry.headline() == (
        "Checked catalogue.xlsx: 1 added, 2 changed, 0 withdrawn would be; "
        "nothing was changed (dry run)."
    )
    summaries = [str(line) for line in dry.lines]
    assert f"Products, row {athena}: changed product ATHENA: name “" in summaries[1]
    assert f"Products, row {added}: added product BWC-X9" in summaries
    assert editor.find(Kind.PRODUCT, "BWC-X9") is None
    assert editor.get(Kind.PRODUCT, "ATHENA") == before
    assert _audit_events(db) == events

    applied = sheets.import_book(exported)
    assert applied.applied and len(applied.lines) == 3
    assert applied.headline() == "Imported catalogue.xlsx: 1 added, 2 changed, 0 withdrawn."
    assert editor.get(Kind.PRODUCT, "ATHENA").name == "Athena records management"
    assert editor.get(Kind.SUPPLIER, "motorola-solutions").name == "Motorola Solutions UK Ltd"
    new = editor.get(Kind.PRODUCT, "BWC-X9")
    assert (new.list_price, new.price_from, new.tags) == (
        Decimal("899.50"),
        date(2026, 12, 1),
        ("evidence", "video"),
    )
    history = CatalogueHistory(db).history(Kind.PRODUCT, "ATHENA")
    assert history[-1].actor == "cm.jones" and history[-1].action == "edit"
    events = _audit_events(db)

    again = sheets.import_book(exported)
    assert not again.changed
    assert _audit_events(db) == events


def test_one_bad_cell_changes_nothing_and_is_named_by_sheet_row_and_column(
    sheets, exported, ctx, db
):
    book = Book(exported)
    athena = book.row_of("Products", "Code", "ATHENA")
    book.set("Products", athena, "Name", "Renamed, but not imported")
    book.set("Products", athena, "List price", "nine hundred")
    book.save()
    events = _audit_events(db)
    with pytest.raises(CatalogueImportRejected) as caught:
        sheets.import_book(exported)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("Products", athena, "List price")
    assert str(problem).startswith(f"sheet Products, row {athena}, column List price: list price")
    assert str(caught.value).startswith("catalogue.xlsx was not imported: 1 bad cell — ")
    assert str(caught.value).endswith("nothing changed")
    assert CatalogueEditor(ctx).get(Kind.PRODUCT, "ATHENA").name != "Renamed, but not imported"
    assert _audit_events(db) == events


def test_every_bad_cell_is_listed_at_once(sheets, exported):
    book = Book(exported)
    book.set("Products", 2, "Status", "famous")
    book.set("Frameworks", 3, "Ends", "soon")
    book.set("Offers", 2, "Price breaks", "lots")
    book.save()
    with pytest.raises(CatalogueImportRejected) as caught:
        sheets.import_book(exported, dry_run=True)
    where = [(p.sheet, p.row, p.column) for p in caught.value.problems]
    assert where == [
        ("Products", 2, "Status"),
        ("Frameworks", 3, "Ends"),
        ("Offers", 2, "Price breaks"),
    ]


def test_a_code_the_database_does_not_know_is_named_by_its_cell(sheets, exported, ctx):
    book = Book(exported)
    row = book.add("Products", {**NEW_PRODUCT, "Supplier": "no-such-supplier"})
    book.save()
    with pytest.raises(CatalogueImportRejected) as caught:
        sheets.import_book(exported)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("Products", row, "Supplier")
    assert "no supplier has the code “no-such-supplier”" in problem.message
    assert CatalogueEditor(ctx).find(Kind.PRODUCT, "BWC-X9") is None


def test_a_record_twice_in_one_sheet_is_refused(sheets, exported):
    book = Book(exported)
    first = book.add("Products", NEW_PRODUCT)
    second = book.add("Products", NEW_PRODUCT)
    book.save()
    with pytest.raises(CatalogueImportRejected, match=f"is in row {first} already") as caught:
        sheets.import_book(exported)
    assert caught.value.problems[0].row == second


def test_withdrawing_in_the_sheet_counts_as_withdrawn(sheets, exported, ctx):
    editor = CatalogueEditor(ctx)
    status = editor.get(Kind.PRODUCT, "ATHENA").status
    book = Book(exported)
    athena = book.row_of("Products", "Code", "ATHENA")
    book.set("Products", athena, "Status", "withdrawn")
    book.save()
    report = sheets.import_book(exported)
    products = next(c for c in report.counts if c.kind is Kind.PRODUCT)
    assert (products.added, products.changed, products.withdrawn) == (0, 0, 1)
    assert [str(line) for line in report.lines] == [
        f"Products, row {athena}: withdrew product ATHENA: status {status} → withdrawn"
    ]
    assert editor.get(Kind.PRODUCT, "ATHENA").status == "withdrawn"


def test_new_offer_prices_from_a_day_end_the_version_before(sheets, exported, ctx):
    book = Book(exported)
    row = 2
    line = [book.get("Offers", row, h) for h in ("Framework", "Lot", "Product")]
    editor = CatalogueEditor(ctx)
    versions = editor.offer_versions(*line)
    current = versions[-1]
    assert current.valid_to is None
    row = max(
        r
        for r in range(2, book.book["Offers"].max_row + 1)
        if [book.get("Offers", r, h) for h in ("Framework", "Lot", "Product")] == line
    )
    book.set("Offers", row, "Prices until", datetime(2026, 12, 31))
    # the new version is typed above the row it follows: the import orders them by day
    book.book["Offers"].insert_rows(2)
    for heading, value in {
        "Framework": line[0],
        "Lot": line[1],
        "Product": line[2],
        "Prices from": datetime(2027, 1, 1),
        "Ceiling unit price": float(current.ceiling_price - 1),
    }.items():
        book.set("Offers", 2, heading, value)
    book.save()
    report = sheets.import_book(exported)
    offers = next(c for c in report.counts if c.kind is Kind.OFFER)
    assert (offers.added, offers.changed) == (1, 1)
    versions = editor.offer_versions(*line)
    assert [(v.valid_from, v.valid_to) for v in versions[-2:]] == [
        (current.valid_from, date(2026, 12, 31)),
        (date(2027, 1, 1), None),
    ]
    assert versions[-1].ceiling_price == current.ceiling_price - 1


def test_a_legacy_row_is_refused_only_when_it_is_changed(sheets, exported, ctx):
    """A supplier suspended before reasons were kept imports unchanged, but an edit of it
    must give the reason."""
    book = Book(exported)
    row = next(
        r
        for r in range(2, book.book["Suppliers"].max_row + 1)
        if book.get("Suppliers", r, "Status") != "active"
        and not book.get("Suppliers", r, "Reason for the status")
    )
    assert not sheets.import_book(exported).changed
    book.set("Suppliers", row, "Name", "Renamed Ltd")
    book.save()
    with pytest.raises(CatalogueImportRejected) as caught:
        sheets.import_book(exported)
    columns = {p.column for p in caught.value.problems}
    assert columns == {"Reason for the status", "Status since"}
    assert {p.row for p in caught.value.problems} == {row}
