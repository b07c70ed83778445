"""``db upgrade`` and ``db seed``: purchases only when asked, demonstration data that goes
completely, repeated references named, and read-only files that refuse with a sentence."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from file_modes import unwritable
from sqlalchemy import func, select

from catalogue_app import cli
from catalogue_app.db import models as m
from catalogue_app.services.database import open_database


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def purchases_in(location: str) -> list[str]:
    db = open_database(location)
    try:
        with db.reading() as s:
            return list(s.scalars(select(m.Purchase.order_reference)))
    finally:
        db.close()


def products_in(location: str) -> int:
    db = open_database(location)
    try:
        with db.reading() as s:
            return s.scalar(select(func.count()).select_from(m.Product)) or 0
    finally:
        db.close()


REAL_PURCHASE = (
    "purchases",
    "add",
    "--buyer",
    "norfolk",
    "--product",
    "ATHENA",
    "--off-framework",
    "--quantity",
    "2",
    "--unit-price",
    "100.00",
    "--date",
    "2025-05-01",
    "--order-ref",
    "REAL/1",
)


def test_upgrade_creates_a_catalogue_with_an_empty_ledger(new_location):
    code, out = run("--database", new_location, "db", "upgrade")

    assert code == 0 and "Created" in out
    assert products_in(new_location) > 0
    assert purchases_in(new_location) == []


def test_upgrade_of_an_existing_ledger_adds_no_purchases(db_location):
    before = sorted(purchases_in(db_location))

    code, out = run("--database", db_location, "db", "upgrade")

    assert code == 0 and "up to date" in out and "Warning" not in out
    assert sorted(purchases_in(db_location)) == before


def test_plain_seed_loads_the_reference_catalogue_only_and_is_idempotent(new_location):
    code, out = run("--database", new_location, "db", "seed")
    assert code == 0 and "46 forces" in out
    assert "demo" not in out.lower() and "demonstration" not in out
    assert purchases_in(new_location) == []

    code, out = run("--database", new_location, "db", "seed")
    assert code == 0 and "nothing to add" in out
    assert purchases_in(new_location) == []


def test_seed_demo_adds_the_history_and_remove_demo_takes_only_it_out(new_location):
    code, out = run("--database", new_location, "db", "seed", "--demo")
    assert code == 0, out
    assert "illustrative demo purchases" in out and "includes demonstration data" in out
    demo = len(purchases_in(new_location))
    assert demo > 1000

    code, out = run("--database", new_location, "db", "seed", "--demo")
    assert code == 0 and "nothing to add" in out
    assert len(purchases_in(new_location)) == demo

    code, out = run("--database", new_location, *REAL_PURCHASE)
    assert code == 0, out

    code, out = run("--database", new_location, "db", "seed", "--remove-demo")
    assert code == 0
    assert f"Removed {demo:,} demonstration purchases" in out
    assert purchases_in(new_location) == ["REAL/1"]

    code, out = run("--database", new_location, "db", "seed", "--remove-demo")
    assert code == 0 and "no demonstration purchases: nothing removed" in out
    assert purchases_in(new_location) == ["REAL/1"]


def test_seed_on_a_new_database_with_demo_creates_and_fills_it(new_location):
    code, out = run("--database", new_location, "db", "seed", "--demo")

    assert code == 0
    assert "Created and seeded" in out and "46 forces" in out
    db = open_database(new_location)
    try:
        assert db.has_demo_data()
    finally:
        db.close()


def test_demo_and_remove_demo_together_is_a_usage_error(new_location, capsys):
    code, out = run("--database", new_location, "db", "seed", "--demo", "--remove-demo")

    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert "--remove-demo" in err and "--demo" in err and "Traceback" not in err


def test_upgrade_lists_references_repeated_before_they_had_to_be_unique(db, db_location):
    with db.transaction() as s:
        norfolk = s.scalar(select(m.Force.id).where(m.Force.code == "norfolk"))
        product = s.scalar(select(m.Product.id).where(m.Product.code == "ATHENA"))
        for repeat in (0, 1, 2):
            s.add(
                m.Purchase(
                    order_reference="OLD/7",
                    buyer_force_id=norfolk,
                    product_id=product,
                    quantity=1,
                    unit_price=10,
                    baseline_unit_price=10,
                    order_date=date(2019, 6, 1),
                    recorded_by="officer",
                    reference_repeat=repeat,
                )
            )

    code, out = run("--database", db_location, "db", "upgrade")

    assert code == 0
    assert "Warning: 1 order reference was recorded more than once" in out
    assert "norfolk  OLD/7  (3 active purchases)" in out


# -- read-only ---------------------------------------------------------------------------------


@pytest.fixture
def read_only_file(tmp_path: Path) -> Iterator[Path]:
    """A catalogue file with demonstration data that this process cannot write."""
    path = tmp_path / "catalogue.sqlite"
    assert run("--database", str(path), "db", "seed", "--demo")[0] == 0
    with unwritable(path):
        yield path


@pytest.mark.parametrize(
    "command", [("db", "seed"), ("db", "seed", "--demo"), ("db", "seed", "--remove-demo")]
)
def test_a_write_on_a_read_only_file_is_refused_in_one_sentence(read_only_file, command, capsys):
    before = read_only_file.read_bytes()

    code, out = run("--database", str(read_only_file), *command)

    err = capsys.readouterr().err.strip()
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"{read_only_file} is read-only for you" in err
    assert read_only_file.read_bytes() == before


def test_upgrade_of_a_read_only_file_says_it_was_opened_read_only(read_only_file):
    code, out = run("--database", str(read_only_file), "db", "upgrade")

    assert code == 0
    assert "up to date" in out
    assert f"Opened read-only: {read_only_file} is read-only for you" in out


def test_a_purchase_on_a_read_only_file_is_refused(read_only_file, capsys):
    code, _ = run("--database", str(read_only_file), *REAL_PURCHASE)

    assert code == 1
    assert "read-only" in capsys.readouterr().err
    copy = read_only_file.parent / "copy.sqlite"
    shutil.copyfile(read_only_file, copy)
    assert "REAL/1" not in purchases_in(str(copy))
