"""Recording call-offs: validation, joint-purchase splits, audit events, imports.

Nothing is ever deleted: a purchase is voided with a reason, and every create
and void writes an audit event with the values before and after.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from catalogue_app.db import models as m
from catalogue_app.domain.errors import CatalogueError, NotFoundError, ValidationError
from catalogue_app.domain.pricing import PriceBreak, unit_price_for_quantity
from catalogue_app.domain.purchases import (
    SplitRule,
    parse_optional_money,
    parse_order_date,
    parse_quantity,
)
from catalogue_app.services.database import Database
from catalogue_app.services.dto import Row

CHUNK = 500
TEMPLATE_COLUMNS = [
    "id",
    "order_reference",
    "buyer",
    "product",
    "framework",
    "lot",
    "quantity",
    "unit_price",
    "baseline_unit_price",
    "order_date",
    "split",
    "notes",
]
REQUIRED_COLUMNS = {"order_reference", "buyer", "product", "quantity", "order_date"}


@dataclass(frozen=True)
class PurchaseDraft:
    """What an officer enters, as text or values; validated by the service."""

    buyer: str
    product: str
    quantity: object
    order_date: object
    order_reference: str
    framework: str | None = None
    lot: str | None = None
    unit_price: object = None
    baseline_unit_price: object = None
    notes: str = ""
    split: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Share(Row):
    force: str
    amount: Decimal


@dataclass(frozen=True)
class RecordedPurchase(Row):
    id: str
    order_reference: str
    buyer: str
    product: str
    route: str
    quantity: int
    unit_price: Decimal
    baseline_unit_price: Decimal
    total: Decimal
    saving: Decimal
    unit_price_overridden: bool
    shares: list[Share] = field(default_factory=list)


@dataclass(frozen=True)
class StoredPurchase(Row):
    """A purchase as stored, in the terms of a draft (codes, not ids)."""

    id: str
    revision: int
    status: str
    void_reason: str | None
    buyer: str
    product: str
    framework: str | None
    lot: str | None
    quantity: int
    unit_price: Decimal
    baseline_unit_price: Decimal
    order_date: date
    order_reference: str
    notes: str
    shares: dict[str, Decimal]

    def draft(self) -> PurchaseDraft:
        split = None
        if self.shares:
            split = "custom:" + ",".join(f"{c}={a:.2f}" for c, a in self.shares.items())
        return PurchaseDraft(
            buyer=self.buyer,
            product=self.product,
            quantity=self.quantity,
            order_date=self.order_date,
            order_reference=self.order_reference,
            framework=self.framework,
            lot=self.lot,
            unit_price=self.unit_price,
            baseline_unit_price=self.baseline_unit_price,
            notes=self.notes,
            split=split,
            id=self.id,
        )

    def snapshot(self) -> dict[str, Any]:
        route = f"{self.framework} lot {self.lot}" if self.framework else "off-framework"
        return {
            "order_reference": self.order_reference,
            "buyer": self.buyer,
            "product": self.product,
            "route": route,
            "quantity": self.quantity,
            "unit_price": f"{self.unit_price:.2f}",
            "baseline_unit_price": f"{self.baseline_unit_price:.2f}",
            "order_date": self.order_date.isoformat(),
            "notes": self.notes,
            "shares": {c: f"{a:.2f}" for c, a in self.shares.items()},
            "status": self.status,
        }


class StaleRevisionError(ValidationError):
    """Someone else saved the purchase first: the edit was not applied."""


class DuplicateReferenceError(ValidationError):
    """The buyer already used this order reference: ask before recording again."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column “{self.column}”: {self.reason}"


class ImportRejected(CatalogueError):
    """The whole file was refused; ``errors`` names every bad row."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source, self.errors = source, errors
        listed = "; ".join(str(e) for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(
            f"{source} was not imported: {len(errors)} bad row{'s' if len(errors) != 1 else ''}"
            f" — {listed}{more}; nothing was written"
        )

    def report(self) -> str:
        lines = [f"{self.source}: {len(self.errors)} bad rows; nothing was written."]
        lines += [f"  {self.source}, {e}" for e in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportReport(Row):
    source: str
    rows: int
    imported: int
    already_present: int


# -- resolving codes to rows, with caches for imports -------------------------------------


@dataclass(frozen=True)
class _Buyer:
    kind: str
    id: int
    code: str
    members: tuple[tuple[str, int, Decimal | None, date, date | None], ...] = ()

    def members_on(self, day: date) -> list[tuple[str, int, Decimal | None]]:
        return [
            (code, fid, fte)
            for code, fid, fte, joined, left in self.members
            if joined <= day and (left is None or day <= left)
        ]


@dataclass(frozen=True)
class _Product:
    id: int
    code: str
    list_price: Decimal
    status: str


@dataclass(frozen=True)
class _Lot:
    id: int
    reference: str
    number: str
    start: date
    effective_end: date
    latest_end: date


@dataclass(frozen=True)
class _Offer:
    ceiling: Decimal
    valid_from: date
    valid_to: date | None
    breaks: tuple[PriceBreak, ...]


class _Resolver:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.buyers: dict[str, _Buyer] = {}
        self.products: dict[str, _Product] = {}
        self.lots: dict[tuple[str, str], _Lot] = {}
        self.frameworks: set[str] = set()
        self.offers: dict[tuple[int, int], list[_Offer]] = {}
        self._load_buyers()

    def _load_buyers(self) -> None:
        for fid, code in self.s.execute(select(m.Force.id, m.Force.code)):
            self.buyers[code] = _Buyer("force", fid, code)
        members: dict[int, list] = {}
        rows = self.s.execute(
            select(
                m.CollaborationMember.collaboration_id,
                m.Force.code,
                m.Force.id,
                m.Force.officer_fte,
                m.CollaborationMember.joined_on,
                m.CollaborationMember.left_on,
            )
            .join(m.Force, m.CollaborationMember.force_id == m.Force.id)
            .order_by(m.Force.code)
        )
        for cid, *member in rows:
            members.setdefault(cid, []).append(tuple(member))
        for cid, code in self.s.execute(select(m.Collaboration.id, m.Collaboration.code)):
            self.buyers[code] = _Buyer("collaboration", cid, code, tuple(members.get(cid, ())))

    def prefetch_frameworks(self, references: Iterable[str]) -> None:
        wanted = sorted(set(references) - self.frameworks - {""})
        for start in range(0, len(wanted), CHUNK):
            rows = self.s.execute(
                select(m.Lot.id, m.Lot.number, m.Framework)
                .join(m.Framework, m.Lot.framework_id == m.Framework.id)
                .where(m.Framework.reference.in_(wanted[start : start + CHUNK]))
            )
            for lot_id, number, fw in rows:
                term = fw.term
                self.lots[(fw.reference, number)] = _Lot(
                    lot_id,
                    fw.reference,
                    number,
                    fw.start_date,
                    term.effective_end,
                    term.latest_possible_end,
                )
        self.frameworks.update(wanted)

    def lot(self, framework: str, number: str) -> _Lot:
        self.prefetch_frameworks([framework])
        lot = self.lots.get((framework, number))
        if lot is not None:
            return lot
        if not any(ref == framework for ref, _ in self.lots):
            raise ValidationError(
                f"no framework has the reference “{framework}”", field="framework"
            )
        raise ValidationError(f"framework {framework} has no lot “{number}”", field="lot")

    def prefetch_products(self, codes: Iterable[str]) -> None:
        wanted = sorted(set(codes) - set(self.products))
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            for pid, code, price, status in self.s.execute(
                select(m.Product.id, m.Product.code, m.Product.list_price, m.Product.status).where(
                    m.Product.code.in_(chunk)
                )
            ):
                self.products[code] = _Product(pid, code, price, status)

    def prefetch_offers(self, pairs: Iterable[tuple[int, int]]) -> None:
        wanted = sorted(set(pairs) - set(self.offers))
        for pair in wanted:
            self.offers[pair] = []
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            offers = self.s.execute(
                select(
                    m.Offer.id,
                    m.Offer.lot_id,
                    m.Offer.product_id,
                    m.Offer.ceiling_unit_price,
                    m.Offer.valid_from,
                    m.Offer.valid_to,
                ).where(tuple_(m.Offer.lot_id, m.Offer.product_id).in_(chunk))
            ).all()
            breaks: dict[int, list[PriceBreak]] = {}
            ids = [o[0] for o in offers]
            for offer_id, qty, price in self.s.execute(
                select(
                    m.PriceBreakRow.offer_id,
                    m.PriceBreakRow.min_quantity,
                    m.PriceBreakRow.unit_price,
                )
                .where(m.PriceBreakRow.offer_id.in_(ids))
                .order_by(m.PriceBreakRow.min_quantity)
            ):
                breaks.setdefault(offer_id, []).append(PriceBreak(qty, price))
            for offer_id, lot_id, product_id, ceiling, valid_from, valid_to in offers:
                self.offers[(lot_id, product_id)].append(
                    _Offer(ceiling, valid_from, valid_to, tuple(breaks.get(offer_id, ())))
                )

    def buyer(self, code: str) -> _Buyer:
        try:
            return self.buyers[code.strip()]
        except KeyError:
            raise ValidationError(
                f"no force or collaboration has the code “{code}”", field="buyer"
            ) from None

    def product(self, code: str) -> _Product:
        code = code.strip()
        if code not in self.products:
            self.prefetch_products([code])
        try:
            return self.products[code]
        except KeyError:
            raise ValidationError(f"no product has the code “{code}”", field="product") from None


@dataclass(frozen=True)
class _Valid:
    """A draft that passed every rule, ready to insert."""

    id: str
    buyer: _Buyer
    product: _Product
    lot: _Lot | None
    quantity: int
    unit_price: Decimal
    baseline: Decimal
    overridden: bool
    order_date: date
    order_reference: str
    notes: str
    shares: dict[str, Decimal]


def _validate(r: _Resolver, d: PurchaseDraft, today: date) -> _Valid:
    buyer = r.buyer(d.buyer or "")
    product = r.product(d.product or "")
    quantity = parse_quantity(d.quantity)
    day = parse_order_date(d.order_date, today)
    unit = parse_optional_money(d.unit_price, "unit_price")
    baseline = parse_optional_money(d.baseline_unit_price, "baseline_unit_price")
    lot = None
    framework = (d.framework or "").strip()
    if framework:
        number = (d.lot or "").strip()
        if not number:
            raise ValidationError(f"give the lot of framework {framework}", field="lot")
        lot = r.lot(framework, number)
        if not (lot.start <= day <= lot.effective_end):
            when = "had not started" if day < lot.start else "had expired"
            ended = lot.start if day < lot.start else lot.effective_end
            raise ValidationError(
                f"framework {framework} {when} on {day.isoformat()} "
                f"({'starts' if day < lot.start else 'ended'} {ended.isoformat()}); choose an "
                "active framework or record the purchase off-framework",
                field="framework",
            )
        r.prefetch_offers([(lot.id, product.id)])
        offers = [
            o
            for o in r.offers[(lot.id, product.id)]
            if o.valid_from <= day and (o.valid_to is None or day <= o.valid_to)
        ]
        if not offers:
            raise ValidationError(
                f"lot {number} of {framework} does not offer {product.code} on {day.isoformat()}",
                field="lot",
            )
        offer = offers[-1]
        proposed = unit_price_for_quantity(offer.ceiling, offer.breaks, quantity)
    elif d.lot:
        raise ValidationError("a lot was given without its framework", field="framework")
    else:
        proposed = product.list_price
    reference = (d.order_reference or "").strip()
    if not reference:
        raise ValidationError("the order reference is missing", field="order_reference")
    if len(reference) > 80:
        raise ValidationError(
            "the order reference is longer than 80 characters", field="order_reference"
        )
    overridden = unit is not None and unit != proposed
    unit = proposed if unit is None else unit
    baseline = product.list_price if baseline is None else baseline
    shares: dict[str, Decimal] = {}
    if buyer.kind == "collaboration":
        members = buyer.members_on(day)
        rule = SplitRule.parse(d.split)
        shares = rule.allocate(unit * quantity, [(code, fte) for code, _, fte in members])
    elif d.split:
        raise ValidationError("only a collaboration's purchase is split", field="split")
    purchase_id = (d.id or "").strip() or str(uuid.uuid4())
    try:
        purchase_id = str(uuid.UUID(purchase_id))
    except ValueError:
        raise ValidationError(f"“{d.id}” is not a purchase id (a UUID)", field="id") from None
    return _Valid(
        purchase_id,
        buyer,
        product,
        lot,
        quantity,
        unit,
        baseline,
        overridden,
        day,
        reference,
        (d.notes or "").strip(),
        shares,
    )


def _purchase_values(v: _Valid, actor: str, now: datetime) -> dict[str, Any]:
    return {
        "id": v.id,
        "order_reference": v.order_reference,
        "buyer_force_id": v.buyer.id if v.buyer.kind == "force" else None,
        "buyer_collaboration_id": v.buyer.id if v.buyer.kind == "collaboration" else None,
        "product_id": v.product.id,
        "lot_id": v.lot.id if v.lot else None,
        "quantity": v.quantity,
        "unit_price": v.unit_price,
        "baseline_unit_price": v.baseline,
        "order_date": v.order_date,
        "recorded_by": actor,
        "recorded_at": now,
        "status": "active",
        "void_reason": None,
        "notes": v.notes,
        "revision": 1,
    }


def _snapshot(v: _Valid) -> dict[str, Any]:
    return {
        "order_reference": v.order_reference,
        "buyer": v.buyer.code,
        "product": v.product.code,
        "route": _route(v),
        "quantity": v.quantity,
        "unit_price": f"{v.unit_price:.2f}",
        "baseline_unit_price": f"{v.baseline:.2f}",
        "order_date": v.order_date.isoformat(),
        "notes": v.notes,
        "shares": {code: f"{amount:.2f}" for code, amount in v.shares.items()},
        "status": "active",
    }


def _stored(s: Session, purchase_id: str) -> StoredPurchase:
    fw = aliased(m.Framework)
    row = s.execute(
        select(
            m.Purchase,
            func.coalesce(m.Force.code, m.Collaboration.code),
            m.Product.code,
            fw.reference,
            m.Lot.number,
        )
        .join(m.Product, m.Purchase.product_id == m.Product.id)
        .outerjoin(m.Force, m.Purchase.buyer_force_id == m.Force.id)
        .outerjoin(m.Collaboration, m.Purchase.buyer_collaboration_id == m.Collaboration.id)
        .outerjoin(m.Lot, m.Purchase.lot_id == m.Lot.id)
        .outerjoin(fw, m.Lot.framework_id == fw.id)
        .where(m.Purchase.id == purchase_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"no purchase has the id {purchase_id}")
    p, buyer, product, framework, lot = row
    shares = dict(
        s.execute(
            select(m.Force.code, m.PurchaseShare.amount)
            .join(m.Force, m.PurchaseShare.force_id == m.Force.id)
            .where(m.PurchaseShare.purchase_id == purchase_id)
            .order_by(m.Force.code)
        ).all()
    )
    return StoredPurchase(
        p.id,
        p.revision,
        p.status,
        p.void_reason,
        buyer,
        product,
        framework,
        lot,
        p.quantity,
        p.unit_price,
        p.baseline_unit_price,
        p.order_date,
        p.order_reference,
        p.notes,
        shares,
    )


def _recorded(v: _Valid) -> RecordedPurchase:
    return RecordedPurchase(
        v.id,
        v.order_reference,
        v.buyer.code,
        v.product.code,
        _route(v),
        v.quantity,
        v.unit_price,
        v.baseline,
        v.unit_price * v.quantity,
        (v.baseline - v.unit_price) * v.quantity,
        v.overridden,
        [Share(code, amount) for code, amount in v.shares.items()],
    )


def _route(v: _Valid) -> str:
    return f"{v.lot.reference} lot {v.lot.number}" if v.lot else "off-framework"


def _audit(actor: str, now: datetime, action: str, entity_id: str, before: Any, after: Any):
    return {
        "occurred_at": now,
        "actor": actor,
        "action": action,
        "entity_type": "purchase",
        "entity_id": entity_id,
        "before": json.dumps(before, sort_keys=True) if before is not None else None,
        "after": json.dumps(after, sort_keys=True) if after is not None else None,
    }


def _insert(s: Session, valid: Sequence[_Valid], actor: str, now: datetime, action: str) -> None:
    s.execute(insert(m.Purchase.__table__), [_purchase_values(v, actor, now) for v in valid])
    force_ids = {code: fid for v in valid for code, fid, _ in v.buyer.members_on(v.order_date)}
    shares = [
        {"purchase_id": v.id, "force_id": force_ids[code], "amount": amount}
        for v in valid
        for code, amount in v.shares.items()
    ]
    if shares:
        s.execute(insert(m.PurchaseShare.__table__), shares)
    s.execute(
        insert(m.AuditEvent.__table__),
        [_audit(actor, now, action, v.id, None, _snapshot(v)) for v in valid],
    )


class PurchaseService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        draft: PurchaseDraft,
        actor: str,
        *,
        today: date | None = None,
        allow_duplicate_reference: bool = False,
    ) -> RecordedPurchase:
        """Validate and record one purchase, with its shares and audit event, in one go."""
        today = today or date.today()
        with self.db.transaction() as s:
            v = _validate(_Resolver(s), draft, today)
            if not allow_duplicate_reference:
                column = (
                    m.Purchase.buyer_force_id
                    if v.buyer.kind == "force"
                    else m.Purchase.buyer_collaboration_id
                )
                used = s.scalar(
                    select(m.Purchase.id)
                    .where(
                        column == v.buyer.id,
                        m.Purchase.order_reference == v.order_reference,
                        m.Purchase.status == "active",
                    )
                    .limit(1)
                )
                if used:
                    raise DuplicateReferenceError(
                        f"order reference {v.order_reference} was already used by "
                        f"{v.buyer.code}; record it again only if this is a different order",
                        field="order_reference",
                    )
            if s.get(m.Purchase, v.id) is not None:
                raise ValidationError(f"a purchase with id {v.id} exists already", field="id")
            _insert(s, [v], actor, datetime.now(UTC), "create")
        return _recorded(v)

    def preview(self, draft: PurchaseDraft, *, today: date | None = None) -> RecordedPurchase:
        """What recording ``draft`` would give (prices, split), or the first broken rule.

        Writes nothing; the purchase dialog calls it as the officer types.
        """
        with self.db.transaction() as s:
            v = _validate(_Resolver(s), draft, today or date.today())
            s.rollback()
        return _recorded(v)

    def duplicate_reference(self, buyer: str, order_reference: str, exclude: str = "") -> bool:
        """Whether the buyer already used this order reference on an active purchase."""
        with self.db.transaction() as s:
            b = _Resolver(s).buyer(buyer)
            column = (
                m.Purchase.buyer_force_id
                if b.kind == "force"
                else m.Purchase.buyer_collaboration_id
            )
            return (
                s.scalar(
                    select(m.Purchase.id)
                    .where(
                        column == b.id,
                        m.Purchase.order_reference == order_reference.strip(),
                        m.Purchase.status == "active",
                        m.Purchase.id != exclude,
                    )
                    .limit(1)
                )
                is not None
            )

    def routes(self, product: str, day: date) -> list[tuple[str, str, str]]:
        """(framework, lot, label) for every lot offering ``product`` on ``day``."""
        with self.db.transaction() as s:
            rows = s.execute(
                select(m.Framework, m.Lot.number, m.Lot.title, m.Offer.valid_from, m.Offer.valid_to)
                .join(m.Lot, m.Lot.framework_id == m.Framework.id)
                .join(m.Offer, m.Offer.lot_id == m.Lot.id)
                .join(m.Product, m.Offer.product_id == m.Product.id)
                .where(m.Product.code == product.strip())
                .order_by(m.Framework.reference, m.Lot.number)
            ).all()
            return [
                (fw.reference, number, f"{fw.reference} lot {number} — {title}")
                for fw, number, title, start, end in rows
                if fw.term.is_active_on(day) and start <= day and (end is None or day <= end)
            ]

    def get(self, purchase_id: str) -> StoredPurchase:
        """A purchase as it is now, with the revision an edit must name."""
        with self.db.transaction() as s:
            return _stored(s, purchase_id)

    def edit(
        self,
        purchase_id: str,
        draft: PurchaseDraft,
        actor: str,
        *,
        expected_revision: int,
        today: date | None = None,
    ) -> RecordedPurchase:
        """Replace a purchase's values with a new revision; the old values stay in the audit log.

        Refused, with the user's input untouched, when someone else saved a newer
        revision since ``expected_revision`` was read (optimistic locking).
        """
        today = today or date.today()
        with self.db.transaction() as s:
            before = _stored(s, purchase_id)
            if before.status != "active":
                raise ValidationError(
                    f"purchase {purchase_id} is void; restore it first", field="status"
                )
            v = _validate(_Resolver(s), replace(draft, id=purchase_id), today)
            values = _purchase_values(v, actor, datetime.now(UTC))
            for key in ("id", "recorded_by", "recorded_at", "status", "void_reason"):
                values.pop(key)
            values["revision"] = expected_revision + 1
            done = s.execute(
                update(m.Purchase)
                .where(m.Purchase.id == purchase_id, m.Purchase.revision == expected_revision)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:
                raise StaleRevisionError(
                    f"purchase {v.order_reference} was changed by someone else since you "
                    "opened it; your changes were not saved. Reload it and apply them again",
                    field="revision",
                )
            s.execute(delete(m.PurchaseShare).where(m.PurchaseShare.purchase_id == purchase_id))
            force_ids = {code: fid for code, fid, _ in v.buyer.members_on(v.order_date)}
            if v.shares:
                s.execute(
                    insert(m.PurchaseShare.__table__),
                    [
                        {"purchase_id": purchase_id, "force_id": force_ids[c], "amount": a}
                        for c, a in v.shares.items()
                    ],
                )
            after = {**_snapshot(v), "revision": expected_revision + 1}
            s.execute(
                insert(m.AuditEvent.__table__),
                [
                    _audit(
                        actor,
                        datetime.now(UTC),
                        "edit",
                        purchase_id,
                        {**before.snapshot(), "revision": expected_revision},
                        after,
                    )
                ],
            )
        return _recorded(v)

    def restore(self, purchase_id: str, actor: str, reason: str = "restored") -> None:
        """Make a voided purchase active again (the undo of a void, the redo of a record)."""
        with self.db.transaction() as s:
            purchase = s.get(m.Purchase, purchase_id)
            if purchase is None:
                raise NotFoundError(f"no purchase has the id {purchase_id}")
            if purchase.status == "active":
                return
            revision = purchase.revision
            s.execute(
                update(m.Purchase)
                .where(m.Purchase.id == purchase_id, m.Purchase.revision == revision)
                .values(status="active", void_reason=None, revision=revision + 1)
                .execution_options(synchronize_session=False)
            )
            s.execute(
                insert(m.AuditEvent.__table__),
                [
                    _audit(
                        actor,
                        datetime.now(UTC),
                        "restore",
                        purchase_id,
                        {
                            "status": "void",
                            "void_reason": purchase.void_reason,
                            "revision": revision,
                        },
                        {"status": "active", "reason": reason, "revision": revision + 1},
                    )
                ],
            )

    def void(self, purchase_id: str, reason: str, actor: str) -> None:
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("give a reason for voiding the purchase", field="reason")
        with self.db.transaction() as s:
            purchase = s.get(m.Purchase, purchase_id)
            if purchase is None:
                raise NotFoundError(f"no purchase has the id {purchase_id}")
            if purchase.status == "void":
                raise ValidationError(f"purchase {purchase_id} is already void", field="status")
            revision = purchase.revision
            done = s.execute(
                update(m.Purchase)
                .where(m.Purchase.id == purchase_id, m.Purchase.revision == revision)
                .values(status="void", void_reason=reason, revision=revision + 1)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:
                raise ValidationError(
                    f"purchase {purchase_id} was changed by someone else; reload and try again",
                    field="revision",
                )
            s.execute(
                insert(m.AuditEvent.__table__),
                [
                    _audit(
                        actor,
                        datetime.now(UTC),
                        "void",
                        purchase_id,
                        {"status": "active", "revision": revision},
                        {"status": "void", "void_reason": reason, "revision": revision + 1},
                    )
                ],
            )

    def import_file(self, path: Path, actor: str, *, today: date | None = None) -> ImportReport:
        """Import a CSV or XLSX file whole, or nothing; see :meth:`import_rows`."""
        rows = read_rows(path)
        return self.import_rows(rows, path.name, actor, today=today)

    def import_rows(
        self,
        rows: list[dict[str, Any]],
        source: str,
        actor: str,
        *,
        today: date | None = None,
    ) -> ImportReport:
        """Validate every row with the dialog's rules; land all of them or none.

        A row whose id, or whose buyer and order reference, is already in the
        ledger (or earlier in the file) is counted as already present and
        skipped, so importing the same file twice adds nothing.
        """
        today = today or date.today()
        errors: list[RowError] = []
        if rows:
            missing = sorted(REQUIRED_COLUMNS - set(rows[0]))
            if missing:
                raise ImportRejected(
                    source, [RowError(1, c, "the column is missing") for c in missing]
                )
        with self.db.transaction() as s:
            r = _Resolver(s)
            r.prefetch_products(str(row.get("product") or "").strip() for row in rows)
            r.prefetch_frameworks(str(row.get("framework") or "").strip() for row in rows)
            valid: list[tuple[int, _Valid]] = []
            for n, row in enumerate(rows, start=2):  # row 1 is the header
                try:
                    draft = PurchaseDraft(
                        **{
                            k: (str(v) if v is not None and k not in ("order_date",) else v)
                            for k, v in row.items()
                            if k in TEMPLATE_COLUMNS
                        }
                    )
                    valid.append((n, _validate(r, draft, today)))
                except ValidationError as exc:
                    errors.append(RowError(n, exc.field or "?", str(exc)))
            if errors:
                raise ImportRejected(source, errors)
            fresh = self._drop_present(s, valid)
            if fresh:
                _insert(s, fresh, actor, datetime.now(UTC), "import")
        return ImportReport(source, len(rows), len(fresh), len(rows) - len(fresh))

    @staticmethod
    def _drop_present(s: Session, valid: list[tuple[int, _Valid]]) -> list[_Valid]:
        ids = [v.id for _, v in valid]
        present_ids: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            present_ids.update(
                s.scalars(
                    select(m.Purchase.id).where(m.Purchase.id.in_(ids[start : start + CHUNK]))
                )
            )
        refs = sorted({v.order_reference for _, v in valid})
        present_refs: set[tuple[str, int | None, int | None]] = set()
        for start in range(0, len(refs), CHUNK):
            present_refs.update(
                (ref, force_id, collaboration_id)
                for ref, force_id, collaboration_id in s.execute(
                    select(
                        m.Purchase.order_reference,
                        m.Purchase.buyer_force_id,
                        m.Purchase.buyer_collaboration_id,
                    ).where(m.Purchase.order_reference.in_(refs[start : start + CHUNK]))
                )
            )
        fresh: list[_Valid] = []
        for _, v in valid:
            key = (
                v.order_reference,
                v.buyer.id if v.buyer.kind == "force" else None,
                v.buyer.id if v.buyer.kind == "collaboration" else None,
            )
            if v.id in present_ids or key in present_refs:
                continue
            present_ids.add(v.id)
            present_refs.add(key)
            fresh.append(v)
        return fresh


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV (UTF-8, with or without BOM) or XLSX file, keyed by header."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text = path.read_text(encoding="utf-8-sig")
            return [
                {k.strip(): v for k, v in row.items() if k is not None}
                for row in csv.DictReader(io.StringIO(text))
            ]
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            sheet = book.worksheets[0]
            values = sheet.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(values, [])]
            rows = [
                dict(zip(header, ("" if v is None else v for v in row), strict=False))
                for row in values
                if any(v not in (None, "") for v in row)
            ]
            book.close()
            return rows
    except FileNotFoundError:
        raise CatalogueError(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise CatalogueError(f"{path.name} is not UTF-8 text; save it as CSV UTF-8") from None
    except (OSError, ValueError, KeyError) as exc:
        raise CatalogueError(f"{path.name} cannot be read: {exc}") from None
    raise CatalogueError(f"{path.name}: only .csv and .xlsx files can be imported")
