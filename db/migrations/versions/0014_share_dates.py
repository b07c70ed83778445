"""Shares of joint purchases carry their purchase's order date and status.

``purchase_shares`` gains ``order_date`` and ``status``, copied from each share's
purchase and kept in step with it: the ledger writes them with the share, and the
revision trigger of 0010 (re-created here) gives the shares it re-inserts the
revision's date and status, so an edit or a void moves them with the purchase. A
force's shares in a period are then read from one index, (force, status, order
date, purchase, amount), without looking up each purchase; it replaces the (force,
purchase, amount) index of 0011, which it begins with in effect for every query
that used it.

On PostgreSQL the trigger's function keeps running with its owner's rights (see
0010 and 0012); ``CREATE OR REPLACE`` keeps its owner and grants.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from catalogue_app.db.revisions import STATE

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEX = ("ix_purchase_shares_force_cover", ["force_id", "purchase_id", "amount"])
NEW_INDEX = (
    "ix_purchase_shares_force_period",
    ["force_id", "status", "order_date", "purchase_id", "amount"],
)

_ASSIGN = ", ".join(f"{c} = NEW.{c}" for c in STATE)


def _sqlite_trigger(dated: bool) -> str:
    columns, values = ("order_date, status", "NEW.order_date, NEW.status") if dated else ("", "")
    return f"""
CREATE TRIGGER tr_purchase_revisions_apply AFTER INSERT ON purchase_revisions
WHEN NEW.number > 1
BEGIN
    SELECT RAISE(ABORT, 'stale purchase revision')
    WHERE NOT EXISTS (
        SELECT 1 FROM purchases WHERE id = NEW.purchase_id AND revision = NEW.number - 1
    );
    UPDATE purchases SET {_ASSIGN}, revision = NEW.number WHERE id = NEW.purchase_id;
    DELETE FROM purchase_shares WHERE purchase_id = NEW.purchase_id;
    INSERT INTO purchase_shares (purchase_id, force_id, amount{", " + columns if dated else ""})
    SELECT NEW.purchase_id, CAST(key AS INTEGER), value{", " + values if dated else ""}
    FROM json_each(NEW.shares);
END
"""


def _postgres_function(dated: bool) -> str:
    columns, values = ("order_date, status", "NEW.order_date, NEW.status") if dated else ("", "")
    return f"""
CREATE OR REPLACE FUNCTION apply_purchase_revision() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF NEW.number > 1 THEN
        UPDATE purchases SET {_ASSIGN}, revision = NEW.number
        WHERE id = NEW.purchase_id AND revision = NEW.number - 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'stale purchase revision';
        END IF;
        DELETE FROM purchase_shares WHERE purchase_id = NEW.purchase_id;
        INSERT INTO purchase_shares (purchase_id, force_id, amount{", " + columns if dated else ""})
        SELECT NEW.purchase_id, key::integer, value::bigint{", " + values if dated else ""}
        FROM jsonb_each_text(NEW.shares::jsonb);
    END IF;
    RETURN NULL;
END
$$
"""


def _apply_revisions(dated: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_postgres_function(dated))
    else:
        op.execute(_sqlite_trigger(dated))


def _drop_sqlite_trigger() -> None:
    # SQLite rebuilds purchase_shares under another name: the trigger naming it goes first
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tr_purchase_revisions_apply")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_sqlite_trigger()
    with op.batch_alter_table("purchase_shares", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=8), nullable=True))
    op.execute(
        "UPDATE purchase_shares SET order_date = p.order_date, status = p.status "
        "FROM purchases p WHERE p.id = purchase_shares.purchase_id"
    )
    with op.batch_alter_table("purchase_shares", schema=None) as batch_op:
        batch_op.alter_column("order_date", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("status", existing_type=sa.String(length=8), nullable=False)
        batch_op.drop_index(OLD_INDEX[0])
        batch_op.create_index(*NEW_INDEX, unique=False)
    _apply_revisions(dated=True)
    if not postgres:
        op.execute("ANALYZE purchase_shares")


def downgrade() -> None:
    _drop_sqlite_trigger()
    with op.batch_alter_table("purchase_shares", schema=None) as batch_op:
        batch_op.drop_index(NEW_INDEX[0])
        batch_op.create_index(*OLD_INDEX, unique=False)
        batch_op.drop_column("status")
        batch_op.drop_column("order_date")
    _apply_revisions(dated=False)
