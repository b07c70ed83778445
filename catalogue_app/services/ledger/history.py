"""The audit trail of one purchase, oldest first."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.services.ledger.model import AuditEntry

_CREATED = ("create", "import")


def purchase_history(session: Session, purchase_id: str) -> list[AuditEntry]:
    """Every audit event of the purchase; a purchase loaded in bulk without events (the demo
    history) starts with the "create" its own fields record (who and when)."""
    purchase = session.get(m.Purchase, purchase_id)
    if purchase is None:
        raise NotFoundError(f"no purchase has the id {purchase_id}")
    events = session.scalars(
        select(m.AuditEvent)
        .where(m.AuditEvent.entity_type == "purchase", m.AuditEvent.entity_id == purchase_id)
        .order_by(m.AuditEvent.occurred_at, m.AuditEvent.id)
    ).all()
    entries = [
        AuditEntry(
            e.occurred_at.isoformat(timespec="seconds"),
            e.actor,
            e.action,
            json.loads(e.before) if e.before else None,
            json.loads(e.after) if e.after else None,
        )
        for e in events
    ]
    if not any(e.action in _CREATED for e in entries):
        entries.insert(
            0,
            AuditEntry(
                purchase.recorded_at.isoformat(timespec="seconds"),
                purchase.recorded_by,
                "create",
                None,
                None,
            ),
        )
    return entries
