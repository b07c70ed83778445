"""``catalogue-app targets``: list, add, edit and end from the command line."""

from __future__ import annotations

import io
import json

from catalogue_app.cli.dispatch import main


def run(db_location, *args):
    out = io.StringIO()
    code = main(["--database", db_location, "targets", *args], out)
    return code, out.getvalue()


def test_add_edit_end_and_list(db_location, capsys):
    code, out = run(
        db_location,
        "add",
        "--buyer",
        "kent",
        "--from",
        "2025-04-01",
        "--to",
        "2027-03-31",
        "--amount",
        "250000",
        "--description",
        "Fleet savings",
    )
    assert code == 0
    number = out.strip()
    assert run(db_location, "edit", number, "--upper", "300000")[0] == 0
    code, out = run(db_location, "end", number, "--on", "2026-03-31")
    assert (code, out) == (0, f"{number} now ends on 2026-03-31\n")
    code, out = run(db_location, "list", "--buyer", "kent", "--format", "json")
    [record] = json.loads(out)
    assert record["amount"] == "250000.00" and record["amount_upper"] == "300000.00"
    assert record["end"] == "2026-03-31" and record["description"] == "Fleet savings"
    code, out = run(db_location, "list")
    assert "£250,000.00 to £300,000.00" in out and "Public reporting" in out


def test_refusals_are_one_sentence(db_location, capsys):
    code, _ = run(
        db_location,
        "add",
        "--buyer",
        "kent",
        "--from",
        "2025-04-01",
        "--to",
        "2024-03-31",
        "--amount",
        "10",
    )
    err = capsys.readouterr().err
    assert code != 0
    assert err == ("catalogue-app: The period ends (31 Mar 2024) before it starts (1 Apr 2025).\n")
    code, _ = run(db_location, "end", "2", "--on", "2010-01-01")
    assert code != 0 and "cannot end before that" in capsys.readouterr().err
