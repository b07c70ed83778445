"""Keeping the catalogue up to date from the command line: every edit audited and in
``history``, the spreadsheet round-trip, one-sentence refusals and exit codes."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from catalogue_app import cli

NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)


@pytest.fixture
def run(db_location):
    def run(*argv):
        out = io.StringIO()
        code = cli.main(["--database", db_location, *argv], out=out, clock=lambda: NOW)
        return code, out.getvalue()

    return run


ADD_PRODUCT = [
    "products",
    "add",
    "--code",
    "BWC-X1",
    "--name",
    "Body-worn camera X1",
    "--category",
    "35125300-2",
    "--supplier",
    "motorola-solutions",
    "--status",
    "approved",
    "--unit",
    "camera",
    "--list-price",
    "900.00",
    "--price-from",
    "2026-01-01",
    "--tags",
    "video,evidence",
]


def _history(run, *key):
    code, out = run("history", *key, "--format", "json")
    assert code == 0
    return json.loads(out)


def test_product_add_edit_withdraw_reinstate_each_appear_in_history(run, capsys):
    assert run(*ADD_PRODUCT) == (0, "Added product BWC-X1.\n")
    code, out = run(
        "products", "edit", "BWC-X1", "--list-price", "950.00", "--price-from", "2026-12-01"
    )
    assert code == 0
    assert out == (
        "Changed product BWC-X1: list price £900.00 → £950.00; "
        "list price in force from 1 Jan 2026 → 1 Dec 2026.\n"
    )
    code, out = run("products", "withdraw", "BWC-X1")
    assert code == 0
    assert out.splitlines() == [
        "Product BWC-X1 touches 0 purchases in the last 12 months, "
        "0 framework offers in force today.",
        "Withdrew product BWC-X1: status approved → withdrawn.",
    ]
    code, out = run("products", "reinstate", "BWC-X1", "--format", "json")
    assert code == 0
    [change] = json.loads(out)["changes"]
    assert (change["action"], change["before"]["status"], change["after"]["status"]) == (
        "reinstate",
        "withdrawn",
        "approved",
    )
    entries = _history(run, "product", "BWC-X1")
    assert [e["action"] for e in entries] == ["create", "edit", "withdraw", "reinstate"]
    assert entries[1]["before"]["list_price"] == "900.00"
    assert entries[1]["after"]["list_price"] == "950.00"
    code, out = run("history", "product", "BWC-X1")
    lines = out.splitlines()
    assert lines[0].split() == ["When", "Who", "What"]
    assert lines[1].startswith("30 Nov 2026 ") and lines[1].endswith("Added product BWC-X1")
    assert "list price £900.00 → £950.00" in lines[2]


def test_an_edit_changes_only_the_options_given(run):
    run(*ADD_PRODUCT)
    code, out = run("products", "edit", "BWC-X1", "--status", "champion", "--format", "json")
    assert code == 0
    [change] = json.loads(out)["changes"]
    differs = {k for k in change["after"] if change["after"][k] != change["before"][k]}
    assert differs == {"status"}
    assert run("products", "edit", "BWC-X1", "--status", "champion") == (
        0,
        "Product BWC-X1 already says that.\n",
    )


def test_bad_values_are_refused_naming_every_option(run, capsys):
    run(*ADD_PRODUCT)
    code, _ = run(
        "products", "edit", "BWC-X1", "--list-price", "abc", "--accredited-from", "31/12/2026"
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("catalogue-app: ")
    assert "(--accredited-from)" in err and "(--list-price)" in err
    assert run("products", "add", "--code", "X")[0] == 2  # required options missing
    assert "--name" in capsys.readouterr().err
    other = {"motorola-solutions": "nobody", "BWC-X1": "BWC-X2"}
    code, _ = run(*[other.get(a, a) for a in ADD_PRODUCT])
    assert code == 1
    assert capsys.readouterr().err == (
        "catalogue-app: No supplier has the code “nobody” (--supplier).\n"
    )
    assert run(*ADD_PRODUCT)[0] == 1
    assert "exists already" in capsys.readouterr().err
    assert run("products", "edit", "NO-SUCH", "--name", "N")[0] == 1
    assert run("products", "edit", "BWC-X1")[0] == 2


def test_frameworks_lots_and_offers(run, capsys):
    code, out = run(
        "frameworks", "add", "--reference", "RM9999", "--title", "Test framework",
        "--owner", "Crown Commercial Service", "--route", "multi-supplier framework",
        "--start-date", "2025-01-01", "--end-date", "2027-12-31",
        "--extension-count", "1", "--extension-months", "12",
    )  # fmt: skip
    assert (code, out) == (0, "Added framework RM9999.\n")
    assert run("frameworks", "extend", "RM9999") == (
        0,
        "Took an extension of framework RM9999: extensions taken 0 → 1.\n",
    )
    assert run("frameworks", "extend", "RM9999")[0] == 1
    assert "no extension option left" in capsys.readouterr().err
    assert run("frameworks", "withdraw", "RM9999")[0] == 2  # --reason is needed
    code, out = run("frameworks", "withdraw", "RM9999", "--reason", "Replaced by RM10000")
    assert code == 0 and "Withdrew framework RM9999" in out
    assert run("frameworks", "reinstate", "RM9999")[0] == 0
    code, out = run("frameworks", "edit", "RM9999", "--title", "Renamed framework")
    assert out == "Changed framework RM9999: title “Test framework” → “Renamed framework”.\n"

    code, out = run(
        "lots", "add", "--framework", "RM9999", "--number", "3", "--title", "Cameras",
        "--suppliers", "motorola-solutions",
    )  # fmt: skip
    assert (code, out) == (0, "Added framework RM9999 lot 3.\n")
    code, out = run("lots", "edit", "--framework", "RM9999", "--number", "3", "--title", "Video")
    assert code == 0

    run(*ADD_PRODUCT)
    line = ["--product", "BWC-X1", "--framework", "RM9999", "--lot", "3"]
    code, out = run(
        "offers", "set", *line, "--price-breaks", "1:450.00,1000:440.00,3000:425.00",
        "--from", "2026-01-01",
    )  # fmt: skip
    assert (code, out) == (0, "Added prices of BWC-X1 on RM9999 lot 3 from 1 Jan 2026.\n")
    code, out = run("offers", "set", *line, "--price-breaks", "1000:430.00", "--from", "2026-12-01")
    assert code == 1
    assert "ceiling price as a break at quantity 1" in capsys.readouterr().err
    code, out = run(
        "offers", "set", *line, "--price-breaks", "1:440.00,1000:430.00", "--from", "2026-12-01"
    )
    assert out.splitlines() == [
        "Changed prices of BWC-X1 on RM9999 lot 3 from 1 Jan 2026: "
        "prices until (none) → 30 Nov 2026.",
        "Added prices of BWC-X1 on RM9999 lot 3 from 1 Dec 2026.",
    ]
    code, out = run("offers", "end", *line, "--on", "2027-06-30")
    assert code == 0 and "prices until (none) → 30 Jun 2027" in out
    assert run("offers", "end", *line, "--on", "2028-01-01")[0] == 1
    assert "in force on 2028-01-01" in capsys.readouterr().err

    offer = _history(run, "offer", "RM9999", "3", "BWC-X1")
    assert [e["action"] for e in offer] == ["create", "edit", "create", "withdraw"]
    assert [e["action"] for e in _history(run, "lot", "RM9999", "3")] == ["create", "edit"]
    framework = _history(run, "framework", "RM9999")
    assert [e["action"] for e in framework if e["kind"] == "framework"] == [
        "create",
        "extend",
        "withdraw",
        "reinstate",
        "edit",
    ]
    assert run("history", "lot", "RM9999")[0] == 2
    assert run("history", "offer", "RM9999", "3", "NO-SUCH")[0] == 1


def test_suppliers(run, capsys):
    code, out = run(
        "suppliers", "add", "--code", "acme-ltd", "--name", "Acme Ltd",
        "--companies-house-number", "01234567",
    )  # fmt: skip
    assert (code, out) == (0, "Added supplier acme-ltd.\n")
    assert run("suppliers", "edit", "acme-ltd", "--name", "Acme Limited")[0] == 0
    assert run("suppliers", "suspend", "acme-ltd")[0] == 2  # --reason is needed
    code, out = run(
        "suppliers",
        "suspend",
        "acme-ltd",
        "--reason",
        "Under investigation",
        "--since",
        "2026-11-02",
    )
    assert code == 0
    assert out.splitlines()[1] == (
        "Suspended supplier acme-ltd: status active → suspended; reason for the status "
        "(none) → “Under investigation”; status since (none) → 2 Nov 2026."
    )
    code, out = run("suppliers", "exclude", "acme-ltd", "--reason", "Fraud", "--format", "json")
    assert json.loads(out)["touches"] == {
        "products": 0,
        "recent_purchases": 0,
        "offers_in_force": 0,
    }
    assert run("suppliers", "reinstate", "acme-ltd")[0] == 0
    assert run("suppliers", "reinstate", "acme-ltd")[0] == 1
    assert "is not withdrawn or suspended" in capsys.readouterr().err
    entries = _history(run, "supplier", "acme-ltd")
    assert [e["action"] for e in entries] == ["create", "edit", "suspend", "exclude", "reinstate"]
    assert all(e["actor"] for e in entries)


def test_spreadsheet_round_trip_through_the_cli(run, tmp_path, capsys):
    path = tmp_path / "catalogue.xlsx"
    code, out = run("catalogue", "export", "--out", str(path))
    assert code == 0 and out.startswith("Exported ") and out.endswith(f" to {path}.\n")
    assert run("catalogue", "export", "--out", str(path))[0] == 1
    assert "use --force" in capsys.readouterr().err
    code, out = run("catalogue", "export", "--out", str(path), "--force", "--format", "json")
    assert json.loads(out)["products"] > 0

    book = load_workbook(path)
    products = book["Products"]
    headings = [c.value for c in products[1]]
    name, price = headings.index("Name") + 1, headings.index("List price") + 1
    products.cell(2, name, "Renamed in the spreadsheet")
    products.cell(3, price, 123.45)
    code_of_row2 = products.cell(2, 1).value
    book.save(path)

    code, out = run("catalogue", "import", str(path), "--dry-run")
    assert code == 0
    assert out.splitlines()[0] == (
        "Checked catalogue.xlsx: 0 added, 2 changed, 0 withdrawn would be; "
        "nothing was changed (dry run)."
    )
    assert "Products, row 2: changed product" in out
    assert _history(run, "product", code_of_row2) == []  # the dry run wrote nothing

    code, out = run("catalogue", "import", str(path), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["applied"] is True and len(report["changes"]) == 2
    entries = _history(run, "product", code_of_row2)
    assert entries[-1]["after"]["name"] == "Renamed in the spreadsheet"
    assert run("catalogue", "import", str(path)) == (
        0,
        "catalogue.xlsx matches the catalogue: nothing to change.\n",
    )

    products.cell(4, price, "cheap")
    book.save(path)
    assert run("catalogue", "import", str(path))[0] == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("  catalogue.xlsx, sheet Products, row 4, column List price: ")
    assert err[-1].startswith("catalogue-app: Catalogue.xlsx was not imported: 1 bad cell")
    assert run("catalogue", "import", str(tmp_path / "missing.xlsx"))[0] == 1
