"""Writing purchase revisions: the only way a purchase's values change.

A new purchase is inserted with its first revision. Every later change (edit,
void, restore) inserts the purchase's next revision, carrying its whole state;
the database applies it to the purchase's current row and shares (a trigger,
see migration 0010) after checking it follows the current revision, so the
optimistic lock holds even for a client that writes SQL of its own.

Each revision names its origin (this device, or the server login) and its place
in that origin's sequence, which is what an offline copy merged back needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from uuid6 import uuid7

from catalogue_app.db import models as m
from catalogue_app.db.revisions import STATE
from catalogue_app.services.audit import chain_name
from catalogue_app.services.ledger.model import StaleRevisionError

P = m.Purchase
R = m.PurchaseRevision

STALE = "stale purchase revision"


def shares_json(shares: Mapping[int, Decimal]) -> str:
    """Member shares as a revision stores them: {"force id": pence}."""
    return json.dumps(
        {str(force): int(amount * 100) for force, amount in sorted(shares.items())},
        sort_keys=True,
    )


def next_sequence(session: Session, origin: str, count: int) -> int:
    """The first of ``count`` places reserved in ``origin``'s sequence."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:o))"), {"o": f"revisions {origin}"}
        )
    last = session.connection().execute(_LAST_SEQ, {"origin": origin}).scalar()
    return int(last or 0) + 1


_REVISIONS = cast(Table, R.__table__)
# built once, so each use reuses its compiled SQL
_LAST_SEQ = select(func.max(_REVISIONS.c.origin_seq)).where(
    _REVISIONS.c.origin == bindparam("origin")
)
_ADD_REVISIONS = insert(_REVISIONS)


def first_revisions(
    session: Session,
    purchases: Sequence[Mapping[str, Any]],
    shares: Mapping[str, Mapping[int, Decimal]],
    *,
    action: str,
) -> None:
    """Revision 1 of each newly inserted purchase (``purchases``: the rows inserted)."""
    if not purchases:
        return
    origin = chain_name(session)
    seq = next_sequence(session, origin, len(purchases))
    rows = []
    for n, p in enumerate(purchases):
        rows.append(
            {
                "id": p["id"],
                "purchase_id": p["id"],
                "number": 1,
                "replaces": None,
                "origin": origin,
                "origin_seq": seq + n,
                "action": action,
                "recorded_by": p["recorded_by"],
                "recorded_at": p["recorded_at"],
                **{c: p[c] for c in STATE},
                "shares": shares_json(shares.get(p["id"], {})),
            }
        )
    session.connection().execute(_ADD_REVISIONS, rows)


def append_revision(
    session: Session,
    purchase_id: str,
    expected: int,
    reference: str,
    *,
    action: str,
    actor: str,
    now: datetime,
    shares: Mapping[int, Decimal] | None = None,
    **values: Any,
) -> int:
    """Write the revision after ``expected`` with ``values`` (and ``shares``) changed.

    :class:`StaleRevisionError` when the purchase is no longer at ``expected``
    (someone else changed it first); nothing is written then.
    """
    current = session.execute(
        select(*(getattr(P, c) for c in STATE), P.revision).where(P.id == purchase_id)
    ).one_or_none()
    if current is None or current.revision != expected:
        raise StaleRevisionError(reference)
    state = {c: getattr(current, c) for c in STATE} | values
    if shares is None:
        shares = {
            force: amount
            for force, amount in session.execute(
                select(m.PurchaseShare.force_id, m.PurchaseShare.amount).where(
                    m.PurchaseShare.purchase_id == purchase_id
                )
            )
        }
    replaces = session.scalar(
        select(R.id).where(R.purchase_id == purchase_id, R.number == expected)
    )
    origin = chain_name(session)
    row = {
        "id": str(uuid7()),
        "purchase_id": purchase_id,
        "number": expected + 1,
        "replaces": replaces,
        "origin": origin,
        "origin_seq": next_sequence(session, origin, 1),
        "action": action,
        "recorded_by": actor,
        "recorded_at": now,
        **state,
        "shares": shares_json(shares),
    }
    try:
        with session.begin_nested():
            session.execute(insert(cast(Table, R.__table__)), [row])
    except (IntegrityError, DBAPIError) as exc:
        if _is_stale(exc):
            raise StaleRevisionError(reference) from None
        raise
    return expected + 1


def _is_stale(exc: DBAPIError) -> bool:
    message = str(exc.orig)
    return (
        STALE in message
        or "uq_purchase_revisions_purchase_number" in message
        or ("purchase_revisions.purchase_id, purchase_revisions.number" in message)
    )
