"""A tamper-evident audit log: every event chained to the one before it.

Widens ``audit_events.entity_id`` to 200 characters (catalogue record keys)
and adds ``chain``, ``seq``, ``prev_hash`` and ``hash`` to it (see
catalogue_app/services/audit.py for what is hashed) and a unique index on
(chain, seq). Events already written are chained, in the order they were
written, into the chain "before-chaining"; new events go to their writer's
chain (its login on a shared server, its device on an embedded file).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from catalogue_app.db.types import UTCDateTime
from catalogue_app.services.audit import EARLIER_CHAIN, GENESIS, event_hash

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        # catalogue keys such as an offer's "REF lot N · CODE from DATE" outgrow 80
        batch_op.alter_column(
            "entity_id", existing_type=sa.String(length=80), type_=sa.String(length=200)
        )
    _chain_earlier_events(op.get_bind())
    op.create_index("uq_audit_events_chain_seq", "audit_events", ["chain", "seq"], unique=True)


def _chain_earlier_events(connection: sa.Connection) -> None:
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("occurred_at", UTCDateTime()),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("entity_type", sa.String()),
        sa.column("entity_id", sa.String()),
        sa.column("before", sa.Text()),
        sa.column("after", sa.Text()),
    )
    rows = connection.execute(
        sa.select(events).order_by(events.c.occurred_at, events.c.id)
    ).mappings()
    previous, updates = GENESIS, []
    for seq, row in enumerate(rows, start=1):
        values = dict(row, chain=EARLIER_CHAIN, seq=seq, prev_hash=previous)
        previous = event_hash(values)
        updates.append(
            {
                "key": row["id"],
                "chain": EARLIER_CHAIN,
                "seq": seq,
                "prev": values["prev_hash"],
                "hash": previous,
            }
        )
    statement = sa.text(
        "UPDATE audit_events SET chain = :chain, seq = :seq, prev_hash = :prev, hash = :hash "
        "WHERE id = :key"
    )
    for start in range(0, len(updates), BATCH):
        connection.execute(statement, updates[start : start + BATCH])


def downgrade() -> None:
    op.drop_index("uq_audit_events_chain_seq", table_name="audit_events")
    # Native DROP COLUMN (SQLite 3.35+), as 0007 does.
    for column in ("hash", "prev_hash", "seq", "chain"):
        op.drop_column("audit_events", column)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column(
            "entity_id", existing_type=sa.String(length=200), type_=sa.String(length=80)
        )
