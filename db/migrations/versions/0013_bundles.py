"""Offline copies merged back: this database's identity, trusted devices, merges, conflicts.

Adds ``database_identity`` (one row, made here), ``bundle_devices``,
``bundle_merges``, ``purchase_conflicts`` and ``purchase_branches`` (see
catalogue_app.db.bundle_models).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from uuid6 import uuid7

from catalogue_app.db.types import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    identity = op.create_table(
        "database_identity",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("copied_from", sa.String(length=40), nullable=True),
        sa.Column("copied_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_database_identity"),
    )
    op.bulk_insert(identity, [{"id": str(uuid7()), "created_at": datetime.now(UTC)}])
    op.create_table(
        "bundle_devices",
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.String(length=80), nullable=False),
        sa.Column("trusted_at", UTCDateTime(), nullable=False),
        sa.Column("trusted_by", sa.String(length=80), nullable=False),
        sa.Column("holds", sa.Text(), server_default="{}", nullable=False),
        sa.Column("last_merged_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("device_id", name="pk_bundle_devices"),
    )
    op.create_table(
        "bundle_merges",
        sa.Column("bundle_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("merged_at", UTCDateTime(), nullable=False),
        sa.Column("merged_by", sa.String(length=80), nullable=False),
        sa.Column("summary", sa.Text(), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint("bundle_id", name="pk_bundle_merges"),
    )
    op.create_index("ix_bundle_merges_device_id", "bundle_merges", ["device_id"])
    op.create_table(
        "purchase_conflicts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("purchase_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("mine_revision", sa.String(length=36), nullable=False),
        sa.Column("theirs_revision", sa.String(length=36), nullable=False),
        sa.Column("theirs_purchase_id", sa.String(length=36), nullable=False),
        sa.Column("theirs_origin", sa.String(length=120), nullable=False),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("resolution", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_purchase_conflicts"),
    )
    op.create_index("ix_purchase_conflicts_purchase_id", "purchase_conflicts", ["purchase_id"])
    op.create_index(
        "ix_purchase_conflicts_open", "purchase_conflicts", ["resolved_at", "purchase_id"]
    )
    op.create_table(
        "purchase_branches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("conflict_id", sa.String(length=36), nullable=False),
        sa.Column("purchase_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=120), nullable=False),
        sa.Column("origin_seq", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_purchase_branches"),
    )
    op.create_index("ix_purchase_branches_conflict_id", "purchase_branches", ["conflict_id"])
    op.create_index("ix_purchase_branches_purchase_id", "purchase_branches", ["purchase_id"])


def downgrade() -> None:
    op.drop_index("ix_purchase_branches_purchase_id", table_name="purchase_branches")
    op.drop_index("ix_purchase_branches_conflict_id", table_name="purchase_branches")
    op.drop_table("purchase_branches")
    op.drop_index("ix_purchase_conflicts_open", table_name="purchase_conflicts")
    op.drop_index("ix_purchase_conflicts_purchase_id", table_name="purchase_conflicts")
    op.drop_table("purchase_conflicts")
    op.drop_index("ix_bundle_merges_device_id", table_name="bundle_merges")
    op.drop_table("bundle_merges")
    op.drop_table("bundle_devices")
    op.drop_table("database_identity")
