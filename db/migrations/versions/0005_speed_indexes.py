"""Indexes for speed at national scale (100,000 products, 1,000,000 purchases).

* products (name, code), (list_price, code), (status, code): the orders the
  products table offers, so that showing any page, the last of 100,000
  included, walks an index instead of sorting every row.
* purchases (order_date, status, buyers, quantity, prices): covers spend and
  savings for a period without reading the wide ledger rows.
* purchases (product_id, status, quantity, prices): covers spend by category
  and what forces paid for a product.
* SQLite full-text search ranks with weighted bm25: a match in the code counts
  most, then the name, supplier, tags, description and category.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERIOD_COLUMNS = [
    "order_date",
    "status",
    "buyer_force_id",
    "buyer_collaboration_id",
    "quantity",
    "unit_price",
    "baseline_unit_price",
]
PRODUCT_COLUMNS = ["product_id", "status", "quantity", "unit_price", "baseline_unit_price"]


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_name")
        batch_op.drop_index("ix_products_status")
        batch_op.create_index("ix_products_name_code", ["name", "code"], unique=False)
        batch_op.create_index("ix_products_status_code", ["status", "code"], unique=False)
        batch_op.create_index("ix_products_price_code", ["list_price", "code"], unique=False)
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.create_index("ix_purchases_period_cover", PERIOD_COLUMNS, unique=False)
        batch_op.create_index("ix_purchases_product_cover", PRODUCT_COLUMNS, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "INSERT INTO product_search (product_search, rank) "
            "VALUES ('rank', 'bm25(10.0, 5.0, 1.0, 3.0, 2.0, 1.0)')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO product_search (product_search, rank) VALUES ('rank', 'bm25()')")
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_index("ix_purchases_product_cover")
        batch_op.drop_index("ix_purchases_period_cover")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_price_code")
        batch_op.drop_index("ix_products_status_code")
        batch_op.drop_index("ix_products_name_code")
        batch_op.create_index("ix_products_status", ["status"], unique=False)
        batch_op.create_index("ix_products_name", ["name"], unique=False)
