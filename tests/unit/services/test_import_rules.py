"""Which rows of an import are new, already recorded, or refused: nothing doubled, nothing lost."""

import csv
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.services.ledger import (
    ImportRaced,
    ImportRejected,
    LedgerExport,
    PurchaseDraft,
    PurchaseService,
)
from catalogue_app.services.ledger import commands as ledger_commands

TODAY = date(2026, 11, 23)
COLUMNS = ["order_reference", "buyer", "product", "framework", "lot", "quantity", "order_date"]


@pytest.fixture
def service(db):
    return PurchaseService(db)


def row(reference, quantity=12, **changes):
    values = {
        "order_reference": reference,
        "buyer": "norfolk",
        "product": "ATHENA",
        "framework": "ESSEX-ATHENA",
        "lot": "1",
        "quantity": str(quantity),
        "order_date": "2025-06-01",
    }
    values.update(changes)
    return values


def write_csv(path, rows, columns=None):
    columns = columns or list(dict.fromkeys(c for r in rows for c in [*COLUMNS, *r]))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def count(db):
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(m.Purchase))


def rejected(service, path):
    with pytest.raises(ImportRejected) as info:
        service.import_file(path, "officer", today=TODAY)
    return info.value


def test_two_rows_with_one_reference_are_refused_naming_both(db, service, tmp_path):
    path = write_csv(
        tmp_path / "in.csv",
        [row("NOR/D/1"), row("NOR/D/2"), row("NOR/D/1", quantity=13), row("NOR/D/1")],
    )
    before = count(db)
    error = rejected(service, path)
    assert [str(e) for e in error.errors] == [
        "row 4, column “order_reference”: this row repeats the order reference NOR/D/1 of "
        "row 2 for norfolk",
        "row 5, column “order_reference”: this row repeats the order reference NOR/D/1 of "
        "row 2 for norfolk",
    ]
    assert count(db) == before


def test_the_same_reference_for_two_buyers_is_two_purchases(db, service, tmp_path):
    path = write_csv(tmp_path / "in.csv", [row("SHARED/1"), row("SHARED/1", buyer="suffolk")])
    assert service.import_file(path, "officer", today=TODAY).imported == 2


def test_a_reference_recorded_with_other_content_names_the_purchase_and_the_difference(
    db, service, tmp_path
):
    first = service.import_file(write_csv(tmp_path / "a.csv", [row("NOR/C/1", 5)]), today=TODAY)
    assert first.imported == 1
    (recorded,) = [
        r for r in LedgerExport(db).records("norfolk") if r["order_reference"] == "NOR/C/1"
    ]
    changed = write_csv(tmp_path / "b.csv", [row("NOR/C/2"), row("NOR/C/1", 6)])
    before = count(db)
    error = rejected(service, changed)
    assert [str(e) for e in error.errors] == [
        f"row 3, column “order_reference”: order reference NOR/C/1 is already recorded for "
        f"norfolk as purchase {recorded['id']} with quantity 5, not 6; void that purchase "
        "first to record this one instead"
    ]
    assert count(db) == before  # NOR/C/2 was not written either


def test_every_difference_is_named(service, tmp_path):
    service.import_file(write_csv(tmp_path / "a.csv", [row("NOR/C/3", 5)]), today=TODAY)
    again = row("NOR/C/3", 6, order_date="2025-06-02", notes="resent")
    error = rejected(service, write_csv(tmp_path / "b.csv", [again]))
    assert error.errors[0].reason.split(" with ", 1)[1].split(";")[0] == (
        "quantity 5, not 6, order date 2025-06-01, not 2025-06-02, and notes none, not “resent”"
    )


def test_importing_the_same_file_twice_adds_nothing_and_says_so(db, service, tmp_path):
    path = write_csv(tmp_path / "in.csv", [row(f"NOR/I/{n}", notes=f"n{n}") for n in range(5)])
    assert service.import_file(path, "officer", today=TODAY).imported == 5
    before = count(db)
    again = service.import_file(path, "officer", today=TODAY)
    assert (again.rows, again.imported, again.already_present) == (5, 0, 5)
    assert count(db) == before


def test_a_voided_purchases_reference_is_used_again(db, service, tmp_path):
    path = write_csv(tmp_path / "in.csv", [row("NOR/V/1", 5)])
    service.import_file(path, "officer", today=TODAY)
    (old,) = [r for r in LedgerExport(db).records("norfolk") if r["order_reference"] == "NOR/V/1"]
    service.void(old["id"], "wrong quantity", "officer")
    corrected = write_csv(tmp_path / "corrected.csv", [row("NOR/V/1", 7)])
    report = service.import_file(corrected, "officer", today=TODAY)
    assert (report.imported, report.already_present) == (1, 0)
    active = [r for r in LedgerExport(db).records("norfolk") if r["order_reference"] == "NOR/V/1"]
    assert [(r["quantity"], r["id"] != old["id"]) for r in active] == [(7, True)]


def test_a_row_with_a_recorded_id_is_that_purchase_or_an_error(db, service, tmp_path):
    recorded = service.record(
        PurchaseDraft(
            buyer="norfolk",
            product="ATHENA",
            quantity=5,
            order_date="2025-06-01",
            order_reference="NOR/ID/1",
            framework="ESSEX-ATHENA",
            lot="1",
        ),
        today=TODAY,
    )
    same = write_csv(tmp_path / "same.csv", [row("NOR/ID/1", 5, id=recorded.id)])
    assert service.import_file(same, today=TODAY).already_present == 1
    other = write_csv(tmp_path / "other.csv", [row("NOR/ID/2", 9, id=recorded.id)])
    error = rejected(service, other)
    assert str(error.errors[0]) == (
        f"row 2, column “id”: purchase {recorded.id} (NOR/ID/1 for norfolk) is already "
        "recorded with order reference NOR/ID/1, not NOR/ID/2, and quantity 5, not 9; edit it "
        "in the ledger, or clear the id to record a new purchase"
    )
    service.void(recorded.id, "cancelled")
    error = rejected(service, same)
    assert str(error.errors[0]) == (
        f"row 2, column “id”: purchase {recorded.id} (NOR/ID/1 for norfolk) is void; restore "
        "it in the ledger, or clear the id to record a new purchase"
    )


def test_two_rows_with_one_id_are_refused(service, tmp_path):
    uid = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    path = write_csv(tmp_path / "in.csv", [row("A/1", id=uid), row("A/2", id=uid.upper())])
    error = rejected(service, path)
    assert str(error.errors[0]) == f"row 3, column “id”: this row repeats the id {uid} of row 2"


def test_only_active_rows_are_imported(db, service, tmp_path):
    path = write_csv(
        tmp_path / "in.csv",
        [row("S/1", status="active"), row("S/2", status=""), row("S/3", status="void")],
    )
    before = count(db)
    error = rejected(service, path)
    assert [str(e) for e in error.errors] == [
        "row 4, column “status”: the status is “void”, but an import records active purchases "
        "only; remove this row, or its status to record it as active"
    ]
    assert count(db) == before


def test_an_export_of_void_and_active_purchases_is_refused_not_doubled(db, service, tmp_path):
    export = LedgerExport(db)
    service.void(export.records("norfolk")[0]["id"], "duplicate order")
    records = export.records("norfolk", status="all")
    assert {r["status"] for r in records} == {"active", "void"}
    path = tmp_path / "all.csv"
    export.write(records, path, "csv")
    before = count(db)
    error = rejected(service, path)
    assert {e.column for e in error.errors} == {"status"}
    assert len(error.errors) == sum(r["status"] == "void" for r in records)
    assert count(db) == before


def test_a_column_the_import_does_not_read_is_refused_when_it_holds_values(service, tmp_path):
    typo = write_csv(tmp_path / "typo.csv", [row("T/1", **{"Unit Price": "12.50"})])
    error = rejected(service, typo)
    assert [str(e) for e in error.errors] == [
        "row 1, column “Unit Price”: an import does not read this column, so its values would "
        "be lost; rename it “unit_price” or delete it"
    ]
    empty = write_csv(tmp_path / "empty.csv", [row("T/2", remarks="")])
    assert service.import_file(empty, today=TODAY).imported == 1


def test_a_value_under_no_column_name_is_refused(service, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        ",".join(COLUMNS) + "\n" + ",".join(row("U/1").values()) + ",lost value\n",
        encoding="utf-8",
    )
    error = rejected(service, path)
    assert str(error.errors[0]) == (
        "row 2, column “column H”: holds a value, but the header names no column there; "
        "name the column or clear the cell"
    )


def test_control_characters_are_refused_before_the_database_sees_them(service, tmp_path):
    path = write_csv(
        tmp_path / "in.csv", [row("NUL/1", notes="a\x00b"), row("NUL/\x1b2"), row("OK/1")]
    )
    error = rejected(service, path)
    assert [str(e) for e in error.errors] == [
        "row 2, column “notes”: the notes contains the control character U+0000; remove it",
        "row 3, column “order_reference”: order reference contains the control character "
        "U+001B; remove it",
    ]


def test_order_dates_are_read_only_as_written_in_the_template(service, tmp_path):
    path = write_csv(tmp_path / "in.csv", [row("D/1", order_date="20250601")])
    error = rejected(service, path)
    assert str(error.errors[0]) == (
        "row 2, column “order_date”: order date “20250601” is not a date written YYYY-MM-DD"
    )


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("unit_price", "1e308", "unit_price “1e308” is written with an exponent"),
        (
            "unit_price",
            "100000000000000000",
            "unit_price “100000000000000000” is more than the largest allowed, £1,000,000,000.00",
        ),
        ("quantity", "²", "quantity “²” contains “²”, which is not one of the digits 0 to 9"),
        (
            "quantity",
            "100000000000000000000000",
            "quantity “100000000000000000000000” is more than the largest allowed, 10,000,000",
        ),
        ("unit_price", "12,50", "unit_price “12,50” uses a comma for decimals"),
    ],
)
def test_numbers_out_of_bounds_are_row_errors(service, tmp_path, column, value, message):
    path = write_csv(tmp_path / "in.csv", [row("N/1"), row("N/2", **{column: value})])
    error = rejected(service, path)
    assert len(error.errors) == 1
    assert (error.errors[0].row, error.errors[0].column) == (3, column)
    assert error.errors[0].reason.startswith(message)


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("unit_price", 1e308, "unit_price “1e+308” is more than the largest allowed"),
        # a spreadsheet holds every number as a double, as Excel shows it: 1E+17
        ("unit_price", 10**17, "unit_price “1e+17” is more than the largest allowed"),
        ("unit_price", 12.345, "unit_price “12.345” has fractions of a penny"),
        ("quantity", 1e23, "quantity “1e+23” is more than the largest allowed, 10,000,000"),
        ("quantity", 2.5, "quantity “2.5” is not a whole number"),
        ("quantity", True, "quantity must be a whole number, not true or false"),
        ("baseline_unit_price", -1, "baseline_unit_price must not be negative"),
    ],
)
def test_spreadsheet_number_cells_meet_the_same_rules_as_text(
    db, service, tmp_path, column, cell, message
):
    book = Workbook()
    header = [*COLUMNS, "unit_price", "baseline_unit_price"]
    book.active.append(header)
    values = {**row("X/1"), "quantity": 12, "order_date": date(2025, 6, 1), column: cell}
    book.active.append([values.get(c) for c in header])
    book.save(tmp_path / "cells.xlsx")
    before = count(db)
    error = rejected(service, tmp_path / "cells.xlsx")
    assert [(e.row, e.column) for e in error.errors] == [(2, column)]
    assert error.errors[0].reason.startswith(message)
    assert count(db) == before


def test_spreadsheet_numbers_within_bounds_are_exact(db, service, tmp_path):
    book = Workbook()
    header = [*COLUMNS, "unit_price"]
    book.active.append(header)
    values = {**row("X/2"), "quantity": 3, "order_date": date(2025, 6, 1), "unit_price": 12.3}
    book.active.append([values.get(c) for c in header])
    book.save(tmp_path / "cells.xlsx")
    assert service.import_file(tmp_path / "cells.xlsx", today=TODAY).imported == 1
    (line,) = [r for r in LedgerExport(db).records("norfolk") if r["order_reference"] == "X/2"]
    assert (line["quantity"], str(line["unit_price"]), str(line["total"])) == (3, "12.30", "36.90")


def test_losing_a_race_for_a_reference_is_one_sentence_and_writes_nothing(
    db, service, tmp_path, monkeypatch
):
    path = write_csv(tmp_path / "in.csv", [row("RACE/1"), row("RACE/2")])
    service.import_file(write_csv(tmp_path / "other.csv", [row("RACE/2", 99)]), today=TODAY)
    before = count(db)
    # another writer records RACE/2 between this import's check and its insert
    monkeypatch.setattr(ledger_commands.queries, "active_by_reference", lambda s, refs: {})
    with pytest.raises(ImportRaced) as info:
        service.import_file(path, "officer", today=TODAY)
    assert str(info.value).startswith(
        "in.csv was not imported: someone else recorded one of its order references while it "
        "was being checked; nothing was written"
    )
    assert count(db) == before
