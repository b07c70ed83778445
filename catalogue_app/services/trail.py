"""Checking the audit trail: every chain intact, and the ledger what the trail says.

``verify`` walks each chain in order and recomputes every hash: an event changed
after it was written, a deleted event (a gap in the sequence) or events put in
another order break the chain where it happened, and the first break of each
chain is reported. It then replays each audited purchase's events and compares
the values they end with against the purchase as stored, which catches a
purchase rewritten without touching its events. Against a checkpoint it also
proves that every event the checkpoint covered is still the same, which catches
a chain rewritten and recomputed from its start.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.money import format_gbp
from catalogue_app.interchange.checkpoint import Checkpoint, sign
from catalogue_app.interchange.device import device_key
from catalogue_app.services.audit import GENESIS, event_hash
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database
from catalogue_app.services.ledger import queries

# The purchase values an audit event's "after" may state, as the ledger stores them.
_COMPARED = (
    "order_reference",
    "buyer",
    "product",
    "route",
    "quantity",
    "unit_price",
    "baseline_unit_price",
    "order_date",
    "notes",
    "shares",
    "status",
    "revision",
)
_MONEY = ("unit_price", "baseline_unit_price")


@dataclass(frozen=True)
class TrailProblem:
    chain: str
    seq: int | None
    sentence: str

    def as_json(self) -> dict[str, Any]:
        return {"chain": self.chain, "seq": self.seq, "problem": self.sentence}


@dataclass
class VerifyReport:
    events: int = 0
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    problems: list[TrailProblem] = field(default_factory=list)
    purchases_checked: int = 0
    checkpoint: str | None = None  # who signed the checkpoint checked against, and when

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def fingerprint(self) -> str:
        return heads_fingerprint(self.heads)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "chains": {c: {"seq": s, "hash": h} for c, (s, h) in sorted(self.heads.items())},
            "fingerprint": self.fingerprint,
            "purchases_checked": self.purchases_checked,
            "checkpoint": self.checkpoint,
            "problems": [p.as_json() for p in self.problems],
        }


def heads_fingerprint(heads: dict[str, tuple[int, str]]) -> str:
    """16 hex digits naming the whole trail's state: every chain's last place and hash."""
    text = "\n".join(f"{c}:{s}:{h}" for c, (s, h) in sorted(heads.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _events(s: Session) -> Iterator[m.AuditEvent]:
    yield from s.scalars(
        select(m.AuditEvent)
        .order_by(m.AuditEvent.chain, m.AuditEvent.seq, m.AuditEvent.id)
        .execution_options(yield_per=2000)
    )


def _described(e: m.AuditEvent) -> str:
    when = e.occurred_at.astimezone(UTC) if e.occurred_at.tzinfo else e.occurred_at
    return (
        f"the {e.action} of {e.entity_type} {e.entity_id} by {e.actor} on {when.day} {when:%b %Y}"
    )


class AuditTrail:
    def __init__(self, source: Database | AppContext) -> None:
        self.context = source if isinstance(source, AppContext) else AppContext(source)
        self.db = self.context.db

    def heads(self) -> dict[str, tuple[int, str]]:
        """Each chain's last (seq, hash)."""
        with self.db.reading() as s:
            last = (
                select(m.AuditEvent.chain, func.max(m.AuditEvent.seq).label("seq"))
                .where(m.AuditEvent.chain.is_not(None))
                .group_by(m.AuditEvent.chain)
                .subquery()
            )
            rows = s.execute(
                select(m.AuditEvent.chain, m.AuditEvent.seq, m.AuditEvent.hash).join(
                    last, (m.AuditEvent.chain == last.c.chain) & (m.AuditEvent.seq == last.c.seq)
                )
            ).all()
        return {str(c): (int(q or 0), str(h)) for c, q, h in rows}

    def fingerprint(self) -> str:
        return heads_fingerprint(self.heads())

    def checkpoint(self) -> Checkpoint:
        """The chains' heads now, signed by this device's key."""
        with self.db.reading() as s:
            events = s.scalar(select(func.count()).select_from(m.AuditEvent)) or 0
        made = Checkpoint(
            self.db.description,
            self.context.now().astimezone(UTC).isoformat(timespec="seconds"),
            int(events),
            self.heads(),
        )
        return sign(made, device_key())

    def verify(self, since: Checkpoint | None = None) -> VerifyReport:
        report = VerifyReport()
        with self.db.reading() as s:
            self._check_chains(s, report, since)
            self._check_purchases(s, report)
        if since is not None:
            report.checkpoint = f"device {since.device}, {since.made_at}"
            for chain, (seq, _hash) in sorted(since.chains.items()):
                if chain not in report.heads:
                    report.problems.append(
                        TrailProblem(
                            chain,
                            seq,
                            f"chain {chain} held {seq:,} events at the checkpoint and is now gone",
                        )
                    )
                elif report.heads[chain][0] < seq:
                    report.problems.append(
                        TrailProblem(
                            chain,
                            seq,
                            f"chain {chain} held {seq:,} events at the checkpoint and now holds "
                            f"{report.heads[chain][0]:,}: events were deleted",
                        )
                    )
        return report

    @staticmethod
    def _check_chains(s: Session, report: VerifyReport, since: Checkpoint | None) -> None:
        broken: set[str] = set()
        chain, expected_seq, previous = None, 0, GENESIS
        for e in _events(s):
            report.events += 1
            name = e.chain or ""
            if name != chain:
                chain, expected_seq, previous = name, 0, GENESIS
            expected_seq += 1
            if name in broken:
                continue
            if not e.chain or e.seq is None or not e.hash:
                broken.add(name)
                report.problems.append(
                    TrailProblem(
                        name,
                        None,
                        f"audit event {e.id} ({_described(e)}) has no place "
                        "in any chain: it was written outside the application",
                    )
                )
                continue
            report.heads[name] = (int(e.seq), str(e.hash))
            problem = None
            if e.seq != expected_seq:
                if e.seq > expected_seq:
                    problem = (
                        f"events {expected_seq:,} to {e.seq - 1:,} of chain {name} are missing: "
                        "they were deleted"
                        if e.seq - 1 > expected_seq
                        else f"event {expected_seq:,} of chain {name} is missing: it was deleted"
                    )
                else:
                    problem = f"event {e.seq:,} of chain {name} appears twice"
            elif e.prev_hash != previous:
                problem = (
                    f"event {e.seq:,} of chain {name} ({_described(e)}) does not follow the "
                    "event before it: events were replaced or put in another order"
                )
            elif event_hash(_row(e)) != e.hash:
                problem = (
                    f"event {e.seq:,} of chain {name} ({_described(e)}) does not match its hash: "
                    "it was changed after it was written"
                )
            elif since is not None and name in since.chains:
                seq, digest = since.chains[name]
                if e.seq == seq and e.hash != digest:
                    problem = (
                        f"event {e.seq:,} of chain {name} is not the one the checkpoint of "
                        f"{since.made_at} recorded: the chain was rewritten"
                    )
            if problem is not None:
                broken.add(name)
                report.problems.append(TrailProblem(name, int(e.seq), problem))
            previous = str(e.hash)

    @staticmethod
    def _check_purchases(s: Session, report: VerifyReport) -> None:
        expected: dict[str, dict[str, Any]] = {}
        for entity_id, after in s.execute(
            select(m.AuditEvent.entity_id, m.AuditEvent.after)
            .where(m.AuditEvent.entity_type == "purchase")
            .order_by(m.AuditEvent.occurred_at, m.AuditEvent.id)
            .execution_options(yield_per=5000)
        ):
            if after:
                values = json.loads(after)
                if isinstance(values, dict):
                    expected.setdefault(entity_id, {}).update(
                        {k: v for k, v in values.items() if k in _COMPARED}
                    )
        ids = list(expected)
        for start in range(0, len(ids), 500):
            for stored in queries.stored_where(s, m.Purchase.id.in_(ids[start : start + 500])):
                report.purchases_checked += 1
                now = {**stored.snapshot(), "revision": stored.revision}
                wanted = expected[stored.id]
                differing = [k for k in _COMPARED if k in wanted and wanted[k] != now.get(k)]
                if differing:
                    report.problems.append(
                        TrailProblem(
                            "purchases",
                            None,
                            f"purchase {stored.order_reference} ({stored.id}) holds values its "
                            f"audit trail does not: {_differences(differing, wanted, now)}",
                        )
                    )


def _row(e: m.AuditEvent) -> dict[str, Any]:
    return {
        "chain": e.chain,
        "seq": e.seq,
        "prev_hash": e.prev_hash,
        "occurred_at": e.occurred_at if e.occurred_at.tzinfo else e.occurred_at.replace(tzinfo=UTC),
        "actor": e.actor,
        "action": e.action,
        "entity_type": e.entity_type,
        "entity_id": e.entity_id,
        "before": e.before,
        "after": e.after,
    }


def _differences(keys: list[str], wanted: dict[str, Any], now: dict[str, Any]) -> str:
    parts = []
    for k in keys:
        old, new = wanted[k], now.get(k)
        if k in _MONEY:
            old, new = format_gbp(Decimal(str(old))), format_gbp(Decimal(str(new)))
        parts.append(f"{k.replace('_', ' ')} {new} where the trail says {old}")
    return "; ".join(parts)
