"""Purchase ledger: call-offs, joint-purchase shares, savings targets, audit events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Money columns are whole pence (BIGINT); see catalogue_app.db.types.Money.


def upgrade() -> None:
    op.create_table(
        "purchases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_reference", sa.String(length=80), nullable=False),
        sa.Column("buyer_force_id", sa.Integer(), nullable=True),
        sa.Column("buyer_collaboration_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("baseline_unit_price", sa.BigInteger(), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status = 'active' OR void_reason IS NOT NULL",
            name=op.f("ck_purchases_void_has_reason"),
        ),
        sa.CheckConstraint("status IN ('active', 'void')", name=op.f("ck_purchases_status")),
        sa.CheckConstraint(
            "(buyer_force_id IS NULL) <> (buyer_collaboration_id IS NULL)",
            name=op.f("ck_purchases_one_buyer"),
        ),
        sa.CheckConstraint(
            "baseline_unit_price >= 0", name=op.f("ck_purchases_baseline_not_negative")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchases_quantity_positive")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_purchases_unit_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["buyer_collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_purchases_buyer_collaboration_id_collaborations"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_force_id"], ["forces.id"], name=op.f("fk_purchases_buyer_force_id_forces")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_purchases_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_purchases_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
    )
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_purchases_collaboration_date",
            ["buyer_collaboration_id", "order_date"],
            unique=False,
        )
        batch_op.create_index(
            "ix_purchases_force_date", ["buyer_force_id", "order_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_purchases_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_order_date"), ["order_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_product_id"), ["product_id"], unique=False)

    op.create_table(
        "purchase_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchase_id", sa.String(length=36), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["force_id"], ["forces.id"], name=op.f("fk_purchase_shares_force_id_forces")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["purchases.id"], name=op.f("fk_purchase_shares_purchase_id_purchases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_shares")),
        sa.UniqueConstraint("purchase_id", "force_id", name="uq_purchase_shares_pair"),
    )
    with op.batch_alter_table("purchase_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_shares_force_id"), ["force_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_purchase_shares_purchase_id"), ["purchase_id"], unique=False
        )

    op.create_table(
        "savings_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_force_id", sa.Integer(), nullable=True),
        sa.Column("buyer_collaboration_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("amount_upper", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "(buyer_force_id IS NULL) <> (buyer_collaboration_id IS NULL)",
            name=op.f("ck_savings_targets_one_buyer"),
        ),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_savings_targets_dates_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_savings_targets_buyer_collaboration_id_collaborations"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_force_id"], ["forces.id"], name=op.f("fk_savings_targets_buyer_force_id_forces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings_targets")),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=80), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_entity", ["entity_type", "entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("purchase_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_shares_purchase_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_shares_force_id"))
    op.drop_table("purchase_shares")
    op.drop_table("savings_targets")
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchases_product_id"))
        batch_op.drop_index(batch_op.f("ix_purchases_order_date"))
        batch_op.drop_index(batch_op.f("ix_purchases_lot_id"))
        batch_op.drop_index("ix_purchases_force_date")
        batch_op.drop_index("ix_purchases_collaboration_date")
    op.drop_table("purchases")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_entity")
    op.drop_table("audit_events")
