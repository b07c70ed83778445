import csv
import io
import json
from decimal import Decimal

from openpyxl import load_workbook

from catalogue_app import cli
from catalogue_app.services.database import open_database
from catalogue_app.services.ledger import LedgerExport


def run(*argv):
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


ADD = [
    "purchases",
    "add",
    "--buyer",
    "ecis",
    "--product",
    "ATHENA",
    "--framework",
    "ESSEX-ATHENA",
    "--lot",
    "1",
    "--quantity",
    "500",
    "--date",
    "2026-05-01",
    "--order-ref",
    "ECIS/CLI/1",
]


def test_add_void_and_history(db_location, capsys):
    code, out = run("--database", db_location, *ADD)
    assert code == 0
    purchase_id = out.strip()
    assert len(purchase_id) == 36
    code, _ = run("--database", db_location, *ADD)
    assert code == 1
    assert "was already used by ecis" in capsys.readouterr().err
    code, out = run(
        "--database", db_location, "purchases", "void", purchase_id, "--reason", "entered twice"
    )
    assert code == 0
    code, out = run("--database", db_location, "purchases", "history", purchase_id)
    assert code == 0
    recorded, voided = out.strip().splitlines()
    assert recorded.startswith("Recorded by ")
    assert voided.startswith("Voided by ") and voided.endswith(": entered twice")
    code, out = run("--database", db_location, *ADD)  # a voided order's reference is free
    assert code == 0 and out.strip() != purchase_id


def test_add_refuses_bad_input_with_one_sentence(db_location, capsys):
    bad = [a if a != "500" else "0" for a in ADD]
    code, _ = run("--database", db_location, *bad)
    assert code == 1
    assert capsys.readouterr().err == "catalogue-app: Quantity must be more than zero (got 0).\n"
    code, _ = run(
        "--database",
        db_location,
        "purchases",
        "add",
        "--buyer",
        "norfolk",
        "--product",
        "ATHENA",
        "--quantity",
        "1",
        "--date",
        "2025-01-01",
        "--order-ref",
        "X",
    )
    assert code == 2  # neither --framework nor --off-framework


def test_list_json_and_status_filter(db_location):
    code, out = run(
        "--database",
        db_location,
        "purchases",
        "list",
        "--buyer",
        "norfolk",
        "--from",
        "2024-04-01",
        "--to",
        "2025-03-31",
        "--format",
        "json",
    )
    assert code == 0
    records = json.loads(out)
    assert records and {"id", "order_reference", "total", "saving"} <= set(records[0])
    assert all("2024-04-01" <= r["order_date"] <= "2025-03-31" for r in records)


def test_export_csv_and_xlsx_agree_to_the_penny_with_the_list(db_location, tmp_path):
    scope = ["--buyer", "norfolk", "--from", "2024-04-01", "--to", "2025-03-31"]
    _, listed = run("--database", db_location, "purchases", "list", *scope, "--format", "json")
    list_total = sum(Decimal(r["total"]) for r in json.loads(listed))
    csv_path, xlsx_path = tmp_path / "n.csv", tmp_path / "n.xlsx"
    assert (
        run(
            "--database",
            db_location,
            "purchases",
            "export",
            *scope,
            "--format",
            "csv",
            "--out",
            str(csv_path),
        )[0]
        == 0
    )
    assert (
        run(
            "--database",
            db_location,
            "purchases",
            "export",
            *scope,
            "--format",
            "xlsx",
            "--out",
            str(xlsx_path),
        )[0]
        == 0
    )
    with csv_path.open() as fh:
        csv_total = sum(Decimal(r["total"]) for r in csv.DictReader(fh))
    sheet = load_workbook(xlsx_path).active
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2"
    total_col = header.index("total")
    cells = [row[total_col] for row in sheet.iter_rows(min_row=2)]
    assert all(c.number_format == '"£"#,##0.00' for c in cells)
    xlsx_total = sum(Decimal(str(c.value)) for c in cells)
    date_cell = next(sheet.iter_rows(min_row=2))[header.index("order_date")]
    assert date_cell.is_date
    assert list_total == csv_total == xlsx_total > 0


def test_export_then_import_round_trips_every_purchase(db_location, new_location, tmp_path):
    path = tmp_path / "ecis.csv"
    assert (
        run(
            "--database",
            db_location,
            "purchases",
            "export",
            "--buyer",
            "ecis",
            "--format",
            "csv",
            "--out",
            str(path),
        )[0]
        == 0
    )
    code, out = run("--database", new_location, "db", "seed", "--no-demo")
    assert code == 0
    code, out = run("--database", new_location, "purchases", "import", str(path))
    assert code == 0, out
    assert "already in the ledger" in out
    source, target = open_database(db_location), open_database(new_location)
    try:
        keep = (
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
            "total",
            "saving",
        )
        before = [{k: r[k] for k in keep} for r in LedgerExport(source).records("ecis")]
        after = [{k: r[k] for k in keep} for r in LedgerExport(target).records("ecis")]
        assert before == after and len(before) > 10
    finally:
        source.close()
        target.close()
    code, out = run("--database", new_location, "purchases", "import", str(path))
    assert code == 0 and "Imported 0 of" in out


def test_import_with_a_bad_row_prints_the_report_and_writes_nothing(db_location, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    assert run("--database", db_location, "purchases", "template", "--out", str(path))[0] == 0
    text = path.read_text().replace(",25,", ",twenty,")
    path.write_text(text)
    _, before = run("--database", db_location, "purchases", "list", "--format", "csv")
    code, _ = run("--database", db_location, "purchases", "import", str(path))
    err = capsys.readouterr().err
    assert code == 1
    assert "bad.csv, row 2, column “quantity”: quantity “twenty” is not a whole number" in err
    _, after = run("--database", db_location, "purchases", "list", "--format", "csv")
    assert before == after
