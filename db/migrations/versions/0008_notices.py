"""Published notices (OCDS): the raw releases, each process compiled, suppliers named.

- ``notice_releases``: every release as published (canonical JSON, SHA-256
  unique, so a re-import adds nothing), its ocid, id, UTC date, tags, source
  file and position, publisher, warnings, and whether the publisher edited it.
- ``notices``: one compiled release per ocid with the fields lists show.
- ``notice_suppliers``: suppliers named in a process and their catalogue match.
- ``notice_records``: the catalogue records each process's notice wrote.
- ``notice_purchases``: each purchase recorded from a notice, with its ocid,
  award or contract line, release and the notice's URL.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notice_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ocid", sa.String(length=200), nullable=False),
        sa.Column("release_id", sa.String(length=200), nullable=False),
        sa.Column("release_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tags", sa.String(length=200), server_default="", nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("publisher", sa.String(length=300), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("warnings", sa.Text(), server_default="[]", nullable=False),
        sa.Column("edited", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_releases")),
        sa.UniqueConstraint("sha256", name=op.f("uq_notice_releases_sha256")),
    )
    op.create_index(op.f("ix_notice_releases_ocid"), "notice_releases", ["ocid"])
    op.create_index("ix_notice_releases_ocid_release", "notice_releases", ["ocid", "release_id"])
    op.create_table(
        "notices",
        sa.Column("ocid", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("buyer_name", sa.String(length=300), nullable=True),
        sa.Column("buyer_code", sa.String(length=40), nullable=True),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publisher", sa.String(length=300), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("cpv", sa.String(length=10), nullable=True),
        sa.Column("framework_ocid", sa.String(length=200), nullable=True),
        sa.Column("releases", sa.Integer(), nullable=False),
        sa.Column("compiled", sa.Text(), nullable=False),
        sa.Column("warnings", sa.Text(), server_default="[]", nullable=False),
        sa.PrimaryKeyConstraint("ocid", name=op.f("pk_notices")),
    )
    op.create_index(op.f("ix_notices_kind"), "notices", ["kind"])
    op.create_index(op.f("ix_notices_buyer_code"), "notices", ["buyer_code"])
    op.create_index(op.f("ix_notices_date"), "notices", ["date"])
    op.create_index(op.f("ix_notices_framework_ocid"), "notices", ["framework_ocid"])
    op.create_table(
        "notice_suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ocid", sa.String(length=200), nullable=False),
        sa.Column("party_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("scheme", sa.String(length=40), nullable=True),
        sa.Column("identifier", sa.String(length=80), nullable=True),
        sa.Column("supplier_code", sa.String(length=80), nullable=True),
        sa.Column("matched_by", sa.String(length=12), nullable=True),
        sa.Column("possible_duplicate", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_suppliers")),
        sa.UniqueConstraint("ocid", "party_id", name="uq_notice_suppliers_ocid_party"),
    )
    op.create_index(op.f("ix_notice_suppliers_ocid"), "notice_suppliers", ["ocid"])
    op.create_table(
        "notice_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ocid", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_records")),
        sa.UniqueConstraint("ocid", "kind", "key", name="uq_notice_records_ocid_kind_key"),
    )
    op.create_index(op.f("ix_notice_records_ocid"), "notice_records", ["ocid"])
    op.create_index("ix_notice_records_kind_key", "notice_records", ["kind", "key"])
    op.create_table(
        "notice_purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ocid", sa.String(length=200), nullable=False),
        sa.Column("line", sa.String(length=200), nullable=False),
        sa.Column("release_id", sa.String(length=200), nullable=False),
        sa.Column("purchase_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchases.id"],
            name=op.f("fk_notice_purchases_purchase_id_purchases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_purchases")),
        sa.UniqueConstraint("ocid", "line", name="uq_notice_purchases_ocid_line"),
    )
    op.create_index(op.f("ix_notice_purchases_purchase_id"), "notice_purchases", ["purchase_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notice_purchases_purchase_id"), table_name="notice_purchases")
    op.drop_table("notice_purchases")
    op.drop_index("ix_notice_records_kind_key", table_name="notice_records")
    op.drop_index(op.f("ix_notice_records_ocid"), table_name="notice_records")
    op.drop_table("notice_records")
    op.drop_index(op.f("ix_notice_suppliers_ocid"), table_name="notice_suppliers")
    op.drop_table("notice_suppliers")
    for column in ("framework_ocid", "date", "buyer_code", "kind"):
        op.drop_index(op.f(f"ix_notices_{column}"), table_name="notices")
    op.drop_table("notices")
    op.drop_index("ix_notice_releases_ocid_release", table_name="notice_releases")
    op.drop_index(op.f("ix_notice_releases_ocid"), table_name="notice_releases")
    op.drop_table("notice_releases")
