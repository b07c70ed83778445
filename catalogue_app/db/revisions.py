"""First revisions for purchases inserted in bulk (demonstration and benchmark data).

Purchases the ledger records get their first revision as they are written
(services/ledger/revisions.py); purchases generated in bulk get theirs here, in
one statement, so every purchase has the revision later changes build on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# The purchase values every revision carries (the same as migration 0010's).
STATE = (
    "order_reference",
    "buyer_force_id",
    "buyer_collaboration_id",
    "product_id",
    "lot_id",
    "quantity",
    "unit_price",
    "baseline_unit_price",
    "order_date",
    "status",
    "void_reason",
    "notes",
)


def fill_first_revisions(session: Session, origin: str) -> int:
    """Give every purchase without a revision its current state as revision 1 (or its
    current number), numbered in ``origin``'s sequence after what it holds; return how many."""
    postgres = session.get_bind().dialect.name == "postgresql"
    shares = (
        "(SELECT jsonb_object_agg(s.force_id::text, s.amount)::text "
        "FROM purchase_shares s WHERE s.purchase_id = p.id)"
        if postgres
        else "(SELECT json_group_object(CAST(s.force_id AS TEXT), s.amount) "
        "FROM purchase_shares s WHERE s.purchase_id = p.id)"
    )
    columns = ", ".join(STATE)
    done: Any = session.execute(
        text(
            "INSERT INTO purchase_revisions (id, purchase_id, number, replaces, origin, "
            f"origin_seq, action, recorded_by, recorded_at, {columns}, shares) "
            "SELECT p.id, p.id, p.revision, NULL, CAST(:origin AS VARCHAR(120)), "
            "(SELECT COALESCE(max(origin_seq), 0) FROM purchase_revisions "
            "WHERE origin = CAST(:origin AS VARCHAR(120)))"
            " + ROW_NUMBER() OVER (ORDER BY p.recorded_at, p.id), 'create', p.recorded_by, "
            f"p.recorded_at, {', '.join('p.' + c for c in STATE)}, COALESCE({shares}, '{{}}') "
            "FROM purchases p WHERE NOT EXISTS "
            "(SELECT 1 FROM purchase_revisions r WHERE r.purchase_id = p.id)"
        ),
        {"origin": origin},
    )
    return int(done.rowcount or 0)
