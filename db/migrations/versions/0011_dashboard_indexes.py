"""Indexes for Home at national scale (1,000,000 purchases).

* purchases (buyer, order date, status, product, lot, quantity, prices), once for forces
  and once for collaborations: a buyer's spend by year, category, supplier and framework
  is read from the index alone. They replace the (buyer, order date) indexes they begin
  with.
* purchases (lot, status, order date, quantity, price): the spend through each framework,
  for the headroom left, without reading the ledger rows.
* purchase_shares (force, purchase, amount): a force's shares of joint purchases.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERED = ["status", "product_id", "lot_id", "quantity", "unit_price", "baseline_unit_price"]
BUYER_INDEXES = [
    ("ix_purchases_force_date", "ix_purchases_force_cover", "buyer_force_id"),
    (
        "ix_purchases_collaboration_date",
        "ix_purchases_collaboration_cover",
        "buyer_collaboration_id",
    ),
]
LOT_COLUMNS = ["lot_id", "status", "order_date", "quantity", "unit_price"]
SHARE_COLUMNS = ["force_id", "purchase_id", "amount"]


def upgrade() -> None:
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        for old, new, buyer in BUYER_INDEXES:
            batch_op.create_index(new, [buyer, "order_date", *COVERED], unique=False)
            batch_op.drop_index(old)
        batch_op.create_index("ix_purchases_lot_cover", LOT_COLUMNS, unique=False)
    with op.batch_alter_table("purchase_shares", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_shares_force_cover", SHARE_COLUMNS, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # the planner's statistics, so that it chooses the new indexes
        op.execute("ANALYZE purchases")
        op.execute("ANALYZE purchase_shares")


def downgrade() -> None:
    with op.batch_alter_table("purchase_shares", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_shares_force_cover")
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_index("ix_purchases_lot_cover")
        for old, new, buyer in reversed(BUYER_INDEXES):
            batch_op.create_index(old, [buyer, "order_date"], unique=False)
            batch_op.drop_index(new)
