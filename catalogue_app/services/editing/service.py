"""Changing the catalogue: create, edit, withdraw, reinstate, undo and redo, all audited.

Every change is a pair of records, before and after, written in one
transaction with one audit event per record. A record that anything refers to
is never deleted: products, frameworks, lots and offers are withdrawn, suppliers
suspended or excluded. Undo writes the "before" records back (removing only a
record the change itself created, and only while nothing refers to it).

An edit names the record as the editor read it; when the stored record differs
by then (someone else saved first) the edit is refused with one sentence and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.enums import ProductStatus, PurchaseStatus, SupplierStatus
from catalogue_app.domain.errors import CatalogueError, NotFoundError, ValidationError
from catalogue_app.domain.pricing import PriceBreak
from catalogue_app.services.audit import AuditWriter
from catalogue_app.services.changes import CatalogueChanged
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database
from catalogue_app.services.editing import store
from catalogue_app.services.editing.records import (
    FrameworkRecord,
    Kind,
    LotRecord,
    OfferRecord,
    ProductRecord,
    Record,
    RecordInvalid,
    SupplierRecord,
    kind_of,
    snapshot,
)

RECENT_DAYS = 365


class StaleRecordError(CatalogueError):
    """The record was changed by someone else since it was read."""

    def __init__(self, kind: Kind, key: str) -> None:
        super().__init__(
            f"{kind.label} {key} was changed by someone else since you opened it; "
            "open it again to see their change, then make yours"
        )


@dataclass(frozen=True)
class Change:
    """One record before and after one change (None before: created; None after: removed)."""

    kind: Kind
    action: str
    before: Record | None
    after: Record | None
    # A product's list-price version this change wrote: its day and the price it
    # held before (None when the version is new), so undo can put it back.
    price_version: tuple[date, Decimal | None] | None = None

    @property
    def record(self) -> Record:
        """The record changed: as it is after the change, or as it was before a removal."""
        record = self.after or self.before
        assert record is not None
        return record

    @property
    def key(self) -> str:
        return self.record.key

    @property
    def is_new(self) -> bool:
        return self.before is None


@dataclass(frozen=True)
class EditResult:
    changes: tuple[Change, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def notice(self) -> CatalogueChanged:
        """What the change touched, for the open views."""
        products, suppliers, frameworks = set(), set(), set()
        for c in self.changes:
            for r in (c.before, c.after):
                match r:
                    case ProductRecord():
                        products.add(r.code)
                        suppliers.add(r.supplier)
                    case SupplierRecord():
                        suppliers.add(r.code)
                    case FrameworkRecord() | LotRecord():
                        frameworks.add(r.framework if isinstance(r, LotRecord) else r.reference)
                    case OfferRecord():
                        products.add(r.product)
                        frameworks.add(r.framework)
        # A supplier's status shows on every product it makes: read them all again.
        unbounded = any(c.kind is Kind.SUPPLIER for c in self.changes)
        return CatalogueChanged(
            products=frozenset(products),
            suppliers=frozenset(suppliers),
            frameworks=frozenset(frameworks),
            unbounded=unbounded,
        )

    def counts(self) -> dict[str, int]:
        """How many records were added, changed and withdrawn."""
        out = {"added": 0, "changed": 0, "withdrawn": 0}
        for c in self.changes:
            if c.before is None:
                out["added"] += 1
            elif c.action in ("withdraw", "suspend", "exclude") or _newly_withdrawn(c):
                out["withdrawn"] += 1
            else:
                out["changed"] += 1
        return out


def _newly_withdrawn(c: Change) -> bool:
    return (
        c.before is not None
        and c.after is not None
        and (not is_withdrawn(c.before) and is_withdrawn(c.after))
    )


def is_withdrawn(record: Record) -> bool:
    match record:
        case ProductRecord():
            return record.status == ProductStatus.WITHDRAWN.value
        case SupplierRecord():
            return record.status != SupplierStatus.ACTIVE.value
        case FrameworkRecord() | LotRecord():
            return record.withdrawn_on is not None
    return False


@dataclass(frozen=True)
class Consequences:
    """What withdrawing or suspending a record touches, shown before it is confirmed."""

    products: int
    recent_purchases: int
    offers_in_force: int

    def sentence(self) -> str:
        parts = []
        if self.products:
            parts.append(_count(self.products, "product"))
        parts.append(_count(self.recent_purchases, "purchase") + " in the last 12 months")
        parts.append(_count(self.offers_in_force, "framework offer") + " in force today")
        return ", ".join(parts)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class _DryRun(Exception):
    def __init__(self, result: EditResult) -> None:
        super().__init__("dry run")
        self.result = result


def as_key(key: str | Sequence[str]) -> tuple[str, ...]:
    return (key,) if isinstance(key, str) else tuple(key)


class CatalogueEditor:
    """The one way the catalogue is changed, from the forms, the CLI and spreadsheet imports."""

    def __init__(self, source: Database | AppContext) -> None:
        self.context = source if isinstance(source, AppContext) else AppContext(source)
        self.db = self.context.db

    # -- reading -------------------------------------------------------------------------

    def get(self, kind: Kind, key: str | Sequence[str]) -> Record:
        with self.db.reading() as s:
            return self._existing(s, kind, as_key(key))

    def find(self, kind: Kind, key: str | Sequence[str]) -> Record | None:
        with self.db.reading() as s:
            return store.load(s, kind, as_key(key), self.context.today())

    def offer_versions(self, framework: str, lot: str, product: str) -> list[OfferRecord]:
        with self.db.reading() as s:
            return self._offer_versions(s, framework, lot, product)

    def _existing(self, s: Session, kind: Kind, key: tuple[str, ...]) -> Record:
        found = store.load(s, kind, key, self.context.today())
        if found is None:
            raise NotFoundError(f"there is no {kind.label} {' '.join(key)}")
        return found

    def _offer_versions(
        self, s: Session, framework: str, lot: str, product: str
    ) -> list[OfferRecord]:
        out = []
        for o in store.offer_rows(s, framework, lot, product):
            found = store.load(
                s, Kind.OFFER, (framework, lot, product, o.valid_from.isoformat()), date.max
            )
            assert isinstance(found, OfferRecord)
            out.append(found)
        return out

    def consequences(self, kind: Kind, key: str | Sequence[str]) -> Consequences:
        """Products, purchases in the last year and offers in force that ``key`` touches."""
        today = self.context.today()
        with self.db.reading() as s:
            record = self._existing(s, kind, as_key(key))
            product_ids = self._product_ids(s, record)
            lot_ids = self._lot_ids(s, record)
            purchases = (
                select(func.count())
                .select_from(m.Purchase)
                .where(
                    m.Purchase.status == PurchaseStatus.ACTIVE.value,
                    m.Purchase.order_date >= today - timedelta(days=RECENT_DAYS),
                )
            )
            offers = (
                select(func.count())
                .select_from(m.Offer)
                .where(
                    m.Offer.valid_from <= today,
                    (m.Offer.valid_to.is_(None)) | (m.Offer.valid_to >= today),
                )
            )
            if product_ids is not None:
                purchases = purchases.where(m.Purchase.product_id.in_(product_ids))
                offers = offers.where(m.Offer.product_id.in_(product_ids))
            if lot_ids is not None:
                purchases = purchases.where(m.Purchase.lot_id.in_(lot_ids))
                offers = offers.where(m.Offer.lot_id.in_(lot_ids))
            if isinstance(record, OfferRecord):
                offers = offers.where(m.Offer.valid_from == record.valid_from)
            return Consequences(
                len(product_ids) if isinstance(record, SupplierRecord) and product_ids else 0,
                s.scalar(purchases) or 0,
                s.scalar(offers) or 0,
            )

    @staticmethod
    def _product_ids(s: Session, record: Record) -> list[int] | None:
        match record:
            case ProductRecord() | OfferRecord():
                code = record.code if isinstance(record, ProductRecord) else record.product
                return list(s.scalars(select(m.Product.id).where(m.Product.code == code)))
            case SupplierRecord():
                return list(
                    s.scalars(
                        select(m.Product.id).join(m.Supplier).where(m.Supplier.code == record.code)
                    )
                )
        return None

    @staticmethod
    def _lot_ids(s: Session, record: Record) -> list[int] | None:
        match record:
            case FrameworkRecord():
                return list(
                    s.scalars(
                        select(m.Lot.id)
                        .join(m.Framework)
                        .where(m.Framework.reference == record.reference)
                    )
                )
            case LotRecord() | OfferRecord():
                lot = store.lot_row(
                    s,
                    record.framework,
                    record.number if isinstance(record, LotRecord) else record.lot,
                )
                return [lot.id] if lot is not None else []
        return None

    # -- changing ------------------------------------------------------------------------

    @contextmanager
    def _writing(self, actor: str | None) -> Iterator[tuple[Session, AuditWriter]]:
        with self.db.transaction() as s:
            yield s, AuditWriter(s, actor or self.context.actor, self.context.now())

    def create(self, record: Record, actor: str | None = None) -> EditResult:
        """Add a new record; refused when one with its key exists already."""
        kind = kind_of(record)
        with self._writing(actor) as (s, audit):
            if store.load(s, kind, store.key_of(record), self.context.today()) is not None:
                raise ValidationError(
                    f"a {kind.label} {record.key} exists already; edit it instead",
                    field=_key_field(kind),
                )
            change = self._write(s, audit, None, record, "create")
        return EditResult((change,))

    def edit(
        self,
        record: Record,
        *,
        expected: Record | None = None,
        action: str = "edit",
        actor: str | None = None,
    ) -> EditResult:
        """Write ``record`` over the stored one with its key.

        ``expected`` is the record as the editor read it: when the stored one differs,
        someone else saved first and :class:`StaleRecordError` is raised.
        """
        kind = kind_of(record)
        with self._writing(actor) as (s, audit):
            before = self._existing(s, kind, store.key_of(record))
            if expected is not None and before != expected:
                raise StaleRecordError(kind, record.key)
            if before == record:
                return EditResult(())
            change = self._write(s, audit, before, record, action)
        return EditResult((change,))

    def withdraw(
        self,
        kind: Kind,
        key: str | Sequence[str],
        *,
        reason: str = "",
        on: date | None = None,
        actor: str | None = None,
    ) -> EditResult:
        """Withdraw a product, framework or lot, or end an offer's prices on ``on``."""
        day = on or self.context.today()
        with self._writing(actor) as (s, audit):
            before = self._existing(s, kind, as_key(key))
            match before:
                case ProductRecord():
                    after: Record = replace(before, status=ProductStatus.WITHDRAWN.value)
                case FrameworkRecord():
                    if not reason.strip():
                        raise ValidationError(
                            "say why the framework is withdrawn", field="withdrawn_reason"
                        )
                    after = replace(before, withdrawn_on=day, withdrawn_reason=reason.strip())
                case LotRecord():
                    after = replace(before, withdrawn_on=day)
                case OfferRecord():
                    if day < before.valid_from:
                        raise ValidationError(
                            f"these prices start on {before.valid_from.isoformat()}; "
                            "they cannot end before that",
                            field="valid_to",
                        )
                    after = replace(before, valid_to=day)
                case SupplierRecord():
                    raise ValidationError(
                        "suppliers are suspended or excluded, not withdrawn", field="status"
                    )
            if is_withdrawn(before) and not isinstance(before, OfferRecord):
                raise ValidationError(f"{kind.label} {before.key} is withdrawn already")
            change = self._write(s, audit, before, after, "withdraw")
        return EditResult((change,))

    def reinstate(
        self, kind: Kind, key: str | Sequence[str], *, actor: str | None = None
    ) -> EditResult:
        """Undo a withdrawal or a supplier's suspension or exclusion."""
        with self._writing(actor) as (s, audit):
            before = self._existing(s, kind, as_key(key))
            if not is_withdrawn(before):
                raise ValidationError(f"{kind.label} {before.key} is not withdrawn or suspended")
            match before:
                case ProductRecord():
                    after: Record = replace(before, status=ProductStatus.APPROVED.value)
                case SupplierRecord():
                    after = replace(
                        before,
                        status=SupplierStatus.ACTIVE.value,
                        status_reason="",
                        status_since=None,
                    )
                case FrameworkRecord():
                    after = replace(before, withdrawn_on=None, withdrawn_reason="")
                case LotRecord():
                    after = replace(before, withdrawn_on=None)
                case _:
                    raise ValidationError(f"{kind.label} {before.key} cannot be reinstated")
            change = self._write(s, audit, before, after, "reinstate")
        return EditResult((change,))

    def suspend(
        self,
        code: str,
        *,
        reason: str,
        since: date | None = None,
        status: SupplierStatus = SupplierStatus.SUSPENDED,
        actor: str | None = None,
    ) -> EditResult:
        """Suspend or exclude a supplier, with a reason and the day it took effect."""
        if not reason.strip():
            raise ValidationError(f"say why the supplier is {status.value}", field="status_reason")
        with self._writing(actor) as (s, audit):
            before = self._existing(s, Kind.SUPPLIER, (code,))
            assert isinstance(before, SupplierRecord)
            after = replace(
                before,
                status=status.value,
                status_reason=reason.strip(),
                status_since=since or self.context.today(),
            )
            if after == before:
                return EditResult(())
            action = "exclude" if status is SupplierStatus.EXCLUDED else "suspend"
            change = self._write(s, audit, before, after, action)
        return EditResult((change,))

    def extend(self, reference: str, *, actor: str | None = None) -> EditResult:
        """Take the next extension option of a framework."""
        with self._writing(actor) as (s, audit):
            before = self._existing(s, Kind.FRAMEWORK, (reference,))
            assert isinstance(before, FrameworkRecord)
            if before.extensions_taken >= before.extension_count:
                raise ValidationError(
                    f"framework {reference} has no extension option left "
                    f"({before.extensions_taken} of {before.extension_count} taken)",
                    field="extensions_taken",
                )
            after = replace(before, extensions_taken=before.extensions_taken + 1)
            change = self._write(s, audit, before, after, "extend")
        return EditResult((change,))

    def set_offer_prices(
        self,
        framework: str,
        lot: str,
        product: str,
        *,
        valid_from: date,
        ceiling: Decimal,
        breaks: Sequence[PriceBreak] = (),
        actor: str | None = None,
    ) -> EditResult:
        """New prices for a product on a lot from ``valid_from``.

        The version in force the day before ends that day; purchases ordered before
        ``valid_from`` keep the prices they were made at. A version that starts on
        ``valid_from`` already has its prices replaced.
        """
        with self._writing(actor) as (s, audit):
            versions = self._offer_versions(s, framework, lot, product)
            changes = []
            same_day = next((v for v in versions if v.valid_from == valid_from), None)
            if same_day is not None:
                after = replace(same_day, ceiling_price=ceiling, price_breaks=tuple(breaks))
                if after != same_day:
                    changes.append(self._write(s, audit, same_day, after, "edit"))
                return EditResult(tuple(changes))
            covering = next(
                (
                    v
                    for v in versions
                    if v.valid_from < valid_from
                    and (v.valid_to is None or valid_from <= v.valid_to)
                ),
                None,
            )
            later = [v.valid_from for v in versions if v.valid_from > valid_from]
            until = covering.valid_to if covering is not None else None
            if covering is None and later:
                until = min(later) - timedelta(days=1)
            if covering is not None:
                closed = replace(covering, valid_to=valid_from - timedelta(days=1))
                changes.append(self._write(s, audit, covering, closed, "edit"))
            new = OfferRecord(framework, lot, product, valid_from, ceiling, until, tuple(breaks))
            changes.append(self._write(s, audit, None, new, "create"))
        return EditResult(tuple(changes))

    def apply(
        self, records: Iterable[Record], *, dry_run: bool = False, actor: str | None = None
    ) -> EditResult:
        """Create or change every record in one transaction: all of them or none.

        Records equal to the stored ones are left alone, so applying an unchanged
        export changes nothing. With ``dry_run`` everything is checked and counted
        and then rolled back.
        """
        try:
            with self._writing(actor) as (s, audit):
                changes = []
                for record in records:
                    kind = kind_of(record)
                    before = store.load(s, kind, store.key_of(record), self.context.today())
                    if before == record:
                        continue
                    action = "create" if before is None else "edit"
                    try:
                        changes.append(self._write(s, audit, before, record, action))
                    except RecordInvalid as exc:
                        exc.record = record  # so a bulk import can name its row
                        raise
                result = EditResult(tuple(changes))
                if dry_run:
                    raise _DryRun(result)
        except _DryRun as done:
            return done.result
        return result

    def write_in(self, s: Session, audit: AuditWriter, records: Iterable[Record]) -> list[Change]:
        """Create or change ``records`` inside the caller's open transaction (an import that
        writes other tables in the same transaction); records equal to the stored ones are
        left alone, so writing the same records again changes nothing."""
        changes = []
        for record in records:
            before = store.load(s, kind_of(record), store.key_of(record), self.context.today())
            if before != record:
                action = "create" if before is None else "edit"
                changes.append(self._write(s, audit, before, record, action))
        return changes

    def undo(self, result: EditResult, *, actor: str | None = None) -> EditResult:
        """Put back what ``result`` changed, last change first."""
        with self._writing(actor) as (s, audit):
            undone = []
            for c in reversed(result.changes):
                current = store.load(
                    s,
                    c.kind,
                    store.key_of(c.record),
                    self.context.today(),
                )
                if current != c.after:
                    raise StaleRecordError(c.kind, c.key)
                if c.before is None:
                    assert c.after is not None
                    used = store.references(s, c.after)
                    if used:
                        raise ValidationError(
                            f"cannot undo adding {c.kind.label} {c.key}: "
                            f"{_count(used, 'record')} now refer to it; withdraw it instead"
                        )
                    store.remove(s, c.after)
                    audit.write(
                        "undo", [(c.key, snapshot(c.after), None)], entity_type=c.kind.value
                    )
                    undone.append(Change(c.kind, "undo", c.after, None))
                    continue
                store.write(s, c.before, self.context.today())
                if c.price_version is not None and isinstance(c.before, ProductRecord):
                    row = store.product_row(s, c.before.code)
                    assert row is not None
                    store.set_price_version(s, row.id, *c.price_version)
                    store.refresh_list_price(s, row, self.context.today())
                audit.write(
                    "undo",
                    [(c.key, snapshot(c.after) if c.after else None, snapshot(c.before))],
                    entity_type=c.kind.value,
                )
                undone.append(Change(c.kind, "undo", c.after, c.before))
        return EditResult(tuple(undone))

    def redo(self, result: EditResult, *, actor: str | None = None) -> EditResult:
        """Make ``result``'s changes again after an undo."""
        with self._writing(actor) as (s, audit):
            redone = []
            for c in result.changes:
                current = store.load(
                    s,
                    c.kind,
                    store.key_of(c.record),
                    self.context.today(),
                )
                if current != c.before:
                    raise StaleRecordError(c.kind, c.key)
                if c.after is None:
                    continue
                redone.append(self._write(s, audit, c.before, c.after, "redo"))
        return EditResult(tuple(redone))

    def _write(
        self,
        s: Session,
        audit: AuditWriter,
        before: Record | None,
        after: Record,
        action: str,
    ) -> Change:
        kind = kind_of(after)
        price_version = None
        if isinstance(after, ProductRecord):
            row = store.product_row(s, after.code)
            if row is not None:
                held = dict(store.price_versions(s, row.id)).get(after.price_from)
                if held != after.list_price:
                    price_version = (after.price_from, held)
            else:
                price_version = (after.price_from, None)
        store.write(s, after, self.context.today())
        audit.write(
            action,
            [(after.key, snapshot(before) if before else None, snapshot(after))],
            entity_type=kind.value,
        )
        return Change(kind, action, before, after, price_version)


def _key_field(kind: Kind) -> str:
    return {
        Kind.SUPPLIER: "code",
        Kind.PRODUCT: "code",
        Kind.FRAMEWORK: "reference",
        Kind.LOT: "number",
        Kind.OFFER: "valid_from",
    }[kind]
