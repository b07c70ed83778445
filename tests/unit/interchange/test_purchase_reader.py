"""Reading purchases files: every row where a spreadsheet shows it, every refusal one sentence."""

import codecs

import pytest
from openpyxl import Workbook

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange import purchases
from catalogue_app.interchange.purchases import column_letter, read_purchase_rows


def write_xlsx(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_rows_shorter_than_the_header_get_blank_values(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("order_reference,buyer,notes\nA/1,norfolk\n", encoding="utf-8")
    (row,) = read_purchase_rows(path)
    assert row.values == {"order_reference": "A/1", "buyer": "norfolk", "notes": ""}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_values_under_no_column_name_are_reported_by_their_letter(tmp_path, suffix):
    path = tmp_path / f"in{suffix}"
    lines = [["order_reference", "", "notes"], ["A/1", "typed here", "n", "", "and here"]]
    if suffix == ".csv":
        path.write_text("\n".join(",".join(cells) for cells in lines) + "\n", encoding="utf-8")
    else:
        write_xlsx(path, lines)
    (row,) = read_purchase_rows(path)
    assert row.values == {"order_reference": "A/1", "notes": "n"}
    assert row.unnamed == ("B", "E")


def test_a_byte_order_mark_and_old_mac_line_breaks_are_read(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(codecs.BOM_UTF8 + b'order_reference,notes\rA/1,x\rA/2,"two\rlines"\r')
    rows = read_purchase_rows(path)
    assert [(r.row, r.values["order_reference"], r.values["notes"]) for r in rows] == [
        (2, "A/1", "x"),
        (3, "A/2", "two\rlines"),
    ]


def test_text_that_is_not_utf8_names_the_row_with_the_bad_bytes(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("order_reference,notes\nA/1,fine\nA/2,café\n".encode("latin-1"))
    with pytest.raises(CatalogueError) as info:
        read_purchase_rows(path)
    assert str(info.value) == (
        "latin.csv is not UTF-8 text (row 3 holds bytes that are not); "
        "save it as CSV UTF-8 and import it again"
    )


def test_utf16_text_is_named_as_such(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("order_reference\nA/1\n".encode("utf-16"))
    with pytest.raises(CatalogueError, match="unicode.csv is UTF-16 text, not UTF-8"):
        read_purchase_rows(path)


def test_a_value_longer_than_the_csv_field_limit_names_its_row(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("order_reference,notes\nA/1,short\nA/2," + "x" * 131_073 + "\n")
    with pytest.raises(CatalogueError) as info:
        read_purchase_rows(path)
    assert str(info.value).startswith(
        "long.csv, row 3 holds a value longer than 131,072 characters"
    )


def test_a_line_without_end_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(purchases, "MAX_LINE", 1000)
    path = tmp_path / "commas.csv"
    path.write_text("order_reference\n" + "," * 5000)
    with pytest.raises(CatalogueError, match="commas.csv, row 2 has a line longer than"):
        read_purchase_rows(path)


def test_a_csv_larger_than_an_import_reads_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(purchases, "MAX_FILE_BYTES", 2 * 2**20)
    path = tmp_path / "big.csv"
    path.write_bytes(b"order_reference\n" + b"A\n" * (2**20 + 10))
    with pytest.raises(CatalogueError, match="big.csv is larger than the 2 MB an import may read"):
        read_purchase_rows(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_more_rows_than_an_import_reads_are_refused(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(purchases, "MAX_ROWS", 5)
    rows = [["order_reference"], *([f"A/{n}"] for n in range(6))]
    path = tmp_path / f"many{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(r[0] for r in rows) + "\n")
    else:
        write_xlsx(path, rows)
    with pytest.raises(CatalogueError, match=f"many{suffix} has more than 5 rows"):
        read_purchase_rows(path)
    monkeypatch.setattr(purchases, "MAX_ROWS", 6)
    assert len(read_purchase_rows(path)) == 6


def test_a_cell_far_to_the_right_is_refused_not_padded_to(tmp_path):
    path = tmp_path / "far.xlsx"
    book = Workbook()
    book.active.append(["order_reference"])
    book.active.append(["A/1"])
    book.active["XFD2"] = "stray"  # the last column a sheet has
    book.save(path)
    with pytest.raises(CatalogueError, match="far.xlsx, row 2 has values beyond column CV"):
        read_purchase_rows(path)


def test_trailing_empty_csv_cells_are_harmless(tmp_path):
    path = tmp_path / "commas.csv"
    path.write_text("order_reference" + "," * 300 + "\nA/1" + "," * 300 + "\n")
    (row,) = read_purchase_rows(path)
    assert row.values == {"order_reference": "A/1"} and row.unnamed == ()


def test_column_letters_are_a_spreadsheets():
    assert [column_letter(n) for n in (1, 26, 27, 100, 16384)] == ["A", "Z", "AA", "CV", "XFD"]


def test_a_folder_is_not_a_file(tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(CatalogueError, match="folder.csv is a folder, not a file"):
        read_purchase_rows(folder)
