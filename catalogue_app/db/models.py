"""The catalogue's tables, as typed SQLAlchemy 2.x models.

Money columns use :class:`~catalogue_app.db.types.Money` (exact pence). Natural
keys (codes, references) are unique and are what the CLI and reference data
speak; surrogate integer ids join the tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from uuid6 import uuid7

from catalogue_app.db.types import Money, ScaledDecimal, UTCDateTime
from catalogue_app.domain.pricing import FrameworkTerm

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# One active purchase per (buyer, order reference): a partial unique index for each
# kind of buyer, since the other buyer column is null and nulls never collide.
ONE_PURCHASE_PER_REFERENCE = (
    (
        "uq_purchases_force_reference",
        "buyer_force_id",
        "status = 'active' AND buyer_force_id IS NOT NULL AND reference_repeat = 0",
    ),
    (
        "uq_purchases_collaboration_reference",
        "buyer_collaboration_id",
        "status = 'active' AND buyer_collaboration_id IS NOT NULL AND reference_repeat = 0",
    ),
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    nation: Mapped[str] = mapped_column(String(40))

    forces: Mapped[list[Force]] = relationship(back_populates="region")


class Force(Base):
    __tablename__ = "forces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    short_name: Mapped[str] = mapped_column(String(60))
    welsh_name: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    officer_fte: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    source: Mapped[str] = mapped_column(Text, default="", server_default="")

    region: Mapped[Region | None] = relationship(back_populates="forces")

    __table_args__ = (
        CheckConstraint("kind IN ('territorial', 'national', 'special')", name="kind"),
    )


class Collaboration(Base):
    __tablename__ = "collaborations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    lead_force_id: Mapped[int | None] = mapped_column(ForeignKey("forces.id"))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(Text, default="", server_default="")

    lead_force: Mapped[Force | None] = relationship()
    members: Mapped[list[CollaborationMember]] = relationship(
        back_populates="collaboration", cascade="all, delete-orphan"
    )


class CollaborationMember(Base):
    __tablename__ = "collaboration_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("collaborations.id"))
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"))
    joined_on: Mapped[date]
    left_on: Mapped[date | None]

    collaboration: Mapped[Collaboration] = relationship(back_populates="members")
    force: Mapped[Force] = relationship()

    __table_args__ = (
        UniqueConstraint("collaboration_id", "force_id", name="uq_collaboration_members_pair"),
    )


class Supplier(Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    companies_house_number: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="active")
    # Why and since when a supplier is suspended or excluded (empty while active).
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    status_since: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text, default="", server_default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    identifiers: Mapped[list[SupplierIdentifier]] = relationship(
        order_by="SupplierIdentifier.scheme", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended', 'excluded')", name="status"),
    )


class SupplierIdentifier(Base):
    """An organisation identifier in an org-id.guide scheme (GB-COH is Companies House)."""

    __tablename__ = "supplier_identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(40))
    identifier: Mapped[str] = mapped_column(String(80))

    __table_args__ = (
        UniqueConstraint("scheme", "identifier", name="uq_supplier_identifiers_scheme_identifier"),
    )


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    cpv_code: Mapped[str] = mapped_column(String(10), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    group_name: Mapped[str] = mapped_column(String(40))


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(12))
    accredited_from: Mapped[date | None]
    accredited_to: Mapped[date | None]
    unit: Mapped[str] = mapped_column(String(60))
    list_price: Mapped[Decimal] = mapped_column(Money())
    tags: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(Text, default="", server_default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    supplier: Mapped[Supplier] = relationship()
    category: Mapped[Category] = relationship()
    prices: Mapped[list[ProductPrice]] = relationship(
        order_by="ProductPrice.effective_from", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(
            "status IN ('champion', 'approved', 'challenger', 'withdrawn')", name="status"
        ),
        CheckConstraint("list_price >= 0", name="list_price_not_negative"),
        Index("ix_products_name_code", "name", "code"),
        Index("ix_products_status_code", "status", "code"),
        Index("ix_products_price_code", "list_price", "code"),
    )


class ProductPrice(Base):
    """A product's list price from a day on, until the next version's day.

    ``products.list_price`` keeps the price in force when the product was last
    changed, for sorting and search; every reading for a date uses these rows.
    """

    __tablename__ = "product_prices"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    list_price: Mapped[Decimal] = mapped_column(Money())

    __table_args__ = (
        UniqueConstraint("product_id", "effective_from", name="uq_product_prices_product_from"),
        CheckConstraint("list_price >= 0", name="list_price_not_negative"),
    )


class Framework(Base):
    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(120))
    agreement_type: Mapped[str] = mapped_column(String(60))
    start_date: Mapped[date]
    end_date: Mapped[date]
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    extensions_taken: Mapped[int] = mapped_column(Integer, default=0)
    max_value: Mapped[Decimal | None] = mapped_column(Money())
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(Text, default="", server_default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # A framework withdrawn from the catalogue (replaced, or entered by mistake) keeps
    # its rows, for the purchases made through it.
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    lots: Mapped[list[Lot]] = relationship(
        back_populates="framework", order_by="Lot.number", cascade="all, delete-orphan"
    )

    @property
    def term(self) -> FrameworkTerm:
        return FrameworkTerm(
            self.start_date,
            self.end_date,
            self.extension_count,
            self.extension_months,
            self.extensions_taken,
        )

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint(
            "extensions_taken >= 0 AND extensions_taken <= extension_count",
            name="extensions_within_options",
        ),
    )


lot_suppliers = Table(
    "lot_suppliers",
    Base.metadata,
    Column("lot_id", ForeignKey("lots.id"), primary_key=True),
    Column("supplier_id", ForeignKey("suppliers.id"), primary_key=True),
)


class Lot(Base):
    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    number: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    direct_award: Mapped[bool] = mapped_column(Boolean, default=False)
    further_competition: Mapped[bool] = mapped_column(Boolean, default=True)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)

    framework: Mapped[Framework] = relationship(back_populates="lots")
    suppliers: Mapped[list[Supplier]] = relationship(secondary=lot_suppliers)
    offers: Mapped[list[Offer]] = relationship(back_populates="lot", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("framework_id", "number", name="uq_lots_framework_number"),)


class Offer(Base):
    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    ceiling_unit_price: Mapped[Decimal] = mapped_column(Money())
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    lot: Mapped[Lot] = relationship(back_populates="offers")
    product: Mapped[Product] = relationship()
    price_breaks: Mapped[list[PriceBreakRow]] = relationship(
        order_by="PriceBreakRow.min_quantity", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("lot_id", "product_id", "valid_from", name="uq_offers_lot_product_from"),
    )


class PriceBreakRow(Base):
    __tablename__ = "price_breaks"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    min_quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money())

    __table_args__ = (
        UniqueConstraint("offer_id", "min_quantity", name="uq_price_breaks_offer_qty"),
        CheckConstraint("min_quantity > 1", name="min_quantity_above_one"),
    )


PURCHASE_COVERED = (
    "status",
    "product_id",
    "lot_id",
    "quantity",
    "unit_price",
    "baseline_unit_price",
)


class Purchase(Base):
    """A call-off. Never deleted: a purchase is voided with a reason."""

    __tablename__ = "purchases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid7()))
    order_reference: Mapped[str] = mapped_column(String(80), index=True)
    buyer_force_id: Mapped[int | None] = mapped_column(ForeignKey("forces.id"))
    buyer_collaboration_id: Mapped[int | None] = mapped_column(ForeignKey("collaborations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money())
    baseline_unit_price: Mapped[Decimal] = mapped_column(Money())
    order_date: Mapped[date] = mapped_column(Date, index=True)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    status: Mapped[str] = mapped_column(String(8), default="active")
    void_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # 0 for every purchase recorded since the database itself enforced one active
    # purchase per (buyer, order reference); 1, 2, … for the repeats found when an
    # older database was upgraded, kept as they were and left outside that rule.
    reference_repeat: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()
    buyer_force: Mapped[Force | None] = relationship()
    buyer_collaboration: Mapped[Collaboration | None] = relationship()
    shares: Mapped[list[PurchaseShare]] = relationship(
        back_populates="purchase", cascade="all, delete-orphan"
    )

    __mapper_args__: ClassVar[dict[str, object]] = {"version_id_col": revision}

    __table_args__ = (
        CheckConstraint(
            "(buyer_force_id IS NULL) <> (buyer_collaboration_id IS NULL)", name="one_buyer"
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("baseline_unit_price >= 0", name="baseline_not_negative"),
        CheckConstraint("status IN ('active', 'void')", name="status"),
        CheckConstraint("status = 'active' OR void_reason IS NOT NULL", name="void_has_reason"),
        # a buyer's purchases by date, covering what Home sums (migration 0011)
        *(
            Index(name, buyer, "order_date", *PURCHASE_COVERED)
            for name, buyer in (
                ("ix_purchases_force_cover", "buyer_force_id"),
                ("ix_purchases_collaboration_cover", "buyer_collaboration_id"),
            )
        ),
        Index("ix_purchases_lot_cover", "lot_id", "status", "order_date", "quantity", "unit_price"),
        Index(
            "ix_purchases_period_cover",
            "order_date",
            "status",
            "buyer_force_id",
            "buyer_collaboration_id",
            "quantity",
            "unit_price",
            "baseline_unit_price",
        ),
        Index(
            "ix_purchases_product_cover",
            "product_id",
            "status",
            "quantity",
            "unit_price",
            "baseline_unit_price",
        ),
        *(
            Index(
                name,
                column,
                "order_reference",
                unique=True,
                sqlite_where=text(where),
                postgresql_where=text(where),
            )
            for name, column, where in ONE_PURCHASE_PER_REFERENCE
        ),
    )


class PurchaseRevision(Base):
    """One state of a purchase, as it was recorded, edited, voided or restored. Never changed.

    Revision 1 is written with the purchase. Every later change is a new revision
    (``number`` one more than the revision it replaces); the database applies it to
    the purchase's current row and shares (a trigger, see migration 0010), so a
    login that may only insert and read can still edit, void and restore, and no
    change is possible without leaving its revision. Two changes made from the same
    revision cannot both land: (purchase, number) is unique.

    ``origin`` and ``origin_seq`` say which device (or server login) wrote it and in
    what order, for offline copies merged back.
    """

    __tablename__ = "purchase_revisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid7()))
    purchase_id: Mapped[str] = mapped_column(String(36), index=True)
    number: Mapped[int] = mapped_column(Integer)
    replaces: Mapped[str | None] = mapped_column(String(36))
    origin: Mapped[str] = mapped_column(String(120))
    origin_seq: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(12))
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    order_reference: Mapped[str] = mapped_column(String(80))
    buyer_force_id: Mapped[int | None] = mapped_column(Integer)
    buyer_collaboration_id: Mapped[int | None] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    lot_id: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money())
    baseline_unit_price: Mapped[Decimal] = mapped_column(Money())
    order_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))
    void_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Each member force's share in pence, as JSON {"force id": pence}; "{}" for none.
    shares: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")

    __table_args__ = (
        UniqueConstraint("purchase_id", "number", name="uq_purchase_revisions_purchase_number"),
        UniqueConstraint("origin", "origin_seq", name="uq_purchase_revisions_origin_seq"),
    )


class PurchaseShare(Base):
    """A member force's share of a collaboration's joint purchase, to the penny."""

    __tablename__ = "purchase_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[str] = mapped_column(ForeignKey("purchases.id"), index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("forces.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    # the purchase's, kept in step with it (migration 0014), so that a force's shares in
    # a period are read from one index without looking up each purchase
    order_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))

    purchase: Mapped[Purchase] = relationship(back_populates="shares")
    force: Mapped[Force] = relationship()

    __table_args__ = (
        UniqueConstraint("purchase_id", "force_id", name="uq_purchase_shares_pair"),
        Index(
            "ix_purchase_shares_force_period",
            "force_id",
            "status",
            "order_date",
            "purchase_id",
            "amount",
        ),
    )


class SavingsTarget(Base):
    __tablename__ = "savings_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_force_id: Mapped[int | None] = mapped_column(ForeignKey("forces.id"))
    buyer_collaboration_id: Mapped[int | None] = mapped_column(ForeignKey("collaborations.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money())
    amount_upper: Mapped[Decimal | None] = mapped_column(Money())
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(Text, default="", server_default="")

    buyer_force: Mapped[Force | None] = relationship()
    buyer_collaboration: Mapped[Collaboration | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(buyer_force_id IS NULL) <> (buyer_collaboration_id IS NULL)", name="one_buyer"
        ),
        CheckConstraint("period_end >= period_start", name="dates_in_order"),
    )


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(40))
    # record keys: a purchase id, a code, or an offer's "REF lot N · CODE from DATE"
    entity_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    # The tamper-evident chain (services/audit.py): which chain, the place in it, the
    # hash of the event before and of this event's canonical content.
    chain: Mapped[str | None] = mapped_column(String(120))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("uq_audit_events_chain_seq", "chain", "seq", unique=True),
    )


# The notice tables (published OCDS releases) and the tables merging offline copies
# needs share this metadata.
from catalogue_app.db import bundle_models as _bundle_models  # noqa: E402,F401
from catalogue_app.db import notice_models as _notice_models  # noqa: E402,F401
