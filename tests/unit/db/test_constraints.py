"""One active purchase per (buyer, order reference), held by the database itself,
and money sums that stay exact at the largest amounts the ledger accepts."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import column, func, insert, select, table, type_coerce
from sqlalchemy.exc import IntegrityError

from catalogue_app.db import models as m
from catalogue_app.db.constraints import is_duplicate_reference
from catalogue_app.db.migrate import alembic_config, head_revision
from catalogue_app.db.types import Money
from catalogue_app.services.database import RepeatedReference, open_database

P = m.Purchase


def _row(reference: str, *, force=None, collaboration=None, product, status="active", n=1):
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "order_reference": reference,
        "buyer_force_id": force,
        "buyer_collaboration_id": collaboration,
        "product_id": product,
        "quantity": 1,
        "unit_price": Decimal("10.00"),
        "baseline_unit_price": Decimal("10.00"),
        "order_date": date(2025, 6, 1),
        "recorded_by": "tester",
        "status": status,
        "void_reason": "entered twice" if status == "void" else None,
        "revision": 1,
    }


@pytest.fixture
def ids(db):
    with db.transaction() as s:
        forces = s.scalars(select(m.Force.id).order_by(m.Force.id).limit(2)).all()
        collaboration = s.scalar(select(m.Collaboration.id).order_by(m.Collaboration.id))
        product = s.scalar(select(m.Product.id).order_by(m.Product.id))
    return forces, collaboration, product


@pytest.mark.parametrize("buyer", ["force", "collaboration"])
def test_a_second_active_purchase_with_the_reference_is_refused_and_recognised(db, ids, buyer):
    (force, _), collaboration, product = ids
    who = {"force": force} if buyer == "force" else {"collaboration": collaboration}
    with db.transaction() as s:
        s.execute(insert(P.__table__), [_row("DUP/1", **who, product=product, n=1)])
    with pytest.raises(IntegrityError) as refused, db.engine.begin() as conn:
        conn.execute(insert(P.__table__), [_row("DUP/1", **who, product=product, n=2)])
    assert is_duplicate_reference(refused.value)


def test_the_rule_leaves_other_buyers_voided_purchases_and_other_errors_alone(db, ids):
    (force, other_force), collaboration, product = ids
    with db.transaction() as s:
        s.execute(
            insert(P.__table__),
            [
                _row("SAME/1", force=force, product=product, status="void", n=1),
                _row("SAME/1", force=force, product=product, n=2),
                _row("SAME/1", force=other_force, product=product, n=3),
                _row("SAME/1", collaboration=collaboration, product=product, n=4),
            ],
        )
    with pytest.raises(IntegrityError) as other, db.engine.begin() as conn:
        conn.execute(insert(P.__table__), [_row("SAME/2", force=force, product=product, n=2)])
    assert not is_duplicate_reference(other.value)  # a repeated id, not a repeated reference


def test_an_upgrade_keeps_repeats_already_recorded_and_lists_them(backend_factory):
    location = backend_factory.new_location()
    db = open_database(location)
    try:
        cfg = alembic_config()
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
        with db.engine.begin() as conn:
            force, other = conn.scalars(select(m.Force.id).order_by(m.Force.id).limit(2)).all()
            collaboration = conn.scalar(select(m.Collaboration.id).order_by(m.Collaboration.id))
            product = conn.scalar(select(m.Product.id).order_by(m.Product.id))
            rows = [
                _row("TWICE/1", force=force, product=product, n=1),
                _row("TWICE/1", force=force, product=product, n=2),
                _row("TWICE/1", force=force, product=product, n=3),
                _row("TWICE/1", force=other, product=product, n=4),
                _row("JOINT/7", collaboration=collaboration, product=product, n=5),
                _row("JOINT/7", collaboration=collaboration, product=product, n=6),
                _row("ONCE/1", force=force, product=product, n=7),
                _row("ONCE/1", force=force, product=product, status="void", n=8),
            ]
            # the purchases table as schema 0005 had it, without reference_repeat
            old_table = table(
                "purchases",
                *(column(c.name, c.type) for c in P.__table__.c if c.name != "reference_repeat"),
            )
            start = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
            conn.execute(
                insert(old_table),
                [dict(r, recorded_at=start + timedelta(minutes=i)) for i, r in enumerate(rows)],
            )
            codes = dict(conn.execute(select(m.Force.id, m.Force.code)).all())
            joint = conn.scalar(
                select(m.Collaboration.code).where(m.Collaboration.id == collaboration)
            )
    finally:
        db.close()

    upgraded = open_database(location)
    try:
        assert upgraded.migration.from_revision == "0005"
        assert upgraded.migration.to_revision == head_revision()
        assert upgraded.repeated_references() == sorted(
            [
                RepeatedReference(codes[force], "TWICE/1", 3),
                RepeatedReference(joint, "JOINT/7", 2),
            ],
            key=lambda r: (r.buyer, r.order_reference),
        )
        with upgraded.reading() as s:
            assert s.scalar(select(func.count()).select_from(P)) == 8  # nothing removed
            repeats = dict(s.execute(select(P.id, P.reference_repeat)).all())
        assert sorted(repeats.values()) == [0, 0, 0, 0, 0, 1, 1, 2]
        with pytest.raises(IntegrityError), upgraded.engine.begin() as conn:
            conn.execute(insert(P.__table__), [_row("TWICE/1", force=force, product=product, n=9)])
    finally:
        upgraded.close()


def test_money_at_the_ledgers_bounds_sums_to_the_penny(db, ids):
    """Quantity 10,000,000 at £1,000,000,000.00 is 10^18 pence: it fits a signed 64-bit
    integer, and SUM(quantity * unit_price) stays integer pence on both backends."""
    (force, _), _, product = ids
    big = _row("BIG/1", force=force, product=product, n=1)
    big.update(quantity=10_000_000, unit_price=Decimal("1000000000.00"))
    odd = _row("BIG/2", force=force, product=product, n=2)
    odd.update(quantity=3, unit_price=Decimal("0.01"))
    with db.transaction() as s:
        s.execute(insert(P.__table__), [big, odd])
    spend = type_coerce(func.sum(P.quantity * P.unit_price), Money())
    with db.reading() as s:
        total = s.scalar(select(spend).where(P.order_reference.startswith("BIG/")))
    assert total == Decimal("10000000000000000.03")
    assert isinstance(total, Decimal)
