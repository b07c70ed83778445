import statistics
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.services.browse import BrowseService
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
    assert {code for code, _, _ in detail.members} == {"kent", "essex", "suffolk", "norfolk"}
    label, count, spend, savings = detail.years[0]
    assert label == "2025/26"
    fy = {x.code: x for x in SpendService(db).by_buyer(date(2025, 4, 1), date(2026, 3, 31))}
    assert spend == fy["ecis"].spend and count == fy["ecis"].purchases
    assert savings == fy["ecis"].savings
    assert detail.years[1][0] == "2024/25"
    assert set(detail.champions_adopted).isdisjoint(detail.champions_not_adopted)


def test_suppliers_list_counts_products(browse):
    suppliers = {s.code: s for s in browse.list_suppliers()}
    assert suppliers["northgate-public-services"].products >= 1
    assert {s.status for s in suppliers.values()} == {"active", "suspended", "excluded"}
