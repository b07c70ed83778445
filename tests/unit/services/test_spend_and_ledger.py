from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.services.ledger import LedgerService
from catalogue_app.services.spend import SpendService

FY = (date(2024, 4, 1), date(2025, 3, 31))


def test_spend_by_buyer_reconciles_to_the_ledger_to_the_penny(db):
    lines = {line.code: line for line in SpendService(db).by_buyer(*FY)}
    norfolk = LedgerService(db).lines("norfolk", *FY)
    own = [ln for ln in norfolk if ln.buyer == "Norfolk Constabulary"]
    assert lines["norfolk"].purchases == len(own)
    assert lines["norfolk"].spend == sum(ln.total for ln in own)
    assert lines["norfolk"].savings == sum(ln.saving for ln in own)
    ecis = LedgerService(db).lines("ecis", *FY)
    if ecis:
        assert lines["ecis"].spend == sum(ln.total for ln in ecis)


def test_spend_totals_agree_across_summaries(db):
    by_buyer = SpendService(db).by_buyer()
    by_category = SpendService(db).by_category()
    assert sum(x.spend for x in by_buyer) == sum(x.spend for x in by_category)
    assert sum(x.savings for x in by_buyer) == sum(x.savings for x in by_category)
    assert sum(x.purchases for x in by_buyer) == 6000
    spends = [x.spend for x in by_buyer]
    assert spends == sorted(spends, reverse=True)
    assert all(isinstance(x.spend, Decimal) for x in by_buyer)


def test_a_force_ledger_includes_joint_purchases_it_shares(db):
    lines = LedgerService(db).lines("norfolk", date(2011, 4, 1), date(2026, 3, 31))
    buyers = {ln.buyer for ln in lines}
    assert "Norfolk Constabulary" in buyers and len(buyers) > 1
    with db.transaction() as s:
        foreign = s.scalar(
            select(m.Purchase.id)
            .where(m.Purchase.buyer_force_id.is_not(None))
            .join(m.Force, m.Purchase.buyer_force_id == m.Force.id)
            .where(m.Force.code == "durham")
            .limit(1)
        )
    assert foreign not in {ln.id for ln in lines}


def test_voided_purchases_do_not_count(db):
    first = next(
        ln for ln in LedgerService(db).lines("norfolk", *FY) if ln.buyer == "Norfolk Constabulary"
    )
    before = {x.code: x.spend for x in SpendService(db).by_buyer(*FY)}["norfolk"]
    from catalogue_app.services.ledger import PurchaseService

    PurchaseService(db).void(first.id, "test", "tester")
    after = {x.code: x.spend for x in SpendService(db).by_buyer(*FY)}["norfolk"]
    assert after == before - first.total


def test_unknown_buyer_is_named(db):
    with pytest.raises(NotFoundError, match="no force or collaboration has the code “gotham”"):
        LedgerService(db).lines("gotham")


def test_spend_summaries_never_wait_for_a_write_in_progress(db):
    """While another action holds the write lock, the spend figures are still read."""
    spend = SpendService(db)
    expected = (spend.by_buyer(*FY), spend.by_category(*FY))
    with db.transaction() as writing:
        writing.execute(update(m.Region).values(name=m.Region.name))
        assert (spend.by_buyer(*FY), spend.by_category(*FY)) == expected
    assert expected[0] and expected[1]
