import io
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from catalogue_app import __version__, cli

EXPECTED_PRODUCT_KEYS = [
    "code",
    "name",
    "supplier",
    "category",
    "status",
    "unit",
    "list_price",
    "accredited_to",
    "tags",
]


def run(*argv):
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.parse(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"catalogue-app {__version__}"


def test_products_search_json_has_stable_keys_and_money_as_text(db_location):
    code, out = run("--database", db_location, "products", "search", "athena", "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert records[0]["code"] == "ATHENA"
    assert list(records[0]) == EXPECTED_PRODUCT_KEYS
    assert (
        records[0]["list_price"].count(".") == 1
        and len(records[0]["list_price"].split(".")[1]) == 2
    )


def test_products_search_filters_and_limit(db_location):
    code, out = run(
        "--database",
        db_location,
        "products",
        "search",
        "",
        "--status",
        "champion",
        "--limit",
        "3",
        "--format",
        "csv",
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == ",".join(EXPECTED_PRODUCT_KEYS)
    assert len(lines) == 4
    assert all(",champion," in line for line in lines[1:])


def test_lists_in_every_format(db_location):
    for command in ("forces", "collaborations", "frameworks"):
        code, table = run("--database", db_location, command, "list")
        assert code == 0 and len(table.splitlines()) > 3
        code, as_json = run("--database", db_location, command, "list", "--format", "json")
        assert code == 0
        records = json.loads(as_json)
        assert records and all(isinstance(r, dict) for r in records)
        code, as_csv = run("--database", db_location, command, "list", "--format", "csv")
        assert code == 0 and len(as_csv.splitlines()) == len(records) + 1
    forces = json.loads(run("--database", db_location, "forces", "list", "--format", "json")[1])
    norfolk = next(f for f in forces if f["code"] == "norfolk")
    assert norfolk["name"] == "Norfolk Constabulary" and norfolk["officer_fte"] == "1643.70"


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (datetime(1999, 6, 1, 12, tzinfo=UTC), "not started"),
        (datetime(2199, 6, 1, tzinfo=UTC), "expired"),
    ],
)
def test_framework_status_is_judged_on_the_commands_clock(db_location, now, status):
    out = io.StringIO()
    code = cli.main(
        ["--database", db_location, "frameworks", "list", "--format", "json"],
        out=out,
        clock=lambda: now,
    )
    assert code == 0
    assert {f["status"] for f in json.loads(out.getvalue())} == {status}


def test_products_show(db_location):
    code, out = run("--database", db_location, "products", "show", "ATHENA")
    assert code == 0
    assert "Northgate Public Services" in out and "Framework routes:" in out
    code, out = run("--database", db_location, "products", "show", "ATHENA", "--format", "json")
    assert json.loads(out)["offers"]


def test_unknown_product_is_one_sentence_and_exit_1(db_location, capsys):
    code, out = run("--database", db_location, "products", "show", "NO-SUCH-THING")
    err = capsys.readouterr().err
    assert code == 1 and out == ""
    assert err == "catalogue-app: No product has the code “NO-SUCH-THING”.\n"


def test_bad_status_is_refused_with_exit_1(db_location, capsys):
    code, _ = run("--database", db_location, "products", "search", "x", "--status", "lost")
    assert code == 1
    assert "“lost” is not a product status" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["products"],
        ["products", "search", "--limit", "-3"],
        ["products", "search", "--format", "xml"],
        ["frobnicate"],
        ["forces", "list", "--nonsense"],
    ],
)
def test_bad_usage_exits_2_without_a_traceback(argv, capsys):
    code, _ = run(*argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("catalogue-app: ") and "Traceback" not in err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://root@localhost/x", "Database type “mysql” is not supported"),
        ("/no/such/folder/catalogue.sqlite", "does not exist"),
        ("postgresql+psycopg://nobody:wrong@127.0.0.1:1/none", "cannot use the database"),
    ],
)
def test_bad_database_value_is_one_sentence_and_exit_1(value, message, capsys):
    code, _ = run("--database", value, "forces", "list")
    err = capsys.readouterr().err
    assert code == 1
    assert message.lower() in err.lower()
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "wrong" not in err  # never echo a password


def test_seed_is_idempotent_and_reports(new_location):
    code, out = run("--database", new_location, "db", "seed", "--no-demo")
    assert code == 0 and "46 forces" in out and "demo" not in out
    code, out = run("--database", new_location, "db", "seed", "--demo")
    assert code == 0 and "illustrative demo purchases" in out
    code, out = run("--database", new_location, "db", "seed", "--demo")
    assert code == 0 and "nothing to add" in out
    code, out = run("--database", new_location, "db", "upgrade")
    assert code == 0 and "up to date" in out


def test_headless_commands_never_import_qt(db_location):
    script = (
        "import sys\n"
        "from catalogue_app.app import main\n"
        f"code = main(['--database', {db_location!r}, 'products', 'search', 'athena'])\n"
        "assert code == 0, code\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ATHENA" in result.stdout
