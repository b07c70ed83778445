"""Every command that writes a file refuses to destroy anything: the open database (under
any name), a folder, a file it was not told to replace; and says why in one line."""

import io
import shutil
import sqlite3
from pathlib import Path

import pytest

from catalogue_app import cli


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory):
    """A SQLite catalogue (reference data, empty ledger) made once for this module."""
    path = tmp_path_factory.mktemp("outputs") / "seeded.sqlite"
    assert cli.main(["--database", str(path), "db", "seed", "--no-demo"], out=io.StringIO()) == 0
    return path


@pytest.fixture
def database(seeded_file, tmp_path) -> Path:
    path = tmp_path / "catalogue.sqlite"
    shutil.copyfile(seeded_file, path)
    return path


# Each command that writes a file, the flag naming the file, and how its output begins.
WRITERS = {
    "export-csv": (["purchases", "export", "--format", "csv", "--out"], b"id,"),
    "export-xlsx": (["purchases", "export", "--format", "xlsx", "--out"], b"PK"),
    "template": (["purchases", "template", "--out"], b"id,"),
    "briefing": (["briefing", "--buyer", "norfolk", "--financial-year", "2024", "--out"], b"%PDF"),
    "compare-pdf": (["compare", "ATHENA", "NICHE-RMS", "--quantity", "5", "--pdf"], b"%PDF"),
}


def write(database: Path, writer: str, target: Path, *extra: str) -> tuple[int, str]:
    argv, _ = WRITERS[writer]
    out = io.StringIO()
    code = cli.main(["--database", str(database), *argv, str(target), *extra], out=out)
    return code, out.getvalue()


def one_line_refusal(code: int, capsys) -> str:
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("target", ["itself", "symlink", "wal", "journal"])
def test_an_output_onto_the_open_database_is_refused_even_with_force(
    database, tmp_path, writer, target, capsys
):
    names = {
        "itself": database,
        "symlink": tmp_path / "innocent-looking.out",
        "wal": database.with_name(database.name + "-wal"),
        "journal": database.with_name(database.name + "-journal"),
    }
    if target == "symlink":
        names["symlink"].symlink_to(database)
    before = database.read_bytes()

    code, out = write(database, writer, names[target], "--force")

    err = one_line_refusal(code, capsys)
    assert "database" in err and str(names[target]) in err and out == ""
    assert database.read_bytes() == before
    if target in ("wal", "journal"):
        assert not names[target].exists()
    with sqlite3.connect(database) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    forces = io.StringIO()
    assert cli.main(["--database", str(database), "forces", "list"], out=forces) == 0
    assert "Norfolk Constabulary" in forces.getvalue()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS)
def test_an_output_onto_a_folder_is_refused(database, tmp_path, writer, capsys):
    folder = tmp_path / "reports"
    (folder / "inside").mkdir(parents=True)

    code, _ = write(database, writer, folder, "--force")

    err = one_line_refusal(code, capsys)
    assert f"{folder} is a folder" in err
    assert [p.name for p in folder.iterdir()] == ["inside"]


@pytest.mark.parametrize("writer", WRITERS)
def test_an_output_into_a_missing_folder_is_one_sentence_and_no_traceback(
    database, tmp_path, writer, capsys
):
    missing = tmp_path / "no-such-folder"

    code, _ = write(database, writer, missing / "out.file")

    err = one_line_refusal(code, capsys)
    assert str(missing) in err and "does not exist" in err
    assert not missing.exists()


@pytest.mark.parametrize("writer", WRITERS)
def test_an_existing_file_is_replaced_only_with_force(database, tmp_path, writer, capsys):
    _, starts_with = WRITERS[writer]
    target = tmp_path / "earlier-work.out"
    target.write_bytes(b"the officer's earlier work")

    code, out = write(database, writer, target)

    err = one_line_refusal(code, capsys)
    assert err == f"catalogue-app: {target} exists; use --force to replace it.\n"
    assert out == ""
    assert target.read_bytes() == b"the officer's earlier work"

    code, _ = write(database, writer, target, "--force")

    assert code == 0, capsys.readouterr().err
    assert target.read_bytes().startswith(starts_with)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS)
def test_every_writing_command_offers_force_in_its_help(writer, capsys):
    argv, _ = WRITERS[writer]
    with pytest.raises(SystemExit) as info:
        cli.parse([*argv[:-1], "--help"])
    assert info.value.code == 0
    help_text = capsys.readouterr().out
    assert "--force" in help_text and "if it exists already" in help_text


def test_an_export_marks_demonstration_purchases(db_location, tmp_path, capsys):
    import csv

    from catalogue_app.cli import main

    target = tmp_path / "ledger.csv"
    code = main(
        ["--database", db_location, "purchases", "export", "--format", "csv", "--out", str(target)]
    )
    assert code == 0
    said = capsys.readouterr().out
    assert "includes demonstration data" in said
    with target.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["demonstration"] for r in rows} == {"yes"}
    # and the file still imports back as it came: nothing new, nothing refused
    code = main(["--database", db_location, "purchases", "import", str(target)])
    assert code == 0
    assert f"Imported 0 of {len(rows):,} rows" in capsys.readouterr().out
