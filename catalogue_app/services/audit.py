"""The one way any change is written to the audit log, as a tamper-evident chain.

Every audited change, to a purchase or to the catalogue, is one row in
``audit_events``: who, when, what was done to which record, and the record's
values before and after as JSON. Readers (History tabs, ``history KIND CODE``)
only ever read these rows back.

Each event belongs to a chain (one per login on a shared server, one per device
on an embedded file), carries its place in it (``seq``), the hash of the event
before it and the SHA-256 of its own canonical content. Changing, deleting or
reordering an event breaks the chain where it happened, which ``audit verify``
finds; a signed checkpoint of the chain heads, kept away from the database,
also catches a chain recomputed from the start.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.interchange.device import device_key

GENESIS = "0" * 64
# Events written before the log was chained, chained in the order they were written.
EARLIER_CHAIN = "before-chaining"


@dataclass
class AuditWriter:
    """Writes audit events for one actor at one moment, inside the caller's transaction."""

    session: Session
    actor: str
    now: datetime
    chain: str | None = field(default=None)

    def write(
        self,
        action: str,
        entries: Sequence[tuple[str, Any, Any]],
        *,
        entity_type: str = "purchase",
    ) -> None:
        """One event per (record key, values before, values after)."""
        if not entries:
            return
        chain = self.chain or chain_name(self.session)
        seq, previous = chain_head(self.session, chain, lock=True)
        rows = []
        for key, before, after in entries:
            seq += 1
            row = {
                "chain": chain,
                "seq": seq,
                "prev_hash": previous,
                "occurred_at": self.now,
                "actor": self.actor,
                "action": action,
                "entity_type": entity_type,
                "entity_id": key,
                "before": audit_json(before),
                "after": audit_json(after),
            }
            row["hash"] = previous = event_hash(row)
            rows.append(row)
        self.session.connection().execute(_ADD_EVENTS, rows)


def audit_json(values: Any) -> str | None:
    """``values`` as the stable JSON the audit log keeps (sorted keys, money as text)."""
    return json.dumps(values, sort_keys=True, default=str) if values is not None else None


def chain_name(session: Session) -> str:
    """This writer's chain: its login on a shared server, this device on an embedded file.

    Found once per session (one unit of work), however many writes it makes.
    """
    found = session.info.get(_CHAIN_KEY)
    if found is None:
        if session.get_bind().dialect.name == "postgresql":
            found = f"login:{session.execute(text('SELECT session_user')).scalar_one()}"
        else:
            found = f"device:{device_key().device_id}"
        session.info[_CHAIN_KEY] = found
    return str(found)


_CHAIN_KEY = "audit chain"
_EVENTS = cast(Table, m.AuditEvent.__table__)
# built once, so each use reuses its compiled SQL
_HEAD = (
    select(_EVENTS.c.seq, _EVENTS.c.hash)
    .where(_EVENTS.c.chain == bindparam("chain"))
    .order_by(_EVENTS.c.seq.desc())
    .limit(1)
)
_ADD_EVENTS = insert(_EVENTS)


def chain_head(session: Session, chain: str, *, lock: bool = False) -> tuple[int, str]:
    """(last seq, last hash) of ``chain``; (0, genesis) for a new chain.

    With ``lock`` on a shared server, other writers of the same chain wait until this
    transaction ends, so two processes of one login never take the same place.
    """
    if lock and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:c))"), {"c": chain})
    found = session.connection().execute(_HEAD, {"chain": chain}).first()
    if found is None:
        return 0, GENESIS
    return int(found[0] or 0), str(found[1])


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over an event's canonical content, its place and the hash before it."""
    moment = row["occurred_at"]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    content = {
        "chain": row["chain"],
        "seq": int(row["seq"]),
        "prev_hash": row["prev_hash"],
        "occurred_at": moment.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": row["actor"],
        "action": row["action"],
        "entity_type": row["entity_type"],
        "entity_id": row["entity_id"],
        "before": row["before"],
        "after": row["after"],
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()
