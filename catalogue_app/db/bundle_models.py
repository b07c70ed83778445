"""What merging offline copies needs: who this database is, which devices it trusts,
what each bundle brought, and the purchases changed on two sides at once.

- ``database_identity``: one row naming this database (a UUIDv7 made when the table
  was added) and, for a copy made from a bundle, the device and moment it came from.
- ``bundle_devices``: every device whose bundles this database accepts, with its
  public key, and what that device held when it last sent a bundle (its watermark),
  so the next bundle made for it carries only what it lacks.
- ``bundle_merges``: every bundle merged, what it brought, when and by whom.
- ``purchase_conflicts``: a purchase changed on both sides from the same revision
  (or one order reference recorded on both sides for different purchases), with
  the revision kept here and the other side's, until someone resolves it.
- ``purchase_branches``: the other side's revisions that could not land, whole, so
  a resolution can put them in place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalogue_app.db.models import Base
from catalogue_app.db.types import UTCDateTime


class DatabaseIdentity(Base):
    __tablename__ = "database_identity"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # For a copy opened from a full bundle: the device it came from and when that was made.
    copied_from: Mapped[str | None] = mapped_column(String(40))
    copied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BundleDevice(Base):
    __tablename__ = "bundle_devices"

    device_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(80))
    trusted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    trusted_by: Mapped[str] = mapped_column(String(80))
    # What the device held when it made its last bundle merged here (JSON watermark).
    holds: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    last_merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BundleMerge(Base):
    __tablename__ = "bundle_merges"

    bundle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(40), index=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    merged_by: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")


class PurchaseConflict(Base):
    __tablename__ = "purchase_conflicts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purchase_id: Mapped[str] = mapped_column(String(36), index=True)
    # "edit" (changed on both sides), "void" (voided on one, changed on the other),
    # "reference" (one buyer's order reference recorded on both sides).
    kind: Mapped[str] = mapped_column(String(12))
    mine_revision: Mapped[str] = mapped_column(String(36))
    theirs_revision: Mapped[str] = mapped_column(String(36))
    theirs_purchase_id: Mapped[str] = mapped_column(String(36))
    theirs_origin: Mapped[str] = mapped_column(String(120))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolution: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_purchase_conflicts_open", "resolved_at", "purchase_id"),)


class PurchaseBranch(Base):
    __tablename__ = "purchase_branches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the revision's own id
    conflict_id: Mapped[str] = mapped_column(String(36), index=True)
    purchase_id: Mapped[str] = mapped_column(String(36), index=True)
    number: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(120))
    origin_seq: Mapped[int] = mapped_column(BigInteger)
    # The revision as a bundle carries it (catalogue records named by their codes).
    data: Mapped[str] = mapped_column(Text)
