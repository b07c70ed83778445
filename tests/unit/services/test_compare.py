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

    rows = compare.compare(["ATHENA", "CONNECT", "NICHE-RMS"], 500, today=TODAY)
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
