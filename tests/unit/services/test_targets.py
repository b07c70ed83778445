"""Savings targets: added, edited and ended, each change audited; bad input refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.services.context import AppContext
from catalogue_app.services.targets import TargetDraft, TargetService


@pytest.fixture
def service(db):
    return TargetService(
        AppContext(db, actor="jsmith", clock=lambda: datetime(2026, 11, 30, 9, tzinfo=UTC))
    )


def audit(db):
    with db.reading() as s:
        return s.execute(
            select(m.AuditEvent.action, m.AuditEvent.actor, m.AuditEvent.before, m.AuditEvent.after)
            .where(m.AuditEvent.entity_type == "savings_target")
            .order_by(m.AuditEvent.id)
        ).all()


def test_seeded_targets_keep_their_source(service):
    targets = service.list_targets()
    assert [t.buyer for t in targets] == ["norfolk-suffolk", "ecis"]
    assert all(t.source.startswith("Public reporting") for t in targets)
    assert targets[1].amount_text == "£3,000,000.00 to £4,000,000.00"


def test_add_edit_and_end_are_audited(service, db):
    added = service.add(
        TargetDraft("kent", date(2025, 4, 1), date(2028, 3, 31), "£1,200,000", description="Plan")
    )
    assert added.amount == Decimal("1200000.00") and added.source == (
        "Entered by jsmith on 30 Nov 2026"
    )
    edited = service.edit(
        added.id,
        TargetDraft("kent", added.start, added.end, "1200000", "1500000", "Plan", "Board paper"),
    )
    assert (edited.amount_upper, edited.source) == (Decimal("1500000.00"), "Board paper")
    ended = service.end(added.id, date(2026, 3, 31))
    assert ended.end == date(2026, 3, 31) == service.get(added.id).end
    events = audit(db)
    assert [(a, who) for a, who, _b, _a in events] == [
        ("add", "jsmith"),
        ("edit", "jsmith"),
        ("end", "jsmith"),
    ]
    assert events[0][2] is None
    assert json.loads(events[2][2])["period_end"] == "2028-03-31"
    assert json.loads(events[2][3])["period_end"] == "2026-03-31"
    assert json.loads(events[1][3])["amount_upper"] == "1500000.00"


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (TargetDraft("kent", date(2026, 4, 1), date(2025, 4, 1), "10"), "the period ends"),
        (TargetDraft("kent", date(2025, 4, 1), date(2026, 3, 31), "0"), "at least £0.01"),
        (TargetDraft("kent", date(2025, 4, 1), date(2026, 3, 31), "ten"), "not an amount"),
        (
            TargetDraft("kent", date(2025, 4, 1), date(2026, 3, 31), "10", "5"),
            "less than the target",
        ),
        (
            TargetDraft("ecis", date(2011, 4, 1), date(2012, 3, 31), "10"),
            "already has a savings target starting on 1 Apr 2011",
        ),
        (TargetDraft("nowhere", date(2025, 4, 1), date(2026, 3, 31), "10"), "no force"),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_written(service, db, draft, message):
    with pytest.raises(ValidationError, match=message):
        service.add(draft)
    assert len(service.list_targets()) == 2
    assert audit(db) == []


def test_ending_outside_the_period_and_unknown_targets(service):
    with pytest.raises(ValidationError, match="cannot end before"):
        service.end(2, date(2010, 1, 1))
    with pytest.raises(ValidationError, match="already ends on 31 Mar 2015"):
        service.end(2, date(2016, 1, 1))
    with pytest.raises(NotFoundError, match="no savings target has the number 99"):
        service.end(99, date(2016, 1, 1))
    with pytest.raises(ValidationError, match="buyer cannot be changed"):
        service.edit(2, TargetDraft("kent", date(2011, 4, 1), date(2015, 3, 31), "10"))
