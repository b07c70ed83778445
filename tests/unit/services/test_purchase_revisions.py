"""Purchases change only by revisions, which the database applies and orders."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from catalogue_app.db import models as m
from catalogue_app.domain.errors import DatabaseError
from catalogue_app.services.context import AppContext
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService, StaleRevisionError


@pytest.fixture
def ctx(db):
    return AppContext(db, actor="k.jones", clock=lambda: datetime(2026, 11, 30, 10, tzinfo=UTC))


def _draft(**changes) -> PurchaseDraft:
    values = {
        "buyer": "ecis",
        "product": "ATHENA",
        "framework": "ESSEX-ATHENA",
        "lot": "1",
        "quantity": "500",
        "order_date": "2026-05-01",
        "order_reference": "ECIS/REV/1",
        "split": "equal",
    }
    values.update(changes)
    return PurchaseDraft(**values)


def _revisions(db, purchase_id: str) -> list[m.PurchaseRevision]:
    with db.reading() as s:
        return list(
            s.scalars(
                select(m.PurchaseRevision)
                .where(m.PurchaseRevision.purchase_id == purchase_id)
                .order_by(m.PurchaseRevision.number)
            )
        )


def test_every_change_is_a_revision_holding_the_whole_state(ctx, db):
    service = PurchaseService(ctx)
    recorded = service.record(_draft())
    service.edit(recorded.id, _draft(quantity="600"), expected_revision=1)
    service.void(recorded.id, "entered twice")
    service.restore(recorded.id)
    revisions = _revisions(db, recorded.id)
    assert [(r.number, r.action, r.status) for r in revisions] == [
        (1, "create", "active"),
        (2, "edit", "active"),
        (3, "void", "void"),
        (4, "restore", "active"),
    ]
    assert [r.replaces for r in revisions[1:]] == [r.id for r in revisions[:-1]]
    assert revisions[1].quantity == 600 and revisions[2].quantity == 600
    shares = json.loads(revisions[1].shares)
    assert len(shares) == 4  # ECIS's four members, in pence
    assert sum(shares.values()) == int(revisions[1].unit_price * 600 * 100)
    assert len({r.origin for r in revisions}) == 1
    seqs = [r.origin_seq for r in revisions]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    stored = service.get(recorded.id)
    assert stored.revision == 4 and stored.quantity == 600
    assert sum(stored.shares.values()) == stored.unit_price * 600


def test_a_revision_that_does_not_follow_the_current_one_is_refused_by_the_database(ctx, db):
    recorded = PurchaseService(ctx).record(_draft())
    row = _revisions(db, recorded.id)[0]
    values = {c.name: getattr(row, c.name) for c in m.PurchaseRevision.__table__.columns}
    values.update(
        id="00000000-0000-7000-8000-000000000001",
        number=3,
        origin_seq=10**9,
        quantity=1,
        unit_price=Decimal("0.01"),
    )
    with pytest.raises(DatabaseError, match="stale purchase revision"):
        with db.transaction() as s:
            s.execute(m.PurchaseRevision.__table__.insert(), [values])
    assert PurchaseService(ctx).get(recorded.id).quantity == 500


def test_two_edits_from_the_same_revision_cannot_both_land(ctx):
    service = PurchaseService(ctx)
    recorded = service.record(_draft())
    service.edit(recorded.id, _draft(quantity="510"), expected_revision=1)
    with pytest.raises(StaleRevisionError):
        service.edit(recorded.id, _draft(quantity="520"), expected_revision=1)
    assert service.get(recorded.id).quantity == 510


def test_existing_purchases_have_a_first_revision(db):
    with db.reading() as s:
        missing = s.scalar(
            text(
                "SELECT count(*) FROM purchases p WHERE NOT EXISTS "
                "(SELECT 1 FROM purchase_revisions r WHERE r.purchase_id = p.id)"
            )
        )
        total = s.scalar(text("SELECT count(*) FROM purchases"))
    assert total > 0 and missing == 0
