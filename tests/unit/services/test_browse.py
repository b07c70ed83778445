import statistics
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.domain.periods import FinancialYear
from catalogue_app.services.browse import BrowseService
from catalogue_app.services.catalogue import CatalogueService
from catalogue_app.services.spend import SpendService


@pytest.fixture
def browse(db):
    return BrowseService(db)


def test_price_stats_are_aggregates_of_active_purchases(db, browse):
    stats = browse.price_stats("ATHENA")
    with db.transaction() as s:
        prices = sorted(
            s.scalars(
                select(m.Purchase.unit_price)
                .join(m.Product)
                .where(m.Product.code == "ATHENA", m.Purchase.status == "active")
            )
        )
    assert stats.purchases == len(prices) > 0
    assert (stats.lowest, stats.highest) == (prices[0], prices[-1])
    assert stats.median == statistics.median(prices).quantize(Decimal("0.01"))
    assert 1 <= stats.forces <= 46
    with pytest.raises(NotFoundError):
        browse.price_stats("NOPE")


def test_a_product_nobody_bought(db, browse):
    with db.transaction() as s:
        code = s.scalar(select(m.Product.code).where(m.Product.status == "withdrawn").limit(1))
    stats = browse.price_stats(code)
    assert stats.purchases == 0 and stats.median is None


def test_framework_detail_headroom_is_maximum_less_call_offs(browse):
    detail = browse.framework_detail("ESSEX-ATHENA", today=date(2026, 11, 23))
    assert detail.headroom == detail.max_value - detail.call_off_spend
    assert detail.call_off_spend > 0
    assert detail.days_left == (detail.effective_end - date(2026, 11, 23)).days
    assert detail.lots and detail.lots[0].suppliers == ["Northgate Public Services"]
    assert ("ATHENA", "Athena") in detail.products
    with pytest.raises(NotFoundError):
        browse.framework_detail("RM0000")


def test_buyer_detail_for_a_collaboration(db, browse):
    detail = browse.buyer_detail("ecis", today=date(2025, 11, 23))
    assert {x.code for x in detail.members} == {"kent", "essex", "suffolk", "norfolk"}
    label, count, spend, savings = detail.years[0]
    assert label == "2025/26" == detail.current_year
    fy = {x.code: x for x in SpendService(db).by_buyer(date(2025, 4, 1), date(2026, 3, 31))}
    assert spend == fy["ecis"].spend and count == fy["ecis"].purchases
    assert savings == fy["ecis"].savings
    assert detail.years[1][0] == "2024/25"
    adopted = {a.name for a in detail.champions_adopted}
    assert adopted and adopted.isdisjoint(detail.champions_not_adopted)
    assert detail.lead_force == "Essex Police" and detail.description


def test_buyer_detail_covers_every_financial_year_with_purchases(db, browse):
    detail = browse.buyer_detail("norfolk", today=date(2025, 11, 23))
    labels = [label for label, *_ in detail.years]
    assert labels[0] == "2025/26" and labels[-1] == "2010/11"  # the demo ledger starts in 2010
    assert len(labels) == 16 and labels == sorted(labels, reverse=True)
    with db.reading() as s:
        force_id = s.scalar(select(m.Force.id).where(m.Force.code == "norfolk"))
        own = s.execute(
            select(m.Purchase.quantity, m.Purchase.unit_price, m.Purchase.order_date).where(
                m.Purchase.buyer_force_id == force_id, m.Purchase.status == "active"
            )
        ).all()
        shares = s.execute(
            select(m.PurchaseShare.amount, m.Purchase.order_date)
            .join(m.Purchase)
            .where(m.PurchaseShare.force_id == force_id, m.Purchase.status == "active")
        ).all()
    for label, count, spend, _ in detail.years:
        year = FinancialYear(int(label[:4]))
        mine = [q * p for q, p, d in own if d in year]
        assert (count, spend) == (len(mine), sum(mine, Decimal("0.00")))
        joint = sum((a for a, d in shares if d in year), Decimal("0.00"))
        assert detail.joint_shares.get(label, Decimal("0.00")) == joint
    assert sum(c for _, c, _, _ in detail.years) == len(own)


def test_collaboration_members_show_officers_and_their_total(browse):
    detail = browse.buyer_detail("athena-consortium", today=date(2025, 11, 23))
    assert len(detail.members) == 9
    assert detail.officer_fte == sum(x.officer_fte for x in detail.members)
    norfolk = next(x for x in detail.members if x.code == "norfolk")
    assert norfolk.officer_fte == Decimal("1643.70")


def test_savings_target_progress_sums_the_targets_period(db, browse):
    detail = browse.buyer_detail("norfolk-suffolk", today=date(2025, 11, 23))
    (target,) = detail.targets
    assert target.amount == Decimal("9800000.00")
    assert [y.year for y in target.years] == ["2010/11", "2011/12", "2012/13", "2013/14"]
    with db.reading() as s:
        collab = s.scalar(
            select(m.Collaboration.id).where(m.Collaboration.code == "norfolk-suffolk")
        )
        saved = s.execute(
            select(
                m.Purchase.quantity, m.Purchase.baseline_unit_price, m.Purchase.unit_price
            ).where(
                m.Purchase.buyer_collaboration_id == collab,
                m.Purchase.status == "active",
                m.Purchase.order_date >= date(2010, 4, 1),
                m.Purchase.order_date <= date(2014, 3, 31),
            )
        ).all()
    expected = sum((q * (b - p) for q, b, p in saved), Decimal("0.00"))
    assert target.saved == expected == target.years[-1].cumulative
    assert sum(y.saved for y in target.years) == expected
    # a member force sees the targets of its collaborations
    norfolk = browse.buyer_detail("norfolk", today=date(2025, 11, 23))
    assert {t.buyer for t in norfolk.targets} == {
        "Norfolk and Suffolk collaboration",
        "East Coast IT Services",
    }
    assert browse.buyer_detail("btp").targets == []


def test_a_member_force_adopts_champions_through_its_collaborations(db, browse):
    norfolk = browse.buyer_detail("norfolk", today=date(2025, 11, 23))
    athena = next(a for a in norfolk.champions_adopted if a.code == "ATHENA")
    assert "Athena consortium" in athena.through
    assert "Athena" not in norfolk.champions_not_adopted
    # a force in no collaboration counts only its own purchases
    btp = browse.buyer_detail("btp", today=date(2025, 11, 23))
    assert all(a.own and not a.through for a in btp.champions_adopted)


def test_a_collaborations_purchase_counts_for_a_member_without_a_share(db, browse):
    """Adoption follows membership on the order date, even where no share was recorded."""
    with db.transaction() as s:
        athena = s.scalar(select(m.Product.id).where(m.Product.code == "ATHENA"))
        s.execute(
            delete(m.PurchaseShare).where(
                m.PurchaseShare.purchase_id.in_(
                    select(m.Purchase.id).where(m.Purchase.product_id == athena)
                )
            )
        )
        s.execute(
            update(m.Purchase)
            .where(m.Purchase.product_id == athena, m.Purchase.buyer_force_id.is_not(None))
            .values(status="void", void_reason="test")
        )
    adopted = {a.code: a for a in browse.buyer_detail("norfolk").champions_adopted}
    assert adopted["ATHENA"].through and not adopted["ATHENA"].own


def test_supplier_detail_lists_products_lots_buyers_and_years(db, browse):
    detail = browse.supplier_detail("northgate-public-services", today=date(2025, 11, 23))
    assert ("ATHENA", "Athena", "champion") in detail.products
    assert ("ESSEX-ATHENA", "1") in {(lot.framework, lot.lot) for lot in detail.lots}
    with db.reading() as s:
        rows = s.execute(
            select(m.Purchase.quantity, m.Purchase.unit_price, m.Purchase.order_date)
            .join(m.Product)
            .join(m.Supplier)
            .where(m.Supplier.code == "northgate-public-services", m.Purchase.status == "active")
        ).all()
    total = sum((q * p for q, p, _ in rows), Decimal("0.00"))
    assert sum(spend for _, _, spend in detail.years) == total
    assert sum(n for _, n, _ in detail.years) == len(rows)
    assert detail.years[0][0] == "2025/26" and detail.current_year == "2025/26"
    spends = [b.spend for b in detail.buyers]
    assert spends == sorted(spends, reverse=True) and len(spends) <= 10
    assert detail.buyer_count >= len(detail.buyers)
    with pytest.raises(NotFoundError, match="no supplier has the code"):
        browse.supplier_detail("nobody")


def test_a_supplier_nobody_bought_from(db, browse):
    with db.transaction() as s:
        s.add(m.Supplier(code="quiet-ltd", name="Quiet Ltd", status="active"))
    detail = browse.supplier_detail("quiet-ltd")
    assert (detail.products, detail.lots, detail.buyers, detail.years) == ([], [], [], [])


def test_suppliers_list_counts_products(browse):
    suppliers = {s.code: s for s in browse.list_suppliers()}
    assert suppliers["northgate-public-services"].products >= 1
    assert {s.status for s in suppliers.values()} == {"active", "suspended", "excluded"}


def test_framework_rows_carry_days_left_and_headroom(db, browse):
    today = date(2026, 11, 23)
    rows = {r.reference: r for r in CatalogueService(db).list_frameworks(today=today)}
    for reference in ("ESSEX-ATHENA", "RM6100", "RM6098"):
        detail = browse.framework_detail(reference, today=today)
        assert rows[reference].days_left == detail.days_left
        assert rows[reference].headroom == detail.headroom
    assert rows["ESSEX-ATHENA"].headroom < rows["ESSEX-ATHENA"].max_value
    assert rows["RM6100"].days_left < 0 and rows["RM6100"].headroom is None
