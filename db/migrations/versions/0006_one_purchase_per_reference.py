"""One active purchase per (buyer, order reference), enforced by the database.

Before this revision the ledger checked for a used reference by reading and
then inserting, so concurrent writers could record one order twice. Two
partial unique indexes now hold the rule on both backends: one for purchases
by a force, one for purchases by a collaboration (the other buyer column is
null, and nulls never collide in a unique index).

An older database may already hold repeats. The upgrade does not fail and
changes no money: in each group of active purchases by one buyer with one
reference, the first recorded keeps ``reference_repeat = 0`` and the others
are numbered 1, 2, … in the order they were recorded. Numbered repeats stay
in the ledger and in every total, outside the rule, so the people who know
the orders can review them (``Database.repeated_references()`` lists them)
and void the ones that were recorded twice by mistake.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUYER_COLUMNS = ("buyer_force_id", "buyer_collaboration_id")


def _index_name(column: str) -> str:
    return f"uq_purchases_{column.removeprefix('buyer_').removesuffix('_id')}_reference"


def _where(column: str) -> sa.TextClause:
    return sa.text(f"status = 'active' AND {column} IS NOT NULL AND reference_repeat = 0")


def _number_repeats(connection: sa.Connection) -> None:
    for column in BUYER_COLUMNS:
        groups = connection.execute(
            sa.text(
                f"SELECT {column}, order_reference FROM purchases "
                f"WHERE status = 'active' AND {column} IS NOT NULL "
                f"GROUP BY {column}, order_reference HAVING count(*) > 1"
            )
        ).all()
        for buyer, reference in groups:
            ids = (
                connection.execute(
                    sa.text(
                        f"SELECT id FROM purchases WHERE status = 'active' AND {column} = :buyer "
                        "AND order_reference = :reference ORDER BY recorded_at, id"
                    ),
                    {"buyer": buyer, "reference": reference},
                )
                .scalars()
                .all()
            )
            connection.execute(
                sa.text("UPDATE purchases SET reference_repeat = :n WHERE id = :id"),
                [{"n": n, "id": pid} for n, pid in enumerate(ids) if n],
            )


def upgrade() -> None:
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reference_repeat", sa.Integer(), nullable=False, server_default="0")
        )
    _number_repeats(op.get_bind())
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        for column in BUYER_COLUMNS:
            batch_op.create_index(
                _index_name(column),
                [column, "order_reference"],
                unique=True,
                sqlite_where=_where(column),
                postgresql_where=_where(column),
            )


def downgrade() -> None:
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        for column in reversed(BUYER_COLUMNS):
            batch_op.drop_index(_index_name(column))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.dialect.dbapi.sqlite_version_info >= (3, 35):
        # A native DROP COLUMN: copying the table would break the foreign keys of
        # purchase_shares, which SQLite checks inside the migration's transaction.
        op.execute("ALTER TABLE purchases DROP COLUMN reference_repeat")
        return
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_column("reference_repeat")
