"""Purchases change only by new revisions, which the database applies.

Adds ``purchase_revisions`` (see catalogue_app.db.models.PurchaseRevision): one
row per state of a purchase, never changed. Every purchase gets its current
state as its first stored revision (origin "before-revisions"). A trigger
applies each later revision to the purchase's current row and its shares, after
checking that it follows the purchase's current revision; on PostgreSQL the
trigger's function runs with its owner's rights, so a login that may only insert
and read the ledger can still edit, void and restore, and only that way.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from catalogue_app.db.revisions import STATE, fill_first_revisions

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIER_ORIGIN = "before-revisions"

_ASSIGN = ", ".join(f"{c} = NEW.{c}" for c in STATE)

SQLITE_TRIGGER = f"""
CREATE TRIGGER tr_purchase_revisions_apply AFTER INSERT ON purchase_revisions
WHEN NEW.number > 1
BEGIN
    SELECT RAISE(ABORT, 'stale purchase revision')
    WHERE NOT EXISTS (
        SELECT 1 FROM purchases WHERE id = NEW.purchase_id AND revision = NEW.number - 1
    );
    UPDATE purchases SET {_ASSIGN}, revision = NEW.number WHERE id = NEW.purchase_id;
    DELETE FROM purchase_shares WHERE purchase_id = NEW.purchase_id;
    INSERT INTO purchase_shares (purchase_id, force_id, amount)
    SELECT NEW.purchase_id, CAST(key AS INTEGER), value FROM json_each(NEW.shares);
END
"""

POSTGRES_FUNCTION = f"""
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
        INSERT INTO purchase_shares (purchase_id, force_id, amount)
        SELECT NEW.purchase_id, key::integer, value::bigint
        FROM jsonb_each_text(NEW.shares::jsonb);
    END IF;
    RETURN NULL;
END
$$
"""

POSTGRES_TRIGGER = """
CREATE TRIGGER tr_purchase_revisions_apply AFTER INSERT ON purchase_revisions
FOR EACH ROW EXECUTE FUNCTION apply_purchase_revision()
"""


def upgrade() -> None:
    op.create_table(
        "purchase_revisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("purchase_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("replaces", sa.String(length=36), nullable=True),
        sa.Column("origin", sa.String(length=120), nullable=False),
        sa.Column("origin_seq", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_reference", sa.String(length=80), nullable=False),
        sa.Column("buyer_force_id", sa.Integer(), nullable=True),
        sa.Column("buyer_collaboration_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("baseline_unit_price", sa.BigInteger(), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("shares", sa.Text(), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_purchase_revisions"),
        sa.UniqueConstraint("origin", "origin_seq", name="uq_purchase_revisions_origin_seq"),
        sa.UniqueConstraint("purchase_id", "number", name="uq_purchase_revisions_purchase_number"),
    )
    op.create_index("ix_purchase_revisions_purchase_id", "purchase_revisions", ["purchase_id"])
    bind = op.get_bind()
    fill_first_revisions(Session(bind=bind), EARLIER_ORIGIN)
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tr_purchase_revisions_apply ON purchase_revisions")
        op.execute("DROP FUNCTION IF EXISTS apply_purchase_revision()")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_purchase_revisions_apply")
    op.drop_index("ix_purchase_revisions_purchase_id", table_name="purchase_revisions")
    op.drop_table("purchase_revisions")
