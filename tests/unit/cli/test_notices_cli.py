"""``notices import``, ``notices list`` and ``notices show`` from the command line."""

import io
import json
from pathlib import Path

from catalogue_app import cli

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ocds"
CF = FIXTURES / "contracts-finder-2025-01-20_23.json"


def run(*argv):
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def test_import_reports_per_file_and_again_changes_nothing(db_location):
    code, out = run("--database", db_location, "notices", "import", str(CF))
    assert code == 0
    assert "100 releases read, 100 new, 0 unchanged" in out
    assert "3 bought by police forces or collaborations" in out
    code, out = run("--database", db_location, "notices", "import", str(CF), "--format", "json")
    assert code == 0
    (report,) = json.loads(out)["files"]
    assert (report["new"], report["unchanged"]) == (0, 100)


def test_list_json_carries_the_agreed_fields(db_location):
    run("--database", db_location, "notices", "import", str(CF))
    code, out = run(
        "--database", db_location, "notices", "list", "--buyer", "bedfordshire", "--format", "json"
    )
    assert code == 0
    (notice,) = json.loads(out)
    assert set(notice) >= {
        "ocid",
        "kind",
        "buyer",
        "buyer_name",
        "title",
        "value",
        "currency",
        "date",
        "warnings",
    }
    assert notice["buyer"] == "bedfordshire"
    assert (notice["value"], notice["currency"]) == ("1018044.14", "GBP")
    assert notice["date"] == "2025-01-23"


def test_list_table_shows_pounds_and_dates_in_words(db_location):
    run("--database", db_location, "notices", "import", str(CF))
    code, out = run("--database", db_location, "notices", "list", "--buyer", "bedfordshire")
    assert code == 0
    assert "£1,018,044.14" in out and "23 Jan 2025" in out


def test_show_gives_the_compiled_notice_and_its_releases(db_location):
    run("--database", db_location, "notices", "import", str(FIXTURES / "frameworks"))
    code, out = run(
        "--database",
        db_location,
        "notices",
        "show",
        "ocds-r6ebe6-95f19d21-d066-4931-a431-071211033960",
    )
    assert code == 0
    assert "kind: call-off" in out
    assert (
        "framework: ocds-r6ebe6-9af22e2f-5307-4e98-bff6-1ebffbff343d Storage and Distribution"
        in out
    )
    assert "Releases:" in out


def test_a_file_that_is_not_ocds_is_refused_with_a_sentence(db_location, capsys):
    code, out = run("--database", db_location, "notices", "import", str(FIXTURES / "not-ocds.json"))
    assert code == 1
    err = capsys.readouterr().err
    assert "The file not-ocds.json is not OCDS" in err
    assert "Traceback" not in err
    code, out = run("--database", db_location, "notices", "list", "--format", "json")
    assert json.loads(out) == []


def test_dry_run_keeps_nothing(db_location):
    code, out = run("--database", db_location, "notices", "import", "--dry-run", str(CF))
    assert code == 0 and "Dry run: nothing was kept." in out
    assert (
        json.loads(run("--database", db_location, "notices", "list", "--format", "json")[1]) == []
    )


def test_an_unknown_kind_is_a_usage_error(db_location, capsys):
    code, _out = run("--database", db_location, "notices", "list", "--kind", "auction")
    assert code == 2
