"""Changing the ledger: record, preview, edit, void, restore and import purchases.

Nothing is ever deleted: a purchase is voided with a reason. Every change goes
through one audit writer (the values before and after) and every change to an
existing purchase through one optimistic-locking check on its revision, so a
change made by someone else in the meantime is refused with one sentence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.db.constraints import is_duplicate_reference
from catalogue_app.domain.enums import BuyerKind, PurchaseStatus
from catalogue_app.domain.errors import ValidationError
from catalogue_app.interchange.purchases import (
    REQUIRED_COLUMNS,
    TEMPLATE_COLUMNS,
    SourceRow,
    read_purchase_rows,
)
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database
from catalogue_app.services.ledger import queries
from catalogue_app.services.ledger.model import (
    DuplicateReferenceError,
    ImportRejected,
    ImportReport,
    PurchaseDraft,
    RecordedPurchase,
    RowError,
    StaleRevisionError,
    StoredPurchase,
)
from catalogue_app.services.ledger.queries import CHUNK, Lookups
from catalogue_app.services.ledger.rules import ValidPurchase, validate

P = m.Purchase


@dataclass(frozen=True)
class AuditWriter:
    """The one way a ledger change is written to the audit log."""

    session: Session
    actor: str
    now: datetime

    def write(self, action: str, entries: Sequence[tuple[str, Any, Any]]) -> None:
        """One event per (purchase id, values before, values after)."""
        if not entries:
            return
        self.session.execute(
            insert(m.AuditEvent.__table__),
            [
                {
                    "occurred_at": self.now,
                    "actor": self.actor,
                    "action": action,
                    "entity_type": "purchase",
                    "entity_id": purchase_id,
                    "before": _json(before),
                    "after": _json(after),
                }
                for purchase_id, before, after in entries
            ],
        )


def _json(values: Any) -> str | None:
    return json.dumps(values, sort_keys=True) if values is not None else None


def next_revision(
    session: Session, purchase_id: str, expected: int, reference: str, **values: Any
) -> int:
    """Write ``values`` as the revision after ``expected``, or :class:`StaleRevisionError`
    when the stored revision is no longer ``expected`` (someone else changed it first)."""
    done = session.execute(
        update(P)
        .where(P.id == purchase_id, P.revision == expected)
        .values(**values, revision=expected + 1)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise StaleRevisionError(reference)
    return expected + 1


@contextmanager
def _one_active_reference(buyer: str, reference: str) -> Iterator[None]:
    """The database's own rule (one active purchase per buyer and order reference), lost
    in a race with another writer, in the same words as the check made beforehand."""
    try:
        yield
    except IntegrityError as exc:
        if is_duplicate_reference(exc):
            raise DuplicateReferenceError(reference, buyer) from None
        raise


def _purchase_values(v: ValidPurchase) -> dict[str, Any]:
    force = v.buyer.kind is BuyerKind.FORCE
    return {
        "order_reference": v.order_reference,
        "buyer_force_id": v.buyer.id if force else None,
        "buyer_collaboration_id": None if force else v.buyer.id,
        "product_id": v.product.id,
        "lot_id": v.lot.id if v.lot else None,
        "quantity": v.quantity,
        "unit_price": v.unit_price,
        "baseline_unit_price": v.baseline,
        "order_date": v.order_date,
        "notes": v.notes,
    }


def _share_rows(valid: Sequence[ValidPurchase]) -> list[dict[str, Any]]:
    return [
        {"purchase_id": v.id, "force_id": force_ids[code], "amount": amount}
        for v in valid
        if v.shares
        for force_ids in [{mb.code: mb.force_id for mb in v.buyer.members_on(v.order_date)}]
        for code, amount in v.shares.items()
    ]


def _insert(s: Session, valid: Sequence[ValidPurchase], audit: AuditWriter, action: str) -> None:
    s.execute(
        insert(P.__table__),
        [
            {
                **_purchase_values(v),
                "id": v.id,
                "recorded_by": audit.actor,
                "recorded_at": audit.now,
                "status": PurchaseStatus.ACTIVE.value,
                "void_reason": None,
                "revision": 1,
            }
            for v in valid
        ],
    )
    shares = _share_rows(valid)
    if shares:
        s.execute(insert(m.PurchaseShare.__table__), shares)
    audit.write(action, [(v.id, None, v.snapshot()) for v in valid])


class PurchaseService:
    """Record, edit, void, restore and import purchases.

    Built from an :class:`AppContext` (who acts, what day it is) or, as before, from a
    :class:`Database` alone (the system user and clock). ``actor`` and ``today`` given
    to a method win over the context's.
    """

    def __init__(self, source: Database | AppContext) -> None:
        self.context = source if isinstance(source, AppContext) else AppContext(source)
        self.db = self.context.db

    def _audit(self, s: Session, actor: str | None) -> AuditWriter:
        return AuditWriter(s, actor or self.context.actor, self.context.now())

    def record(
        self, draft: PurchaseDraft, actor: str | None = None, *, today: date | None = None
    ) -> RecordedPurchase:
        """Validate and record one purchase, with its shares and audit event, in one go.

        A second active purchase by the same buyer with the same order reference is
        refused with :class:`DuplicateReferenceError` (void the first to reuse it).
        """
        with self.db.transaction() as s:
            v = validate(Lookups(s), draft, today or self.context.today())
            if queries.active_reference_used(s, v.buyer, v.order_reference):
                raise DuplicateReferenceError(v.order_reference, v.buyer.code)
            if s.get(P, v.id) is not None:
                raise ValidationError(f"a purchase with id {v.id} exists already", field="id")
            with _one_active_reference(v.buyer.code, v.order_reference):
                _insert(s, [v], self._audit(s, actor), "create")
        return v.recorded()

    def preview(self, draft: PurchaseDraft, *, today: date | None = None) -> RecordedPurchase:
        """What recording ``draft`` would give (prices, split), or the first broken rule.

        Writes nothing; the purchase dialog calls it as the officer types.
        """
        with self.db.transaction() as s:
            v = validate(Lookups(s), draft, today or self.context.today())
            s.rollback()
        return v.recorded()

    def duplicate_reference(self, buyer: str, order_reference: str, exclude: str = "") -> bool:
        """Whether the buyer already used this order reference on an active purchase."""
        with self.db.transaction() as s:
            found = queries.find_buyer(s, buyer)
            return queries.active_reference_used(s, found, order_reference.strip(), exclude)

    def routes(self, product: str, day: date) -> list[tuple[str, str, str]]:
        """(framework, lot, label) for every lot offering ``product`` on ``day``."""
        with self.db.transaction() as s:
            return [
                (route.framework or "", route.lot or "", f"{route} — {title}")
                for route, title in queries.open_routes(s, product, day)
            ]

    def get(self, purchase_id: str) -> StoredPurchase:
        """A purchase as it is now, with the revision an edit must name."""
        with self.db.transaction() as s:
            return queries.stored(s, purchase_id)

    def edit(
        self,
        purchase_id: str,
        draft: PurchaseDraft,
        actor: str | None = None,
        *,
        expected_revision: int,
        today: date | None = None,
    ) -> RecordedPurchase:
        """Replace a purchase's values with a new revision; the old values stay in the audit log.

        Refused, with the user's input untouched, when someone else saved a newer
        revision since ``expected_revision`` was read (optimistic locking).
        """
        with self.db.transaction() as s:
            before = queries.stored(s, purchase_id)
            if before.revision != expected_revision:
                raise StaleRevisionError(before.order_reference)
            if before.status is not PurchaseStatus.ACTIVE:
                raise ValidationError(
                    f"purchase {before.order_reference} is void; restore it first",
                    field="status",
                )
            v = validate(Lookups(s), replace(draft, id=purchase_id), today or self.context.today())
            if queries.active_reference_used(s, v.buyer, v.order_reference, purchase_id):
                raise DuplicateReferenceError(v.order_reference, v.buyer.code)
            with _one_active_reference(v.buyer.code, v.order_reference):
                revision = next_revision(
                    s, purchase_id, expected_revision, before.order_reference, **_purchase_values(v)
                )
            s.execute(delete(m.PurchaseShare).where(m.PurchaseShare.purchase_id == purchase_id))
            shares = _share_rows([v])
            if shares:
                s.execute(insert(m.PurchaseShare.__table__), shares)
            self._audit(s, actor).write(
                "edit",
                [
                    (
                        purchase_id,
                        {**before.snapshot(), "revision": expected_revision},
                        {**v.snapshot(), "revision": revision},
                    )
                ],
            )
        return v.recorded()

    def void(
        self,
        purchase_id: str,
        reason: str,
        actor: str | None = None,
        *,
        expected_revision: int | None = None,
    ) -> None:
        """Mark a purchase void with a reason; it stays in the ledger and the audit log."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("give a reason for voiding the purchase", field="reason")
        with self.db.transaction() as s:
            before = self._current(s, purchase_id, expected_revision)
            if before.status is PurchaseStatus.VOID:
                raise ValidationError(
                    f"purchase {before.order_reference} is already void", field="status"
                )
            revision = next_revision(
                s,
                purchase_id,
                before.revision,
                before.order_reference,
                status=PurchaseStatus.VOID.value,
                void_reason=reason,
            )
            self._audit(s, actor).write(
                "void",
                [
                    (
                        purchase_id,
                        {"status": PurchaseStatus.ACTIVE.value, "revision": before.revision},
                        {
                            "status": PurchaseStatus.VOID.value,
                            "void_reason": reason,
                            "revision": revision,
                        },
                    )
                ],
            )

    def restore(
        self,
        purchase_id: str,
        actor: str | None = None,
        reason: str = "restored",
        *,
        expected_revision: int | None = None,
    ) -> None:
        """Make a voided purchase active again (the undo of a void, the redo of a record).

        Refused when it is not void, when someone else changed it meanwhile (two undos
        of one void: one restores it, the other is told), and when the buyer has since
        used its order reference on another active purchase.
        """
        with self.db.transaction() as s:
            before = self._current(s, purchase_id, expected_revision)
            if before.status is not PurchaseStatus.VOID:
                raise ValidationError(
                    f"purchase {before.order_reference} is not void; there is nothing to restore",
                    field="status",
                )
            with _one_active_reference(before.buyer, before.order_reference):
                revision = next_revision(
                    s,
                    purchase_id,
                    before.revision,
                    before.order_reference,
                    status=PurchaseStatus.ACTIVE.value,
                    void_reason=None,
                )
            self._audit(s, actor).write(
                "restore",
                [
                    (
                        purchase_id,
                        {
                            "status": PurchaseStatus.VOID.value,
                            "void_reason": before.void_reason,
                            "revision": before.revision,
                        },
                        {
                            "status": PurchaseStatus.ACTIVE.value,
                            "reason": reason,
                            "revision": revision,
                        },
                    )
                ],
            )

    @staticmethod
    def _current(s: Session, purchase_id: str, expected_revision: int | None) -> StoredPurchase:
        current = queries.stored(s, purchase_id)
        if expected_revision is not None and current.revision != expected_revision:
            raise StaleRevisionError(current.order_reference)
        return current

    def import_file(
        self, path: Path, actor: str | None = None, *, today: date | None = None
    ) -> ImportReport:
        """Import a CSV or XLSX file whole, or nothing; see :meth:`import_rows`."""
        return self.import_rows(read_purchase_rows(path), path.name, actor, today=today)

    def import_rows(
        self,
        rows: Sequence[SourceRow | Mapping[str, Any]],
        source: str,
        actor: str | None = None,
        *,
        today: date | None = None,
    ) -> ImportReport:
        """Validate every row with the dialog's rules; land all of them or none.

        A row whose id, or whose buyer and order reference, is already in the
        ledger as an active purchase (or earlier in the file) is counted as
        already present and skipped, so importing the same file twice adds nothing.
        Plain mappings are numbered as the rows after a header.
        """
        located = [
            row if isinstance(row, SourceRow) else SourceRow(source, n, dict(row))
            for n, row in enumerate(rows, start=2)
        ]
        today = today or self.context.today()
        if located:
            missing = [c for c in REQUIRED_COLUMNS if c not in located[0].values]
            if missing:
                raise ImportRejected(
                    source, [RowError(1, c, "the column is missing") for c in missing]
                )
        errors: list[RowError] = []
        with self.db.transaction() as s:
            lookups = Lookups(s)
            lookups.prefetch_products(str(r.values.get("product") or "").strip() for r in located)
            lookups.prefetch_frameworks(
                str(r.values.get("framework") or "").strip() for r in located
            )
            valid: list[ValidPurchase] = []
            for row in located:
                try:
                    valid.append(validate(lookups, _draft(row.values), today))
                except ValidationError as exc:
                    errors.append(RowError(row.row, exc.field or "?", str(exc)))
            if errors:
                raise ImportRejected(source, errors)
            fresh = _not_present(s, valid)
            if fresh:
                with _one_active_reference(fresh[0].buyer.code, fresh[0].order_reference):
                    _insert(s, fresh, self._audit(s, actor), "import")
        return ImportReport(source, len(located), len(fresh), len(located) - len(fresh))


def _draft(values: Mapping[str, Any]) -> PurchaseDraft:
    return PurchaseDraft(
        **{
            k: (str(v) if v is not None and k != "order_date" else v)
            for k, v in values.items()
            if k in TEMPLATE_COLUMNS
        }
    )


def _not_present(s: Session, valid: list[ValidPurchase]) -> list[ValidPurchase]:
    """The purchases of an import that are neither in the ledger nor earlier in the file."""
    ids = [v.id for v in valid]
    present_ids: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        present_ids.update(s.scalars(select(P.id).where(P.id.in_(ids[start : start + CHUNK]))))
    refs = sorted({v.order_reference for v in valid})
    present_refs: set[tuple[str, int | None, int | None]] = set()
    for start in range(0, len(refs), CHUNK):
        present_refs.update(
            (ref, force_id, collaboration_id)
            for ref, force_id, collaboration_id in s.execute(
                select(P.order_reference, P.buyer_force_id, P.buyer_collaboration_id).where(
                    P.order_reference.in_(refs[start : start + CHUNK]),
                    P.status == PurchaseStatus.ACTIVE,
                )
            )
        )
    fresh: list[ValidPurchase] = []
    for v in valid:
        force = v.buyer.kind is BuyerKind.FORCE
        key = (v.order_reference, v.buyer.id if force else None, None if force else v.buyer.id)
        if v.id in present_ids or key in present_refs:
            continue
        present_ids.add(v.id)
        present_refs.add(key)
        fresh.append(v)
    return fresh
