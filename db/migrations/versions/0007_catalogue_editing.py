"""An editable catalogue: list-price history, supplier status and identifiers, withdrawals.

- ``product_prices``: a product's list price from a day on. Every existing
  product gets one version holding its current price, effective from its
  accreditation date (or 1 April 2000 when it has none), so every purchase
  already recorded falls inside a version.
- ``suppliers.status_reason`` and ``status_since``: why and since when a supplier
  is suspended or excluded.
- ``supplier_identifiers``: identifiers by scheme (GB-COH, GB-CFS, …); each
  stored Companies House number becomes a GB-COH identifier.
- ``frameworks.withdrawn_on`` / ``withdrawn_reason`` and ``lots.withdrawn_on``:
  withdrawn rather than deleted, because purchases refer to them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Products with no accreditation date: a version from before any purchase the
# catalogue records (the National Policing Improvement Agency's champion list
# and its frameworks are later than this).
FIRST_VERSION_DAY = "2000-04-01"  # catalogue_app.domain.pricing.FIRST_PRICE_DAY


def upgrade() -> None:
    op.create_table(
        "product_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("list_price", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("list_price >= 0", name="ck_product_prices_list_price_not_negative"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_product_prices_product_id_products"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_product_prices"),
        sa.UniqueConstraint("product_id", "effective_from", name="uq_product_prices_product_from"),
    )
    op.execute(
        "INSERT INTO product_prices (product_id, effective_from, list_price) "
        f"SELECT id, COALESCE(accredited_from, DATE '{FIRST_VERSION_DAY}'), list_price "
        "FROM products"
        if op.get_bind().dialect.name == "postgresql"
        else "INSERT INTO product_prices (product_id, effective_from, list_price) "
        f"SELECT id, COALESCE(accredited_from, '{FIRST_VERSION_DAY}'), list_price FROM products"
    )
    op.create_table(
        "supplier_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=40), nullable=False),
        sa.Column("identifier", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name="fk_supplier_identifiers_supplier_id_suppliers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_supplier_identifiers"),
        sa.UniqueConstraint(
            "scheme", "identifier", name="uq_supplier_identifiers_scheme_identifier"
        ),
    )
    op.create_index("ix_supplier_identifiers_supplier_id", "supplier_identifiers", ["supplier_id"])
    op.execute(
        "INSERT INTO supplier_identifiers (supplier_id, scheme, identifier) "
        "SELECT id, 'GB-COH', companies_house_number FROM suppliers "
        "WHERE companies_house_number IS NOT NULL AND companies_house_number <> ''"
    )
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status_reason", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("status_since", sa.Date(), nullable=True))
    with op.batch_alter_table("frameworks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawn_reason", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+): copying these tables would break the foreign
    # keys that point at them, which SQLite checks inside the migration's transaction.
    op.drop_column("lots", "withdrawn_on")
    op.drop_column("frameworks", "withdrawn_reason")
    op.drop_column("frameworks", "withdrawn_on")
    op.drop_column("suppliers", "status_since")
    op.drop_column("suppliers", "status_reason")
    op.drop_index("ix_supplier_identifiers_supplier_id", table_name="supplier_identifiers")
    op.drop_table("supplier_identifiers")
    op.drop_table("product_prices")
