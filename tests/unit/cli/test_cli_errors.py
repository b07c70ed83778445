"""One place turns whatever stops a command into what the user reads and the exit code."""

import io

import pytest

from catalogue_app import cli
from catalogue_app.logs import log_path
from catalogue_app.services.catalogue import CatalogueService


def run(*argv):
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def fail_with(monkeypatch, error: BaseException) -> None:
    def list_forces(self):
        raise error

    monkeypatch.setattr(CatalogueService, "list_forces", list_forces)


def test_a_defect_is_one_line_and_its_traceback_goes_to_the_apps_log(
    db_location, monkeypatch, capsys
):
    fail_with(monkeypatch, ZeroDivisionError("officer count was zero"))

    code, out = run("--database", db_location, "forces", "list")

    err = capsys.readouterr().err
    log = log_path()
    assert code == 1 and out == ""
    assert err == (
        "catalogue-app: an unexpected error stopped the command "
        f"(ZeroDivisionError: officer count was zero); details are in {log}\n"
    )
    written = log.read_text(encoding="utf-8")
    last = written[written.rindex("Traceback (most recent call last):") :]
    assert "in list_forces" in last
    assert last.rstrip().endswith("ZeroDivisionError: officer count was zero")


def tracebacks_logged() -> int:
    log = log_path()
    return log.read_text(encoding="utf-8").count("Traceback") if log.exists() else 0


def test_a_refusal_is_one_capitalised_sentence_without_a_traceback_anywhere(db_location, capsys):
    before = tracebacks_logged()

    code, _ = run("--database", db_location, "purchases", "void", "no-such-id", "--reason", "x")

    assert code == 1
    assert capsys.readouterr().err == "catalogue-app: No purchase has the id no-such-id.\n"
    assert tracebacks_logged() == before


def test_an_interrupt_exits_130_without_a_traceback(db_location, monkeypatch, capsys):
    fail_with(monkeypatch, KeyboardInterrupt())

    code, _ = run("--database", db_location, "forces", "list")

    assert code == 130
    assert capsys.readouterr().err == "catalogue-app: interrupted\n"


def test_a_closed_pipe_ends_quietly(db_location, monkeypatch, capsys):
    fail_with(monkeypatch, BrokenPipeError())

    code, _ = run("--database", db_location, "forces", "list")

    assert code == 0 and capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["purchases", "add", "--buyer", "norfolk"], "the following arguments are required"),
        (
            ["briefing", "--buyer", "norfolk", "--from", "2024-04-01", "--out", "x.pdf"],
            "give both --from and --to, or --financial-year",
        ),
    ],
)
def test_bad_usage_says_how_to_get_help_and_exits_2(db_location, argv, message, capsys):
    code, _ = run("--database", db_location, *argv)

    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.endswith("(run 'catalogue-app --help' for usage)\n")
