"""Published notices: every release as published, and each process compiled.

- ``notice_releases`` is the raw layer. A release is kept exactly as published
  (canonical JSON) with its SHA-256; the hash is unique, so importing the same
  release again adds nothing. A release whose id was seen before with other
  content is kept too and flagged ``edited``.
- ``notices`` holds one compiled release per ocid (the process's current state)
  with the fields the lists show: kind, buyer (as published and as matched),
  title, value with its own currency, dates, source.
- ``notice_suppliers`` holds each supplier named in a process and what it was
  matched to in the catalogue: by scheme identifier, by name, or a possible
  duplicate offered for review.
- ``notice_records`` names each catalogue record a process's notice wrote
  (framework, lot, supplier, product, offer), so a publisher's later edit
  updates the same records and each record can say where it came from.
- ``notice_purchases`` links each purchase recorded from a notice to its ocid,
  the award or contract line it came from, the release and the notice's URL.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalogue_app.db.models import Base, utc_now
from catalogue_app.db.types import ScaledDecimal, UTCDateTime


class NoticeRelease(Base):
    __tablename__ = "notice_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ocid: Mapped[str] = mapped_column(String(200), index=True)  # "" when none was given
    release_id: Mapped[str] = mapped_column(String(200))
    release_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tags: Mapped[str] = mapped_column(String(200), default="", server_default="")
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    publisher: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[str] = mapped_column(Text)
    warnings: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    edited: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    __table_args__ = (Index("ix_notice_releases_ocid_release", "ocid", "release_id"),)


class Notice(Base):
    __tablename__ = "notices"

    ocid: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    buyer_name: Mapped[str | None] = mapped_column(String(300))
    buyer_code: Mapped[str | None] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(Text, default="", server_default="")
    value: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    currency: Mapped[str | None] = mapped_column(String(3))
    date: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    first_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publisher: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    cpv: Mapped[str | None] = mapped_column(String(10))
    framework_ocid: Mapped[str | None] = mapped_column(String(200), index=True)
    releases: Mapped[int] = mapped_column(Integer, default=0)
    compiled: Mapped[str] = mapped_column(Text)
    warnings: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")


class NoticeSupplier(Base):
    __tablename__ = "notice_suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ocid: Mapped[str] = mapped_column(String(200), index=True)
    party_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    scheme: Mapped[str | None] = mapped_column(String(40))
    identifier: Mapped[str | None] = mapped_column(String(80))
    supplier_code: Mapped[str | None] = mapped_column(String(80))  # matched in the catalogue
    matched_by: Mapped[str | None] = mapped_column(String(12))  # identifier | name
    possible_duplicate: Mapped[str | None] = mapped_column(String(80))  # offered, never merged

    __table_args__ = (UniqueConstraint("ocid", "party_id", name="uq_notice_suppliers_ocid_party"),)


class NoticeRecord(Base):
    __tablename__ = "notice_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    ocid: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # framework, lot, supplier, product, offer
    key: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("ocid", "kind", "key", name="uq_notice_records_ocid_kind_key"),
        Index("ix_notice_records_kind_key", "kind", "key"),
    )


class NoticePurchase(Base):
    __tablename__ = "notice_purchases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ocid: Mapped[str] = mapped_column(String(200))
    line: Mapped[str] = mapped_column(String(200))  # "award:ID" or "award:ID/item:ID"
    release_id: Mapped[str] = mapped_column(String(200))
    purchase_id: Mapped[str] = mapped_column(ForeignKey("purchases.id"), index=True)
    url: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("ocid", "line", name="uq_notice_purchases_ocid_line"),)
