import io
import json
from datetime import date
from decimal import Decimal

import pytest

from catalogue_app import cli
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.services.compare import OFF_FRAMEWORK, CompareService

TODAY = date(2026, 11, 23)


@pytest.fixture
def compare(db):
    return CompareService(db)


def test_routes_are_priced_from_the_breaks_best_open_route_first(compare):
    routes = compare.routes("ATHENA", 1200, TODAY)
    assert str(routes[0].route) == "ESSEX-ATHENA lot 1" and routes[0].active
    assert routes[0].unit_price == Decimal("440.00")  # the 1,000+ break
    assert routes[0].total == Decimal("440.00") * 1200
    off = next(r for r in routes if r.route == OFF_FRAMEWORK)
    assert off.unit_price == Decimal("480.00") and off.active
    closed = [r for r in routes if not r.active]
    assert closed and all("expired or not yet open" in r.flags for r in closed)
    assert routes.index(closed[0]) > routes.index(off)


def test_a_product_with_no_open_offer_is_priced_at_list_and_says_so(compare):
    rows = compare.compare(["ATHENA", "CONNECT"], 500, TODAY)
    connect = next(r for r in rows if r.code == "CONNECT")
    assert connect.priced_at_list and connect.best_route == OFF_FRAMEWORK
    assert connect.total == connect.list_price * 500 and connect.saving_vs_list == 0
    athena = next(r for r in rows if r.code == "ATHENA")
    assert not athena.priced_at_list and athena.saving_vs_list == Decimal("15000.00")


def test_compare_needs_two_to_six_products(compare):
    with pytest.raises(ValidationError, match="two to six"):
        compare.compare(["ATHENA"], 5, TODAY)
    with pytest.raises(NotFoundError):
        compare.compare(["ATHENA", "NOPE"], 5, TODAY)


def test_pooling_the_ecis_forces(compare):
    outcome = compare.pool("ATHENA", ["ecis"], None, TODAY)
    assert [m.member for m in outcome.members] == ["essex", "kent", "norfolk", "suffolk"]
    assert outcome.members[2].quantity == 1644  # Norfolk's 1,643.70 officers, rounded
    assert outcome.pooled.total <= outcome.alone_total
    assert sum(m.pooled_share for m in outcome.members) == outcome.pooled.total
    with pytest.raises(ValidationError, match="one quantity for each of the 4 forces"):
        compare.pool("ATHENA", ["ecis"], [1, 2], TODAY)


def test_compare_and_pool_on_the_command_line(db_location):
    out = io.StringIO()
    code = cli.main(
        [
            "--database",
            db_location,
            "compare",
            "ATHENA",
            "CONNECT",
            "NICHE-RMS",
            "--quantity",
            "500",
            "--format",
            "json",
        ],
        out=out,
    )
    assert code == 0
    rows = json.loads(out.getvalue())
    assert [r["code"] for r in rows] == ["ATHENA", "CONNECT", "NICHE-RMS"]
    assert rows[0]["total"].count(".") == 1 and len(rows[0]["total"].split(".")[1]) == 2
    out = io.StringIO()
    code = cli.main(
        [
            "--database",
            db_location,
            "pool",
            "ATHENA",
            "--buyers",
            "norfolk,suffolk",
            "--quantities",
            "600,500",
            "--format",
            "json",
        ],
        out=out,
    )
    assert code == 0
    pooled = json.loads(out.getvalue())
    assert pooled["quantity"] == 1100 and pooled["unit_price"] == "440.00"
    assert sum(Decimal(m["pooled_share"]) for m in pooled["members"]) == Decimal(
        pooled["pooled_total"]
    )
    assert (
        Decimal(pooled["saving"])
        == Decimal(pooled["alone_total"]) - Decimal(pooled["pooled_total"])
        > 0
    )


def test_compare_with_a_buyer_and_a_pdf(db_location, tmp_path):
    from pypdf import PdfReader

    pdf = tmp_path / "cmp.pdf"
    out = io.StringIO()
    code = cli.main(
        [
            "--database",
            db_location,
            "compare",
            "ATHENA",
            "NICHE-RMS",
            "--quantity",
            "500",
            "--buyer",
            "norfolk",
            "--pdf",
            str(pdf),
        ],
        out=out,
    )
    assert code == 0
    assert "Last paid by norfolk" in out.getvalue()
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Last paid by the buyer" in text and "£182,500.00 (best)" in text


def test_last_paid_is_the_buyers_latest_price(db, compare):
    from sqlalchemy import select

    from catalogue_app.db import models as m

    rows = compare.compare(["ATHENA", "NICHE-RMS"], 10, TODAY, buyer="norfolk")
    with db.transaction() as s:
        latest = s.scalars(
            select(m.Purchase.unit_price)
            .join(m.Product)
            .join(m.Force, m.Purchase.buyer_force_id == m.Force.id)
            .where(m.Force.code == "norfolk", m.Product.code == "ATHENA")
            .order_by(m.Purchase.order_date.desc(), m.Purchase.recorded_at.desc())
            .limit(1)
        ).first()
    assert rows[0].buyer_last_paid == latest


def test_every_numeric_row_marks_its_best_value_and_ties_mark_nothing(compare):
    from catalogue_app.reports.comparison import ATTRIBUTES, BETTER, best_columns

    rows = compare.compare(["ATHENA", "CONNECT", "NICHE-RMS"], 500, on=TODAY)
    numeric = {
        key
        for key, _ in ATTRIBUTES
        if any(isinstance(getattr(r, key), (Decimal, int)) for r in rows)
    }
    assert numeric <= set(BETTER)
    lowest = [r.lowest_paid for r in rows]
    assert best_columns(rows, "lowest_paid") == {lowest.index(min(lowest))}
    forces = [r.forces_using for r in rows]
    assert best_columns(rows, "forces_using") == {
        n for n, v in enumerate(forces) if v == max(forces)
    }
    assert best_columns(rows, "unit") == set()
    assert best_columns([rows[0], rows[0]], "total") == set()


# -- prices in force on the chosen day -----------------------------------------------------------

CHANGE = date(2026, 6, 1)  # ATHENA's list price and its ESSEX-ATHENA lot 1 prices change
BEFORE = date(2026, 5, 31)


@pytest.fixture
def repriced(db):
    """ATHENA at £520.00 list from 1 Jun 2026 (was £480.00), and on ESSEX-ATHENA lot 1 at a
    £470.00 ceiling with £455.00 at 1,000+ (was £450.00 and £440.00)."""
    from dataclasses import replace

    from catalogue_app.domain.pricing import PriceBreak
    from catalogue_app.services.editing import CatalogueEditor, Kind

    editor = CatalogueEditor(db)
    product = editor.get(Kind.PRODUCT, "ATHENA")
    editor.edit(replace(product, list_price=Decimal("520.00"), price_from=CHANGE))
    editor.set_offer_prices(
        "ESSEX-ATHENA",
        "1",
        "ATHENA",
        valid_from=CHANGE,
        ceiling=Decimal("470.00"),
        breaks=[PriceBreak(1000, Decimal("455.00")), PriceBreak(3000, Decimal("430.00"))],
    )
    return CompareService(db)


def test_a_comparison_uses_the_prices_in_force_on_the_day(repriced):
    before = repriced.compare(["ATHENA", "NICHE-RMS"], 500, BEFORE)[0]
    assert (before.list_price, before.unit_price) == (Decimal("480.00"), Decimal("450.00"))
    assert before.total == Decimal("225000.00") and before.saving_vs_list == Decimal("15000.00")
    assert before.prices_on == BEFORE
    after = repriced.compare(["ATHENA", "NICHE-RMS"], 500, CHANGE)[0]
    assert (after.list_price, after.unit_price) == (Decimal("520.00"), Decimal("470.00"))
    assert after.total == Decimal("235000.00") and after.saving_vs_list == Decimal("25000.00")
    assert after.prices_on == CHANGE


def test_each_lot_shows_once_at_the_version_in_force(repriced):
    for day, unit, listed in (
        (date(2015, 6, 1), "385.00", "480.00"),  # the 2011 prices, the only list price then
        (BEFORE, "440.00", "480.00"),
        (CHANGE, "455.00", "520.00"),
    ):
        routes = repriced.routes("ATHENA", 1200, day)
        lot = [r for r in routes if str(r.route) == "ESSEX-ATHENA lot 1"]
        assert len(lot) == 1 and lot[0].active, day
        assert lot[0].unit_price == Decimal(unit), day
        off = next(r for r in routes if r.route == OFF_FRAMEWORK)
        assert off.unit_price == Decimal(listed), day


def test_a_lot_whose_prices_end_is_flagged_after_the_end(db):
    from catalogue_app.services.editing import CatalogueEditor, Kind

    CatalogueEditor(db).withdraw(
        Kind.OFFER, ("ESSEX-ATHENA", "1", "ATHENA", "2021-03-01"), on=BEFORE
    )
    compare = CompareService(db)
    lot = next(r for r in compare.routes("ATHENA", 500, BEFORE) if r.framework == "ESSEX-ATHENA")
    assert lot.active and lot.unit_price == Decimal("450.00")
    later = compare.routes("ATHENA", 500, CHANGE)
    lot = next(r for r in later if r.framework == "ESSEX-ATHENA")
    assert not lot.active and "expired or not yet open" in lot.flags
    assert later[0].route == OFF_FRAMEWORK  # the only route open: the list price
    row = compare.compare(["ATHENA", "NICHE-RMS"], 500, CHANGE)[0]
    assert row.priced_at_list and row.total == Decimal("240000.00")


def test_pooling_uses_the_prices_in_force_on_the_day(repriced):
    before = repriced.pool("ATHENA", ["norfolk", "suffolk"], [600, 500], BEFORE)
    assert before.pooled.unit_price == Decimal("440.00")
    assert before.pooled.total == Decimal("484000.00")
    assert before.alone_total == Decimal("450.00") * 1100
    after = repriced.pool("ATHENA", ["norfolk", "suffolk"], [600, 500], CHANGE)
    assert after.pooled.unit_price == Decimal("455.00")
    assert after.pooled.total == Decimal("500500.00")
    assert after.alone_total == Decimal("470.00") * 1100
    assert sum(m.pooled_share for m in after.members) == after.pooled.total


def test_the_command_line_compares_routes_and_pools_on_a_day(repriced, db_location):
    def run(*args):
        out = io.StringIO()
        assert cli.main(["--database", db_location, *args], out=out) == 0
        return out.getvalue()

    for day, total, listed in ((BEFORE, "225000.00", "480.00"), (CHANGE, "235000.00", "520.00")):
        rows = json.loads(
            run(
                "compare",
                "ATHENA",
                "NICHE-RMS",
                "--quantity",
                "500",
                "--on",
                day.isoformat(),
                "--format",
                "json",
            )
        )
        assert (rows[0]["total"], rows[0]["list_price"]) == (total, listed)
        assert rows[0]["prices_on"] == day.isoformat()
    table = run("compare", "ATHENA", "NICHE-RMS", "--quantity", "500", "--on", "2026-06-01")
    assert table.startswith("Prices in force on 1 Jun 2026.") and "235000.00" in table
    routes = json.loads(
        run("routes", "ATHENA", "--quantity", "1200", "--on", "2026-05-31", "--format", "json")
    )
    assert routes[0]["route"] == "ESSEX-ATHENA lot 1" and routes[0]["unit_price"] == "440.00"
    pooled = json.loads(
        run(
            "pool",
            "ATHENA",
            "--buyers",
            "norfolk,suffolk",
            "--quantities",
            "600,500",
            "--on",
            "2026-06-01",
            "--format",
            "json",
        )
    )
    assert pooled["unit_price"] == "455.00" and pooled["prices_on"] == "2026-06-01"
    assert "(prices in force on 1 Jun 2026)" in run(
        "pool", "ATHENA", "--buyers", "norfolk,suffolk", "--on", "2026-06-01"
    )


def test_a_day_not_written_yyyy_mm_dd_is_refused(db_location, capsys):
    out = io.StringIO()
    code = cli.main(
        [
            "--database",
            db_location,
            "compare",
            "ATHENA",
            "NICHE-RMS",
            "--quantity",
            "5",
            "--on",
            "31/05/2026",
        ],
        out=out,
    )
    assert code == 2 and out.getvalue() == ""
    assert "“31/05/2026” is not a date written YYYY-MM-DD" in capsys.readouterr().err
