"""Reading catalogue records from the tables and writing them back.

Each kind has a loader (key → record, or None) and a writer (record → rows).
Writers check that the codes a record refers to exist and name the field when
they do not. They run inside the caller's transaction and write no audit rows:
the editor does that, once per change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.db.reference import cpv_vocabulary
from catalogue_app.domain.pricing import PriceBreak
from catalogue_app.domain.text import join_tags, split_tags
from catalogue_app.services.editing.records import (
    FieldProblem,
    FrameworkRecord,
    Kind,
    LotRecord,
    OfferRecord,
    ProductRecord,
    Record,
    RecordInvalid,
    SupplierRecord,
    kind_of,
)

COMPANIES_HOUSE = "GB-COH"
NEW_CATEGORY_GROUP = "Other"


def _invalid(kind: Kind, name: str, message: str) -> RecordInvalid:
    return RecordInvalid(kind, [FieldProblem(name, message)])


# -- finding rows ------------------------------------------------------------------------------


def supplier_row(s: Session, code: str) -> m.Supplier | None:
    return s.scalar(select(m.Supplier).where(m.Supplier.code == code))


def product_row(s: Session, code: str) -> m.Product | None:
    return s.scalar(select(m.Product).where(m.Product.code == code))


def framework_row(s: Session, reference: str) -> m.Framework | None:
    return s.scalar(select(m.Framework).where(m.Framework.reference == reference))


def lot_row(s: Session, framework: str, number: str) -> m.Lot | None:
    return s.scalar(
        select(m.Lot)
        .join(m.Framework)
        .where(m.Framework.reference == framework, m.Lot.number == number)
    )


def offer_rows(s: Session, framework: str, lot: str, product: str) -> list[m.Offer]:
    """Every price version of one (framework, lot, product), oldest first."""
    return list(
        s.scalars(
            select(m.Offer)
            .join(m.Lot, m.Offer.lot_id == m.Lot.id)
            .join(m.Framework, m.Lot.framework_id == m.Framework.id)
            .join(m.Product, m.Offer.product_id == m.Product.id)
            .where(
                m.Framework.reference == framework,
                m.Lot.number == lot,
                m.Product.code == product,
            )
            .order_by(m.Offer.valid_from)
        )
    )


def _supplier_id(s: Session, kind: Kind, name: str, code: str) -> int:
    found = s.scalar(select(m.Supplier.id).where(m.Supplier.code == code))
    if found is None:
        found = s.scalar(select(m.Supplier.id).where(func.lower(m.Supplier.name) == code.lower()))
    if found is None:
        raise _invalid(kind, name, f"no supplier has the code “{code}”")
    return found


def _category_id(s: Session, cpv: str) -> int:
    """The category for a CPV 2008 code, added from the CPV list the first time it is used."""
    text = cpv.strip()
    found = s.scalar(
        select(m.Category.id).where(
            (m.Category.cpv_code == text) | (func.substr(m.Category.cpv_code, 1, 8) == text[:8])
        )
    )
    if found is not None:
        return found
    vocabulary = cpv_vocabulary()
    full = next((c for c in vocabulary if c[:8] == text[:8]), None) if len(text) >= 8 else None
    if full is None or (len(text) > 8 and text != full):
        raise _invalid(
            Kind.PRODUCT, "category", f"“{cpv}” is not a CPV 2008 code such as 35815100-1"
        )
    row = m.Category(cpv_code=full, label=vocabulary[full], group_name=NEW_CATEGORY_GROUP)
    s.add(row)
    s.flush()
    return row.id


# -- loading -----------------------------------------------------------------------------------


def load(s: Session, kind: Kind, key: tuple[str, ...], today: date) -> Record | None:
    """The record of ``kind`` with ``key`` (its key fields in order), or None."""
    match kind:
        case Kind.SUPPLIER:
            supplier = supplier_row(s, key[0])
            return None if supplier is None else _supplier_record(s, supplier)
        case Kind.PRODUCT:
            product = product_row(s, key[0])
            return None if product is None else _product_record(s, product, today)
        case Kind.FRAMEWORK:
            framework = framework_row(s, key[0])
            return None if framework is None else _framework_record(framework)
        case Kind.LOT:
            lot = lot_row(s, key[0], key[1])
            return None if lot is None else _lot_record(s, key[0], lot)
        case Kind.OFFER:
            day = date.fromisoformat(key[3])
            for offer in offer_rows(s, key[0], key[1], key[2]):
                if offer.valid_from == day:
                    return _offer_record(key[0], key[1], key[2], offer)
            return None
    raise ValueError(kind)


def _supplier_record(s: Session, row: m.Supplier) -> SupplierRecord:
    others = s.execute(
        select(m.SupplierIdentifier.scheme, m.SupplierIdentifier.identifier).where(
            m.SupplierIdentifier.supplier_id == row.id,
            m.SupplierIdentifier.scheme != COMPANIES_HOUSE,
        )
    ).all()
    return SupplierRecord(
        code=row.code,
        name=row.name,
        companies_house_number=row.companies_house_number or "",
        identifiers=tuple(sorted((f"{a}:{b}" for a, b in others), key=str.lower)),
        status=row.status,
        status_reason=row.status_reason or "",
        status_since=row.status_since,
    )


def price_versions(s: Session, product_id: int) -> list[tuple[date, Decimal]]:
    return [
        (day, price)
        for day, price in s.execute(
            select(m.ProductPrice.effective_from, m.ProductPrice.list_price)
            .where(m.ProductPrice.product_id == product_id)
            .order_by(m.ProductPrice.effective_from)
        )
    ]


def version_on(versions: Sequence[tuple[date, Decimal]], day: date) -> tuple[date, Decimal] | None:
    """The version in force on ``day``: the latest from on or before it, else the first."""
    current = None
    for version in versions:
        if version[0] <= day:
            current = version
    return current or (versions[0] if versions else None)


def _product_record(s: Session, row: m.Product, today: date) -> ProductRecord:
    versions = price_versions(s, row.id)
    price_from, price = version_on(versions, today) or (today, row.list_price)
    category = s.scalar(select(m.Category.cpv_code).where(m.Category.id == row.category_id))
    supplier = s.scalar(select(m.Supplier.code).where(m.Supplier.id == row.supplier_id))
    assert category is not None and supplier is not None
    return ProductRecord(
        code=row.code,
        name=row.name,
        category=category,
        supplier=supplier,
        status=row.status,
        unit=row.unit,
        list_price=price,
        price_from=price_from,
        description=row.description or "",
        accredited_from=row.accredited_from,
        accredited_to=row.accredited_to,
        tags=tuple(sorted(set(split_tags(row.tags)), key=str.lower)),
    )


def _framework_record(row: m.Framework) -> FrameworkRecord:
    return FrameworkRecord(
        reference=row.reference,
        title=row.title,
        owner=row.owner,
        route=row.agreement_type,
        start_date=row.start_date,
        end_date=row.end_date,
        extension_count=row.extension_count,
        extension_months=row.extension_months,
        extensions_taken=row.extensions_taken,
        max_value=row.max_value,
        description=row.description or "",
        withdrawn_on=row.withdrawn_on,
        withdrawn_reason=row.withdrawn_reason or "",
    )


def _lot_record(s: Session, framework: str, lot: m.Lot) -> LotRecord:
    suppliers = s.scalars(
        select(m.Supplier.code)
        .join(m.lot_suppliers, m.lot_suppliers.c.supplier_id == m.Supplier.id)
        .where(m.lot_suppliers.c.lot_id == lot.id)
    ).all()
    return LotRecord(
        framework=framework,
        number=lot.number,
        title=lot.title,
        suppliers=tuple(sorted(suppliers, key=str.lower)),
        direct_award=lot.direct_award,
        further_competition=lot.further_competition,
        withdrawn_on=lot.withdrawn_on,
    )


def _offer_record(framework: str, lot: str, product: str, offer: m.Offer) -> OfferRecord:
    return OfferRecord(
        framework=framework,
        lot=lot,
        product=product,
        valid_from=offer.valid_from,
        valid_to=offer.valid_to,
        ceiling_price=offer.ceiling_unit_price,
        price_breaks=tuple(PriceBreak(b.min_quantity, b.unit_price) for b in offer.price_breaks),
    )


# -- writing -----------------------------------------------------------------------------------


def write(s: Session, record: Record, today: date) -> None:
    """Create or update the rows of ``record`` (its key decides which)."""
    match record:
        case SupplierRecord():
            _write_supplier(s, record)
        case ProductRecord():
            _write_product(s, record, today)
        case FrameworkRecord():
            _write_framework(s, record)
        case LotRecord():
            _write_lot(s, record)
        case OfferRecord():
            _write_offer(s, record)
    s.flush()


def _write_supplier(s: Session, r: SupplierRecord) -> None:
    row = supplier_row(s, r.code)
    if row is None:
        row = m.Supplier(code=r.code, illustrative=False)
        s.add(row)
    row.name = r.name
    row.companies_house_number = r.companies_house_number or None
    row.status = r.status
    row.status_reason = r.status_reason
    row.status_since = r.status_since
    s.flush()
    wanted = {tuple(i.split(":", 1)) for i in r.identifiers}
    if r.companies_house_number:
        wanted.add((COMPANIES_HOUSE, r.companies_house_number))
    existing = {
        (scheme, ident): rid
        for rid, scheme, ident in s.execute(
            select(
                m.SupplierIdentifier.id,
                m.SupplierIdentifier.scheme,
                m.SupplierIdentifier.identifier,
            ).where(m.SupplierIdentifier.supplier_id == row.id)
        )
    }
    gone = [rid for pair, rid in existing.items() if pair not in wanted]
    if gone:
        s.execute(delete(m.SupplierIdentifier).where(m.SupplierIdentifier.id.in_(gone)))
    for scheme, ident in sorted(wanted - set(existing)):
        owner = s.scalar(
            select(m.Supplier.code)
            .join(m.SupplierIdentifier, m.SupplierIdentifier.supplier_id == m.Supplier.id)
            .where(m.SupplierIdentifier.scheme == scheme, m.SupplierIdentifier.identifier == ident)
        )
        if owner is not None:
            name = "companies_house_number" if scheme == COMPANIES_HOUSE else "identifiers"
            raise _invalid(
                Kind.SUPPLIER, name, f"{scheme} {ident} already identifies supplier {owner}"
            )
        s.add(m.SupplierIdentifier(supplier_id=row.id, scheme=scheme, identifier=ident))


def _write_product(s: Session, r: ProductRecord, today: date) -> None:
    row = product_row(s, r.code)
    supplier_id = _supplier_id(s, Kind.PRODUCT, "supplier", r.supplier)
    category_id = _category_id(s, r.category)
    if row is None:
        row = m.Product(code=r.code, illustrative=False, source="")
        s.add(row)
    row.name = r.name
    row.description = r.description
    row.supplier_id = supplier_id
    row.category_id = category_id
    row.status = r.status
    row.accredited_from = r.accredited_from
    row.accredited_to = r.accredited_to
    row.unit = r.unit
    row.tags = join_tags(list(r.tags))
    row.list_price = r.list_price  # corrected below once the version is written
    s.flush()
    set_price_version(s, row.id, r.price_from, r.list_price)
    refresh_list_price(s, row, today)


def set_price_version(s: Session, product_id: int, day: date, price: Decimal | None) -> None:
    """Make the version from ``day`` hold ``price`` (None removes it)."""
    version = s.scalar(
        select(m.ProductPrice).where(
            m.ProductPrice.product_id == product_id, m.ProductPrice.effective_from == day
        )
    )
    if price is None:
        if version is not None:
            s.delete(version)
    elif version is None:
        s.add(m.ProductPrice(product_id=product_id, effective_from=day, list_price=price))
    else:
        version.list_price = price
    s.flush()


def refresh_list_price(s: Session, row: m.Product, today: date) -> None:
    """``products.list_price`` follows the version in force today."""
    current = version_on(price_versions(s, row.id), today)
    if current is not None:
        row.list_price = current[1]


def _write_framework(s: Session, r: FrameworkRecord) -> None:
    row = framework_row(s, r.reference)
    if row is None:
        row = m.Framework(reference=r.reference, illustrative=False, source="")
        s.add(row)
    row.title = r.title
    row.owner = r.owner
    row.agreement_type = r.route
    row.start_date = r.start_date
    row.end_date = r.end_date
    row.extension_count = r.extension_count
    row.extension_months = r.extension_months
    row.extensions_taken = r.extensions_taken
    row.max_value = r.max_value
    row.description = r.description
    row.withdrawn_on = r.withdrawn_on
    row.withdrawn_reason = r.withdrawn_reason


def _write_lot(s: Session, r: LotRecord) -> None:
    framework = framework_row(s, r.framework)
    if framework is None:
        raise _invalid(Kind.LOT, "framework", f"no framework has the reference “{r.framework}”")
    lot = lot_row(s, r.framework, r.number)
    if lot is None:
        lot = m.Lot(framework_id=framework.id, number=r.number)
        s.add(lot)
    lot.title = r.title
    lot.direct_award = r.direct_award
    lot.further_competition = r.further_competition
    lot.withdrawn_on = r.withdrawn_on
    s.flush()
    ids = [_supplier_id(s, Kind.LOT, "suppliers", code) for code in r.suppliers]
    s.execute(delete(m.lot_suppliers).where(m.lot_suppliers.c.lot_id == lot.id))
    if ids:
        s.execute(
            m.lot_suppliers.insert(), [{"lot_id": lot.id, "supplier_id": i} for i in set(ids)]
        )


def _write_offer(s: Session, r: OfferRecord) -> None:
    lot = lot_row(s, r.framework, r.lot)
    if lot is None:
        if framework_row(s, r.framework) is None:
            raise _invalid(
                Kind.OFFER, "framework", f"no framework has the reference “{r.framework}”"
            )
        raise _invalid(Kind.OFFER, "lot", f"framework {r.framework} has no lot “{r.lot}”")
    product = product_row(s, r.product)
    if product is None:
        raise _invalid(Kind.OFFER, "product", f"no product has the code “{r.product}”")
    versions = offer_rows(s, r.framework, r.lot, r.product)
    for other in versions:
        if other.valid_from == r.valid_from:
            continue
        other_end = other.valid_to or date.max
        mine_end = r.valid_to or date.max
        if other.valid_from <= mine_end and r.valid_from <= other_end:
            raise _invalid(
                Kind.OFFER,
                "valid_to" if other.valid_from > r.valid_from else "valid_from",
                f"these prices overlap the version from {other.valid_from.isoformat()}; "
                "end one before the other starts",
            )
    offer = next((o for o in versions if o.valid_from == r.valid_from), None)
    if offer is None:
        offer = m.Offer(lot_id=lot.id, product_id=product.id, valid_from=r.valid_from)
        s.add(offer)
    offer.valid_to = r.valid_to
    offer.ceiling_unit_price = r.ceiling_price
    s.flush()
    s.execute(delete(m.PriceBreakRow).where(m.PriceBreakRow.offer_id == offer.id))
    s.flush()
    for b in r.price_breaks:
        s.add(
            m.PriceBreakRow(offer_id=offer.id, min_quantity=b.min_quantity, unit_price=b.unit_price)
        )
    s.expire(offer, ["price_breaks"])


# -- removing (only what nothing refers to) ------------------------------------------------------


def _count(s: Session, table: Any, *where: Any) -> int:
    return int(s.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def references(s: Session, record: Record) -> int:
    """How many rows refer to ``record`` (purchases, offers, products, lots)."""
    match record:
        case SupplierRecord():
            supplier = supplier_row(s, record.code)
            if supplier is None:
                return 0
            return _count(s, m.Product, m.Product.supplier_id == supplier.id) + _count(
                s, m.lot_suppliers, m.lot_suppliers.c.supplier_id == supplier.id
            )
        case ProductRecord():
            product = product_row(s, record.code)
            if product is None:
                return 0
            return _count(s, m.Purchase, m.Purchase.product_id == product.id) + _count(
                s, m.Offer, m.Offer.product_id == product.id
            )
        case FrameworkRecord():
            framework = framework_row(s, record.reference)
            if framework is None:
                return 0
            return _count(s, m.Lot, m.Lot.framework_id == framework.id)
        case LotRecord():
            lot = lot_row(s, record.framework, record.number)
            if lot is None:
                return 0
            return _count(s, m.Purchase, m.Purchase.lot_id == lot.id) + _count(
                s, m.Offer, m.Offer.lot_id == lot.id
            )
    return 0


def remove(s: Session, record: Record) -> None:
    """Delete ``record``'s rows; the caller has checked that nothing refers to them."""
    found: Any = None
    match record:
        case SupplierRecord():
            found = supplier_row(s, record.code)
        case ProductRecord():
            found = product_row(s, record.code)
        case FrameworkRecord():
            found = framework_row(s, record.reference)
        case LotRecord():
            found = lot_row(s, record.framework, record.number)
            if found is not None:
                s.execute(delete(m.lot_suppliers).where(m.lot_suppliers.c.lot_id == found.id))
        case OfferRecord():
            found = next(
                (
                    o
                    for o in offer_rows(s, record.framework, record.lot, record.product)
                    if o.valid_from == record.valid_from
                ),
                None,
            )
    if found is not None:
        s.delete(found)
    s.flush()


def key_of(record: Record) -> tuple[str, ...]:
    match record:
        case SupplierRecord() | ProductRecord():
            return (record.code,)
        case FrameworkRecord():
            return (record.reference,)
        case LotRecord():
            return (record.framework, record.number)
        case OfferRecord():
            return (record.framework, record.lot, record.product, record.valid_from.isoformat())
    raise TypeError(kind_of(record))
