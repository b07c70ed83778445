"""The tamper-evident audit trail: chains, verification, checkpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from catalogue_app.interchange.atomic import atomic_text
from catalogue_app.interchange.checkpoint import CheckpointError, checkpoint_text, read_checkpoint
from catalogue_app.services.context import AppContext
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService
from catalogue_app.services.trail import AuditTrail


@pytest.fixture
def ctx(db):
    return AppContext(db, actor="k.jones", clock=lambda: datetime(2026, 11, 30, 10, tzinfo=UTC))


def _record(ctx, n: int) -> list[str]:
    service = PurchaseService(ctx)
    ids = []
    for i in range(n):
        ids.append(
            service.record(
                PurchaseDraft(
                    buyer="kent",
                    product="ATHENA",
                    quantity=str(10 + i),
                    order_date="2026-11-02",
                    order_reference=f"TRAIL/{i}",
                )
            ).id
        )
    return ids


def _sql(db, statement: str, **params) -> None:
    """A change made directly in the database, as someone with database access could."""
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_a_trail_written_by_the_app_verifies(ctx, db):
    ids = _record(ctx, 3)
    PurchaseService(ctx).void(ids[1], "entered twice")
    report = AuditTrail(ctx).verify()
    assert report.ok, report.problems
    assert report.events >= 4 and report.purchases_checked == 3
    assert len(report.fingerprint) == 16


def test_an_edited_event_is_named(ctx, db):
    _record(ctx, 3)
    _sql(
        db,
        "UPDATE audit_events SET after = replace(after, '\"10\"', '\"1\"') "
        "WHERE entity_type = 'purchase' AND action = 'create' AND after LIKE '%TRAIL/0%'",
    )
    _sql(
        db,
        "UPDATE audit_events SET actor = 'someone.else' WHERE entity_type = 'purchase' "
        "AND after LIKE '%TRAIL/1%'",
    )
    report = AuditTrail(ctx).verify()
    assert not report.ok
    assert "does not match its hash: it was changed after it was written" in (
        report.problems[0].sentence
    )
    assert "by someone.else" in report.problems[0].sentence


def test_a_deleted_event_is_a_gap(ctx, db):
    _record(ctx, 3)
    _sql(db, "DELETE FROM audit_events WHERE entity_type = 'purchase' AND after LIKE '%TRAIL/1%'")
    problems = [p.sentence for p in AuditTrail(ctx).verify().problems]
    assert any("is missing: it was deleted" in p for p in problems)


def test_a_purchase_rewritten_without_its_events_is_caught(ctx, db):
    ids = _record(ctx, 2)
    _sql(db, "UPDATE purchases SET unit_price = 1 WHERE id = :id", id=ids[0])
    problems = [p.sentence for p in AuditTrail(ctx).verify().problems]
    assert any("TRAIL/0" in p and "unit price £0.01 where the trail says" in p for p in problems)


def test_a_recomputed_chain_is_caught_by_a_checkpoint(ctx, db, tmp_path):
    _record(ctx, 2)
    trail = AuditTrail(ctx)
    path = tmp_path / "checkpoint.json"
    atomic_text(path, checkpoint_text(trail.checkpoint()))
    checkpoint = read_checkpoint(path)
    assert trail.verify(since=checkpoint).ok
    # rewrite the last event and recompute its hash, as someone knowing the scheme could
    from catalogue_app.db import models as m
    from catalogue_app.services.audit import event_hash

    with db.transaction() as s:
        last = s.query(m.AuditEvent).order_by(m.AuditEvent.id.desc()).first()
        last.actor = "forger"
        s.flush()
        row = {
            c: getattr(last, c)
            for c in (
                "chain",
                "seq",
                "prev_hash",
                "occurred_at",
                "actor",
                "action",
                "entity_type",
                "entity_id",
                "before",
                "after",
            )
        }
        last.hash = event_hash(row)
    assert AuditTrail(ctx).verify().ok  # the chain alone cannot tell …
    report = AuditTrail(ctx).verify(since=checkpoint)  # … the checkpoint can
    assert any("the chain was rewritten" in p.sentence for p in report.problems)


def test_a_changed_checkpoint_is_refused(ctx, tmp_path):
    _record(ctx, 1)
    path = tmp_path / "checkpoint.json"
    atomic_text(path, checkpoint_text(AuditTrail(ctx).checkpoint()))
    document = json.loads(path.read_text())
    document["events"] += 1
    path.write_text(json.dumps(document))
    with pytest.raises(CheckpointError, match="changed after it was signed"):
        read_checkpoint(path)
    path.write_text("not json")
    with pytest.raises(CheckpointError, match="not an audit checkpoint"):
        read_checkpoint(path)


def test_an_upgrade_chains_the_events_written_before(backend_factory):
    from alembic import command
    from sqlalchemy import func, select

    from catalogue_app.db import models as m
    from catalogue_app.db.migrate import alembic_config
    from catalogue_app.services.audit import EARLIER_CHAIN
    from catalogue_app.services.database import open_database

    location = backend_factory.new_location()
    db = open_database(location)
    try:
        cfg = alembic_config()
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0008")
        for n in range(3):
            _sql(
                db,
                "INSERT INTO audit_events (occurred_at, actor, action, entity_type, entity_id, "
                "before, after) VALUES (:at, 'old.user', 'create', 'purchase', :id, NULL, '{}')",
                at=datetime(2025, 1, 1 + n, tzinfo=UTC),
                id=f"old-{n}",
            )
    finally:
        db.close()
    upgraded = open_database(location)
    try:
        with upgraded.reading() as s:
            chained = s.scalar(
                select(func.count())
                .select_from(m.AuditEvent)
                .where(m.AuditEvent.chain == EARLIER_CHAIN)
            )
        assert chained == 3
        report = AuditTrail(upgraded).verify()
        assert report.ok, report.problems
        assert report.heads[EARLIER_CHAIN][0] == 3
    finally:
        upgraded.close()
