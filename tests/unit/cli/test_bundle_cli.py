"""``bundle export|open|merge`` and ``conflicts list|resolve`` from the command line."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import create_engine, text

from catalogue_app import cli


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def add(location: str, reference: str) -> list[str]:
    return [
        "--database",
        location,
        "purchases",
        "add",
        "--buyer",
        "kent",
        "--product",
        "ATHENA",
        "--quantity",
        "4",
        "--date",
        "2026-05-01",
        "--order-ref",
        reference,
        "--off-framework",
    ]


@pytest.fixture
def device(tmp_path, monkeypatch):
    def use(name: str) -> None:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        monkeypatch.setenv("XDG_DATA_HOME", str(folder))

    return use


def first_purchase(location: str) -> str:
    engine = create_engine(location if "://" in location else f"sqlite:///{location}")
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT id FROM purchases WHERE status = 'active' ORDER BY id LIMIT 1")
            ).scalar_one()
    finally:
        engine.dispose()


def test_offline_and_back_from_the_command_line(db_location, tmp_path, device, capsys):
    device("office")
    full = tmp_path / "office.catbundle"
    code, out = run("--database", db_location, "bundle", "export", "--out", str(full), "--full")
    assert code == 0, capsys.readouterr().err
    assert "a full offline copy of the catalogue and the whole ledger" in out

    device("laptop")
    laptop = str(tmp_path / "laptop.sqlite")
    code, out = run("bundle", "open", str(full), "--database", laptop)
    assert code == 0, capsys.readouterr().err
    assert "an offline copy made from office.catbundle" in out
    code, _ = run("bundle", "open", str(full), "--database", laptop)
    assert code == 1
    assert "exists already" in capsys.readouterr().err

    assert run(*add(laptop, "KENT/TRIP/1"))[0] == 0
    shared = first_purchase(laptop)
    assert run("--database", laptop, "purchases", "void", shared, "--reason", "wrong buyer")[0] == 0
    code, out = run("--database", laptop, "bundle", "status")
    assert out.startswith("Offline copy from ")
    assert "2 changes not yet merged there." in out
    work = tmp_path / "laptop.catbundle"
    code, out = run("--database", laptop, "bundle", "export", "--out", str(work))
    assert code == 0, capsys.readouterr().err
    assert "has not merged yet" in out

    device("office")
    assert (
        run(
            "--database",
            db_location,
            "purchases",
            "void",
            shared,
            "--reason",
            "duplicate order",
        )[0]
        == 0
    )
    code, _ = run("--database", db_location, "bundle", "merge", str(work))
    assert code == 1
    err = capsys.readouterr().err
    assert "has not seen before" in err and "--trust-device" in err and err[-1] == "\n"
    code, out = run(
        "--database",
        db_location,
        "bundle",
        "merge",
        str(work),
        "--dry-run",
        "--trust-device",
        "--format",
        "json",
    )
    assert code == 0
    preview = json.loads(out)
    assert preview["dry_run"] and preview["purchases_added"] == 1 and preview["conflicts"] == 1
    code, out = run("--database", db_location, "bundle", "merge", str(work), "--trust-device")
    assert code == 0, capsys.readouterr().err
    assert "added 1 new purchase" in out and "1 conflict" in out
    code, out = run("--database", db_location, "bundle", "merge", str(work))
    assert code == 0 and "nothing to merge" in out

    code, out = run("--database", db_location, "conflicts", "list", "--format", "json")
    (conflict,) = json.loads(out)
    assert conflict["purchase_id"] == shared
    assert conflict["mine"]["void_reason"] == "duplicate order"
    assert conflict["theirs"]["void_reason"] == "wrong buyer"
    code, out = run("--database", db_location, "conflicts", "list")
    assert "changed on both sides" in out and "wrong buyer" in out
    code, out = run(
        "--database", db_location, "conflicts", "resolve", conflict["id"][:13], "--keep", "theirs"
    )
    assert code == 0, capsys.readouterr().err
    assert "resolved: kept theirs" in out
    assert run("--database", db_location, "conflicts", "list")[1].startswith("No conflicts")
    code, _ = run("--database", db_location, "conflicts", "resolve", "nonsense", "--keep", "mine")
    assert code == 1 and "no conflict has the id nonsense" in capsys.readouterr().err.lower()
    code, out = run("--database", db_location, "audit", "verify")
    assert code == 0 and "intact" in out
    code, out = run("--database", db_location, "bundle", "status")
    assert "not an offline copy" in out and "Last merged from" in out


def test_open_needs_a_full_bundle_and_a_new_database(tmp_path, device, capsys):
    device("office")
    code, _ = run("bundle", "open", str(tmp_path / "missing.catbundle"), "--database", "x.sqlite")
    assert code == 1
    assert "does not exist" in capsys.readouterr().err
    code, _ = run("bundle", "open", str(tmp_path / "missing.catbundle"))
    assert code == 2
