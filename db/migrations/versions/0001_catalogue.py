"""Reference catalogue: regions, forces, collaborations, suppliers, categories,
products, frameworks, lots, offers and price breaks.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Money columns are whole pence (BIGINT); see catalogue_app.db.types.Money.


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cpv_code", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("group_name", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("cpv_code", name=op.f("uq_categories_cpv_code")),
    )

    op.create_table(
        "frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("agreement_type", sa.String(length=60), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("extension_count", sa.Integer(), nullable=False),
        sa.Column("extension_months", sa.Integer(), nullable=False),
        sa.Column("extensions_taken", sa.Integer(), nullable=False),
        sa.Column("max_value", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.Column("illustrative", sa.Boolean(), server_default="1", nullable=False),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_frameworks_dates_in_order")),
        sa.CheckConstraint(
            "extensions_taken >= 0 AND extensions_taken <= extension_count",
            name=op.f("ck_frameworks_extensions_within_options"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frameworks")),
        sa.UniqueConstraint("reference", name=op.f("uq_frameworks_reference")),
    )

    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("nation", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("code", name=op.f("uq_regions_code")),
    )

    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("companies_house_number", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.Column("illustrative", sa.Boolean(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'excluded')", name=op.f("ck_suppliers_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
    )

    op.create_table(
        "forces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("short_name", sa.String(length=60), nullable=False),
        sa.Column("welsh_name", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("officer_fte", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "kind IN ('territorial', 'national', 'special')", name=op.f("ck_forces_kind")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_forces_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forces")),
        sa.UniqueConstraint("code", name=op.f("uq_forces_code")),
    )

    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("direct_award", sa.Boolean(), nullable=False),
        sa.Column("further_competition", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"], ["frameworks.id"], name=op.f("fk_lots_framework_id_frameworks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("framework_id", "number", name="uq_lots_framework_number"),
    )

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("accredited_from", sa.Date(), nullable=True),
        sa.Column("accredited_to", sa.Date(), nullable=True),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("list_price", sa.BigInteger(), nullable=False),
        sa.Column("tags", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.Column("illustrative", sa.Boolean(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "status IN ('champion', 'approved', 'challenger', 'withdrawn')",
            name=op.f("ck_products_status"),
        ),
        sa.CheckConstraint("list_price >= 0", name=op.f("ck_products_list_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_products_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_products_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("code", name=op.f("uq_products_code")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "collaborations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("lead_force_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_force_id"], ["forces.id"], name=op.f("fk_collaborations_lead_force_id_forces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collaborations")),
        sa.UniqueConstraint("code", name=op.f("uq_collaborations_code")),
    )

    op.create_table(
        "lot_suppliers",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_lot_suppliers_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_lot_suppliers_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("lot_id", "supplier_id", name=op.f("pk_lot_suppliers")),
    )

    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("ceiling_unit_price", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_offers_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_offers_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint(
            "lot_id", "product_id", "valid_from", name="uq_offers_lot_product_from"
        ),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_product_id"), ["product_id"], unique=False)

    op.create_table(
        "collaboration_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["collaboration_id"],
            ["collaborations.id"],
            name=op.f("fk_collaboration_members_collaboration_id_collaborations"),
        ),
        sa.ForeignKeyConstraint(
            ["force_id"], ["forces.id"], name=op.f("fk_collaboration_members_force_id_forces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collaboration_members")),
        sa.UniqueConstraint("collaboration_id", "force_id", name="uq_collaboration_members_pair"),
    )

    op.create_table(
        "price_breaks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("min_quantity > 1", name=op.f("ck_price_breaks_min_quantity_above_one")),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_price_breaks_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_breaks")),
        sa.UniqueConstraint("offer_id", "min_quantity", name="uq_price_breaks_offer_qty"),
    )


def downgrade() -> None:
    op.drop_table("price_breaks")
    op.drop_table("collaboration_members")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_product_id"))
    op.drop_table("offers")
    op.drop_table("lot_suppliers")
    op.drop_table("collaborations")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_products_status"))
        batch_op.drop_index(batch_op.f("ix_products_name"))
        batch_op.drop_index(batch_op.f("ix_products_category_id"))
    op.drop_table("products")
    op.drop_table("lots")
    op.drop_table("forces")
    op.drop_table("suppliers")
    op.drop_table("regions")
    op.drop_table("frameworks")
    op.drop_table("categories")
