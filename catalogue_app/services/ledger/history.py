"""The audit trail of one purchase, oldest first, and the same trail in plain words."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError
from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.purchases import OFF_FRAMEWORK
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


# -- the history in plain words ----------------------------------------------------------------

# What each value of an audit snapshot is called, in the order a change lists them.
FIELD_NAMES = {
    "order_reference": "Order reference",
    "order_date": "Order date",
    "buyer": "Buyer",
    "product": "Product",
    "route": "Route",
    "quantity": "Quantity",
    "unit_price": "Unit price",
    "baseline_unit_price": "Baseline unit price",
    "shares": "Split",
    "notes": "Notes",
    "status": "Status",
}
_MONEY = ("unit_price", "baseline_unit_price")
# Reasons the undo stack gives, as a reader would put them.
_UNDO_REASONS = {
    "undone": "the recording was undone",
    "redone": "the recording was redone",
    "void undone": "the void was undone",
    "void redone": "the void was redone",
}


def describe_history(
    entries: Iterable[AuditEntry], names: Mapping[str, str] | None = None
) -> list[str]:
    """Each audit entry as one sentence, oldest first: "Recorded by jsmith on 23 Nov 2026",
    "Unit price changed from £0.00 to £329.00 by jsmith on 23 Nov 2026", "Voided by jsmith
    on 23 Nov 2026: entered twice". ``names`` turns codes (buyers, forces, products) into
    names."""
    return [describe_entry(entry, names or {}) for entry in entries]


def describe_entry(entry: AuditEntry, names: Mapping[str, str]) -> str:
    """One audit entry as a sentence (see :func:`describe_history`)."""
    by = f"by {entry.actor} on {_when(entry.occurred_at)}"
    before, after = entry.before or {}, entry.after or {}
    if entry.action == "create":
        return f"Recorded {by}"
    if entry.action == "import":
        return f"Imported from a file {by}"
    if entry.action == "void":
        reason = _reason(after.get("void_reason"))
        return f"Voided {by}" + (f": {reason}" if reason else "")
    if entry.action == "restore":
        reason = _reason(after.get("reason"))
        return f"Restored {by}" + (f": {reason}" if reason and reason != "restored" else "")
    if entry.action != "edit":
        return f"{entry.action.capitalize()} {by}"
    changed = [key for key in FIELD_NAMES if before.get(key) != after.get(key)]
    # shares that moved with the total follow from it: say so rather than list every amount
    recomputed = "shares" in changed and bool({"unit_price", "quantity"} & set(changed))
    if recomputed:
        changed.remove("shares")
    after_note = "; the members' shares were recomputed" if recomputed else ""
    changes = [
        (FIELD_NAMES[key], _value(key, before.get(key), names), _value(key, after.get(key), names))
        for key in changed
    ]
    if not changes:
        return f"Saved again {by}, with no change"
    if len(changes) == 1:
        label, old, new = changes[0]
        return f"{label} changed from {old} to {new} {by}{after_note}"
    listed = "; ".join(f"{label.lower()} from {old} to {new}" for label, old, new in changes)
    return f"Changed {by}: {listed}{after_note}"


def _reason(value: Any) -> str:
    text = str(value or "").strip()
    return _UNDO_REASONS.get(text, text)


def _value(key: str, value: Any, names: Mapping[str, str]) -> str:
    if value is None or value == "" or value == {}:
        return "nothing" if key == "notes" else "none"
    if key in _MONEY:
        return format_gbp(Decimal(str(value)))
    if key == "quantity":
        return f"{int(value):,}"
    if key == "order_date":
        return _date(date.fromisoformat(str(value)))
    if key in ("buyer", "product"):
        return names.get(str(value), str(value))
    if key == "route":
        return "off-framework" if value == OFF_FRAMEWORK else str(value)
    if key == "shares":
        return ", ".join(
            f"{names.get(code, code)} {format_gbp(Decimal(str(amount)))}"
            for code, amount in dict(value).items()
        )
    if key == "notes":
        return f"“{value}”"
    return str(value).capitalize() if key == "status" else str(value)


def _date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _when(stamp: str) -> str:
    """An audit timestamp (ISO, UTC) as the reader's local date."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _date(moment.astimezone().date())
