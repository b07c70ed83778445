"""The catalogue workbook: sheets of typed cells that read back as written, and every way a
file that is not such a workbook is refused with one sentence."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.catalogue_book import (
    CellKind,
    Column,
    Sheet,
    read_catalogue_book,
    write_catalogue_book,
)

THINGS = Sheet(
    "Things",
    (
        Column("code", "Code"),
        Column("price", "List price", CellKind.MONEY),
        Column("since", "Since", CellKind.DATE),
        Column("count", "Extensions", CellKind.NUMBER),
        Column("notes", "Notes", width=40),
    ),
)
OTHERS = Sheet("Others", (Column("code", "Code"), Column("title", "Title")))

ROW = {
    "code": "01234567",
    "price": Decimal("1234.50"),
    "since": date(2026, 11, 23),
    "count": 2,
    "notes": '=HYPERLINK("http://evil.example","Click")',
}


def _write(tmp_path, rows=(ROW,), others=()):
    path = tmp_path / "catalogue.xlsx"
    write_catalogue_book([(THINGS, rows), (OTHERS, others)], path)
    return path


def test_cells_keep_their_types_and_read_back_as_written(tmp_path):
    path = _write(tmp_path, others=[{"code": "a", "title": None}])
    sheet = load_workbook(path)["Things"]
    assert [c.value for c in sheet[1]] == ["Code", "List price", "Since", "Extensions", "Notes"]
    assert sheet["A2"].value == "01234567" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 1234.5 and "£" in sheet["B2"].number_format
    assert sheet["C2"].value == datetime(2026, 11, 23)
    assert sheet["E2"].value.startswith("'=")  # text, never a formula
    assert sheet.freeze_panes == "B2"

    book = read_catalogue_book(path, [THINGS, OTHERS])
    [row] = book["Things"]
    assert row.row == 2
    assert row.values["code"] == "01234567"
    assert Decimal(repr(row.values["price"])) == Decimal("1234.5")
    assert row.values["since"] == datetime(2026, 11, 23)
    assert row.values["count"] == 2
    assert row.values["notes"] == ROW["notes"]
    assert book["Others"][0].values == {"code": "a", "title": None}


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(tmp_path):
    path = _write(tmp_path)
    book = load_workbook(path)
    book["Things"]["A4"] = "second"
    book.save(path)
    rows = read_catalogue_book(path, [THINGS, OTHERS])["Things"]
    assert [r.row for r in rows] == [2, 4]
    assert rows[1].values["price"] is None


def test_a_workbook_may_leave_out_a_sheet(tmp_path):
    path = tmp_path / "only.xlsx"
    write_catalogue_book([(OTHERS, [{"code": "a", "title": "A"}])], path)
    assert set(read_catalogue_book(path, [THINGS, OTHERS])) == {"Others"}


def test_the_writer_refuses_an_existing_file_unless_told(tmp_path):
    path = _write(tmp_path)
    with pytest.raises(CatalogueError, match="use --force"):
        _write(tmp_path)
    write_catalogue_book([(THINGS, [])], path, overwrite=True)
    assert read_catalogue_book(path, [THINGS]) == {"Things": []}


def _edited(tmp_path, change):
    path = _write(tmp_path)
    book = load_workbook(path)
    change(book)
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.create_sheet("Notes"), "has a sheet “Notes” that is not part of"),
        (lambda b: b["Things"].delete_cols(5), "has no column “Notes”"),
        (
            lambda b: b["Things"].cell(1, 2, "Price"),
            "column B is headed “Price”, which is not one of the sheet's columns",
        ),
        (lambda b: b["Things"].cell(1, 2, "code"), "has the column “Code” twice"),
        (lambda b: b["Things"].cell(2, 9, "stray"), "cell I2 holds a value under no column"),
        (lambda b: b["Things"].cell(2, 2, "=1+1"), r"cell B2 \(List price\) holds a formula"),
    ],
)
def test_a_workbook_that_is_not_a_catalogue_is_refused_with_one_sentence(tmp_path, change, message):
    path = _edited(tmp_path, change)
    with pytest.raises(CatalogueError, match=message) as caught:
        read_catalogue_book(path, [THINGS, OTHERS])
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("catalogue.xlsx")


def test_files_that_are_no_workbook_at_all_are_refused(tmp_path):
    text = tmp_path / "catalogue.xlsx"
    text.write_text("code,name\n")
    with pytest.raises(CatalogueError, match="not a catalogue workbook: it is not a zip"):
        read_catalogue_book(text, [THINGS])
    csv = tmp_path / "catalogue.csv"
    csv.write_text("code\n")
    with pytest.raises(CatalogueError, match="only .xlsx files"):
        read_catalogue_book(csv, [THINGS])
    with pytest.raises(CatalogueError, match="does not exist"):
        read_catalogue_book(tmp_path / "missing.xlsx", [THINGS])
    other = tmp_path / "other.xlsx"
    book = Workbook()
    book.active.title = "Purchases"
    book.save(other)
    with pytest.raises(CatalogueError, match="has none of the sheets Things, Others"):
        read_catalogue_book(other, [THINGS, OTHERS])
