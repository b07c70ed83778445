from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.db.demo import DEFAULT_PURCHASES, DEMO_RECORDER, generate_demo_history
from catalogue_app.services.database import open_database

PRICES_BY_ID = select(m.Purchase.id, m.Purchase.unit_price).order_by(m.Purchase.id)


def test_demo_history_is_seeded_and_marked_illustrative(db):
    with db.transaction() as s:
        total = s.scalar(select(func.count()).select_from(m.Purchase))
        assert total == DEFAULT_PURCHASES
        assert set(s.scalars(select(m.Purchase.recorded_by).distinct())) == {DEMO_RECORDER}
        notes = set(s.scalars(select(m.Purchase.notes).distinct()))
        assert len(notes) == 1 and "Illustrative" in notes.pop()
        first, last = s.execute(
            select(func.min(m.Purchase.order_date), func.max(m.Purchase.order_date))
        ).one()
        assert first >= date(2010, 4, 1) and last <= date(2026, 3, 31)
        years = s.scalars(select(m.Purchase.order_date)).all()
        assert len({(d.year if d.month >= 4 else d.year - 1) for d in years}) == 16


def test_demo_history_is_deterministic(new_location):
    other = open_database(new_location, seed_new=False)
    try:
        other.seed(demo=False)
        with other.transaction() as s:
            generate_demo_history(s, purchases=300, seed=7)
        with other.transaction() as s:
            first = s.execute(
                select(m.Purchase.id, m.Purchase.unit_price).order_by(m.Purchase.id)
            ).all()
            s.execute(m.PurchaseShare.__table__.delete())
            s.execute(m.Purchase.__table__.delete())
            generate_demo_history(s, purchases=300, seed=7)
        with other.transaction() as s:
            second = s.execute(
                select(m.Purchase.id, m.Purchase.unit_price).order_by(m.Purchase.id)
            ).all()
        assert first == second and len(first) == 300
    finally:
        other.close()


def test_joint_purchase_shares_add_up_to_the_penny(db):
    with db.transaction() as s:
        joint = s.execute(
            select(m.Purchase.id, m.Purchase.quantity, m.Purchase.unit_price).where(
                m.Purchase.buyer_collaboration_id.is_not(None)
            )
        ).all()
        shares = defaultdict(Decimal)
        for pid, amount in s.execute(select(m.PurchaseShare.purchase_id, m.PurchaseShare.amount)):
            shares[pid] += amount
    assert len(joint) > 100
    for pid, quantity, unit_price in joint:
        assert shares[pid] == quantity * unit_price


def test_framework_call_offs_use_an_offer_active_on_the_order_date(db):
    with db.transaction() as s:
        rows = s.execute(
            select(m.Purchase, m.Offer)
            .join(
                m.Offer,
                (m.Offer.lot_id == m.Purchase.lot_id)
                & (m.Offer.product_id == m.Purchase.product_id),
            )
            .where(m.Purchase.lot_id.is_not(None))
        ).all()
        on_framework = s.scalar(
            select(func.count()).select_from(m.Purchase).where(m.Purchase.lot_id.is_not(None))
        )
        assert on_framework > DEFAULT_PURCHASES // 4
        purchase_ids = set()
        for purchase, offer in rows:
            if offer.lot.framework.term.is_active_on(purchase.order_date):
                purchase_ids.add(purchase.id)
        assert len(purchase_ids) == on_framework
        withdrawn = s.scalar(
            select(func.count())
            .select_from(m.Purchase)
            .join(m.Product)
            .where(m.Product.status == "withdrawn")
        )
        assert withdrawn == 0
