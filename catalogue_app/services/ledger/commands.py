"""Changing the ledger: record, preview, edit, void, restore and import purchases.

Nothing is ever deleted: a purchase is voided with a reason. Every change goes
through one audit writer (the values before and after) and every change to an
existing purchase through one optimistic-locking check on its revision, so a
change made by someone else in the meantime is refused with one sentence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal
from difflib import get_close_matches
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.db.constraints import is_duplicate_reference
from catalogue_app.domain.enums import BuyerKind, PurchaseStatus
from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.numbers import shown
from catalogue_app.interchange.purchases import (
    EXPORT_COLUMNS,
    REQUIRED_COLUMNS,
    TEMPLATE_COLUMNS,
    SourceRow,
    read_purchase_rows,
)
from catalogue_app.services.audit import AuditWriter
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database
from catalogue_app.services.ledger import queries
from catalogue_app.services.ledger.model import (
    DuplicateReferenceError,
    ImportRaced,
    ImportRejected,
    ImportReport,
    PurchaseDraft,
    RecordedPurchase,
    RowError,
    StaleRevisionError,
    StoredPurchase,
)
from catalogue_app.services.ledger.queries import Lookups
from catalogue_app.services.ledger.revisions import append_revision, first_revisions
from catalogue_app.services.ledger.rules import ValidPurchase, differences, validate
from catalogue_app.services.ledger.single import OneLookups

P = m.Purchase


def next_revision(
    session: Session,
    audit: AuditWriter,
    action: str,
    purchase_id: str,
    expected: int,
    reference: str,
    *,
    shares: Mapping[int, Decimal] | None = None,
    **values: Any,
) -> int:
    """Write ``values`` as the revision after ``expected`` (the database applies it), or
    :class:`StaleRevisionError` when the stored revision is no longer ``expected``
    (someone else changed it first)."""
    return append_revision(
        session,
        purchase_id,
        expected,
        reference,
        action=action,
        actor=audit.actor,
        now=audit.now,
        shares=shares,
        **values,
    )


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


def purchase_values(v: ValidPurchase) -> dict[str, Any]:
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


_PURCHASES = cast(Table, P.__table__)
# built once, so each use reuses its compiled SQL
_ADD_PURCHASES = insert(_PURCHASES)
_ADD_SHARES = insert(cast(Table, m.PurchaseShare.__table__))
_ID_TAKEN = select(_PURCHASES.c.id).where(_PURCHASES.c.id == bindparam("id"))
_ACTIVE_REFERENCE = {
    kind: select(_PURCHASES.c.id)
    .where(
        column == bindparam("buyer"),
        _PURCHASES.c.order_reference == bindparam("reference"),
        _PURCHASES.c.status == PurchaseStatus.ACTIVE.value,
    )
    .limit(1)
    for kind, column in (
        (BuyerKind.FORCE, _PURCHASES.c.buyer_force_id),
        (BuyerKind.COLLABORATION, _PURCHASES.c.buyer_collaboration_id),
    )
}

_IDS_TAKEN = select(_PURCHASES.c.id).where(_PURCHASES.c.id.in_(bindparam("ids", expanding=True)))
_ACTIVE_REFERENCES = select(_PURCHASES.c.order_reference).where(
    _PURCHASES.c.order_reference.in_(bindparam("references", expanding=True)),
    _PURCHASES.c.status == PurchaseStatus.ACTIVE.value,
)
_CHUNK = 500  # values to one IN (...)
_BATCH = 5_000  # purchases inserted at a time


def _reference_in_use(s: Session, v: ValidPurchase) -> bool:
    """Whether the buyer has an active purchase with the order reference already."""
    found = s.connection().execute(
        _ACTIVE_REFERENCE[v.buyer.kind], {"buyer": v.buyer.id, "reference": v.order_reference}
    )
    return found.first() is not None


def _id_taken(s: Session, purchase_id: str) -> bool:
    return s.connection().execute(_ID_TAKEN, {"id": purchase_id}).first() is not None


def share_rows(valid: Sequence[ValidPurchase]) -> list[dict[str, Any]]:
    return [
        {
            "purchase_id": v.id,
            "force_id": force_ids[code],
            "amount": amount,
            "order_date": v.order_date,
            "status": PurchaseStatus.ACTIVE.value,
        }
        for v in valid
        if v.shares
        for force_ids in [{mb.code: mb.force_id for mb in v.buyer.members_on(v.order_date)}]
        for code, amount in v.shares.items()
    ]


def insert_purchases(
    s: Session, valid: Sequence[ValidPurchase], audit: AuditWriter, action: str
) -> None:
    rows = [
        {
            **purchase_values(v),
            "id": v.id,
            "recorded_by": audit.actor,
            "recorded_at": audit.now,
            "status": PurchaseStatus.ACTIVE.value,
            "void_reason": None,
            "revision": 1,
        }
        for v in valid
    ]
    s.connection().execute(_ADD_PURCHASES, rows)
    shares = share_rows(valid)
    if shares:
        s.connection().execute(_ADD_SHARES, shares)
    by_purchase: dict[str, dict[int, Decimal]] = {}
    for row in shares:
        by_purchase.setdefault(row["purchase_id"], {})[row["force_id"]] = row["amount"]
    first_revisions(s, rows, by_purchase, action=action)
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
            v = validate(OneLookups(s), draft, today or self.context.today())
            if _reference_in_use(s, v):
                raise DuplicateReferenceError(v.order_reference, v.buyer.code)
            # a new id is time-ordered and random: only an id given can already be taken
            if (draft.id or "").strip() and _id_taken(s, v.id):
                raise ValidationError(f"a purchase with id {v.id} exists already", field="id")
            with _one_active_reference(v.buyer.code, v.order_reference):
                insert_purchases(s, [v], self._audit(s, actor), "create")
        return v.recorded()

    def preview(self, draft: PurchaseDraft, *, today: date | None = None) -> RecordedPurchase:
        """What recording ``draft`` would give (prices, split), or the first broken rule.

        Writes nothing; the purchase dialog calls it as the officer types.
        """
        with self.db.reading() as s:
            v = validate(OneLookups(s), draft, today or self.context.today())
        return v.recorded()

    def routes(self, product: str, day: date) -> list[tuple[str, str, str]]:
        """(framework, lot, label) for every lot offering ``product`` on ``day``."""
        with self.db.reading() as s:
            return [
                (route.framework or "", route.lot or "", f"{route} — {title}")
                for route, title in queries.open_routes(s, product, day)
            ]

    def get(self, purchase_id: str) -> StoredPurchase:
        """A purchase as it is now, with the revision an edit must name."""
        with self.db.reading() as s:
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
            day = today or self.context.today()
            v = validate(OneLookups(s), replace(draft, id=purchase_id), day)
            if queries.active_reference_used(s, v.buyer, v.order_reference, purchase_id):
                raise DuplicateReferenceError(v.order_reference, v.buyer.code)
            audit = self._audit(s, actor)
            with _one_active_reference(v.buyer.code, v.order_reference):
                revision = next_revision(
                    s,
                    audit,
                    "edit",
                    purchase_id,
                    expected_revision,
                    before.order_reference,
                    shares={r["force_id"]: r["amount"] for r in share_rows([v])},
                    **purchase_values(v),
                )
            audit.write(
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
            audit = self._audit(s, actor)
            revision = next_revision(
                s,
                audit,
                "void",
                purchase_id,
                before.revision,
                before.order_reference,
                status=PurchaseStatus.VOID.value,
                void_reason=reason,
            )
            audit.write(
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
            audit = self._audit(s, actor)
            with _one_active_reference(before.buyer, before.order_reference):
                revision = next_revision(
                    s,
                    audit,
                    "restore",
                    purchase_id,
                    before.revision,
                    before.order_reference,
                    status=PurchaseStatus.ACTIVE.value,
                    void_reason=None,
                )
            audit.write(
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

        Each row is a new purchase, or one already recorded: an active purchase of
        the same buyer and order reference (or with the row's id) with the same
        content, which is counted and skipped, so importing a file twice adds
        nothing. Refused, naming every bad row: two rows with one buyer and order
        reference (or one id); a row whose reference or id is already recorded with
        different content; a row whose status is not active; a value in a column
        the import does not read. A voided purchase's reference may be used again.
        Plain mappings are numbered as the rows after a header.
        """
        located = [
            row if isinstance(row, SourceRow) else SourceRow(source, n, dict(row))
            for n, row in enumerate(rows, start=2)
        ]
        today = today or self.context.today()
        if located:
            header_errors = check_columns(located)
            if header_errors:
                raise ImportRejected(source, header_errors)
        errors: list[RowError] = []
        with self.db.transaction() as s:
            lookups = Lookups(s)
            lookups.prefetch(r.values for r in located)
            valid: list[tuple[SourceRow, ValidPurchase]] = []
            for row in located:
                row_errors = row_problems(row)
                draft = _draft(row.values)
                try:
                    checked = validate(lookups, draft, today)
                except ValidationError as exc:
                    row_errors.append(RowError(row.row, exc.field or "?", str(exc)))
                else:
                    if not row_errors:
                        valid.append((row, checked))
                errors += row_errors
            errors += repeated_in_file(located)
            fresh, already = _against_ledger(s, valid, errors)
            if errors:
                raise ImportRejected(source, sorted(errors, key=lambda e: e.row))
            if fresh:
                audit = self._audit(s, actor)
                try:
                    # in batches, so a million rows never wait in memory as rows to insert
                    for start in range(0, len(fresh), _BATCH):
                        insert_purchases(s, fresh[start : start + _BATCH], audit, "import")
                except IntegrityError as exc:
                    if is_duplicate_reference(exc):
                        raise ImportRaced(source) from None
                    raise
        return ImportReport(source, len(located), len(fresh), already)


def _draft(values: Mapping[str, Any]) -> PurchaseDraft:
    """A row's values as a draft: numbers and dates as the file holds them (a spreadsheet's
    number cells go through the same bounds and exactness rules as text), the rest as text."""
    return PurchaseDraft(
        **{
            k: (v if v is None or k in _TYPED_COLUMNS else str(v))
            for k, v in values.items()
            if k in TEMPLATE_COLUMNS
        }
    )


_TYPED_COLUMNS = frozenset({"quantity", "unit_price", "baseline_unit_price", "order_date"})
_ACTIVE = PurchaseStatus.ACTIVE.value


def check_columns(rows: Sequence[SourceRow]) -> list[RowError]:
    """What is wrong with a file's columns: a required one missing, or one the import does
    not read that holds values (they would be lost; an empty one is harmless)."""
    header = list(rows[0].values)
    errors = [RowError(1, c, "the column is missing") for c in REQUIRED_COLUMNS if c not in header]
    for column in header:
        if column in EXPORT_COLUMNS or not any(_filled(r.values.get(column)) for r in rows):
            continue
        errors.append(RowError(1, column, _unknown_column(column)))
    return errors


def _unknown_column(column: str) -> str:
    typed = column.strip().lower().replace(" ", "_").replace("-", "_")
    close = get_close_matches(typed, TEMPLATE_COLUMNS, n=1, cutoff=0.6)
    fix = (
        f"rename it “{close[0]}”" if close else f"rename it to one of {', '.join(TEMPLATE_COLUMNS)}"
    )
    return f"an import does not read this column, so its values would be lost; {fix} or delete it"


def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def row_problems(row: SourceRow) -> list[RowError]:
    """What is wrong with a row before its values are checked: a value under no column name,
    a status other than active."""
    problems = [
        RowError(
            row.row,
            f"column {letter}",
            "holds a value, but the header names no column there; name the column or clear "
            "the cell",
        )
        for letter in row.unnamed
    ]
    status = str(row.values.get("status") or "").strip()
    if status and status.lower() != _ACTIVE:
        problems.append(
            RowError(
                row.row,
                "status",
                f"the status is “{shown(status)}”, but an import records active purchases "
                "only; remove this row, or its status to record it as active",
            )
        )
    return problems


def repeated_in_file(rows: Sequence[SourceRow]) -> list[RowError]:
    """Rows that repeat the buyer and order reference, or the id, of an earlier row."""
    errors: list[RowError] = []
    first_reference: dict[tuple[str, str], int] = {}
    first_id: dict[str, int] = {}
    for row in rows:
        buyer = str(row.values.get("buyer") or "").strip()
        reference = str(row.values.get("order_reference") or "").strip()
        if buyer and reference:
            earlier = first_reference.setdefault((buyer, reference), row.row)
            if earlier != row.row:
                errors.append(
                    RowError(
                        row.row,
                        "order_reference",
                        f"this row repeats the order reference {reference} of row {earlier} "
                        f"for {buyer}",
                    )
                )
        given = str(row.values.get("id") or "").strip().lower()
        if given:
            earlier = first_id.setdefault(given, row.row)
            if earlier != row.row:
                errors.append(
                    RowError(row.row, "id", f"this row repeats the id {given} of row {earlier}")
                )
    return errors


def _against_ledger(
    s: Session, valid: Sequence[tuple[SourceRow, ValidPurchase]], errors: list[RowError]
) -> tuple[list[ValidPurchase], int]:
    """The rows' purchases that are new, and how many are already recorded; a row that
    clashes with a recorded purchase adds its error to ``errors``."""
    by_id, by_reference = _recorded_matches(s, valid)
    fresh: list[ValidPurchase] = []
    already = 0
    for row, v in valid:
        same_id = by_id.get(v.id)
        recorded = by_reference.get((v.buyer.code, v.order_reference), [])
        if same_id is None and not recorded:
            fresh.append(v)
            continue
        mine = v.snapshot()
        if same_id is not None:
            problem = _clash_by_id(same_id, mine)
            if problem is None:
                already += 1
            else:
                errors.append(RowError(row.row, "id", problem))
            continue
        if any(not differences(p.snapshot(), mine) for p in recorded):
            already += 1
        else:
            first = recorded[0]
            errors.append(
                RowError(
                    row.row,
                    "order_reference",
                    f"order reference {v.order_reference} is already recorded for "
                    f"{v.buyer.code} as purchase {first.id} with "
                    f"{_listed(differences(first.snapshot(), mine))}; void that purchase "
                    "first to record this one instead",
                )
            )
    return fresh, already


def _recorded_matches(
    s: Session, valid: Sequence[tuple[SourceRow, ValidPurchase]]
) -> tuple[dict[str, StoredPurchase], dict[tuple[str, str], list[StoredPurchase]]]:
    """The recorded purchases the rows may repeat: those with an id a row gives (an id made
    for a row is new), and the active ones with a row's order reference. A narrow query
    finds which exist; only those are read in full."""
    given = sorted({v.id for row, v in valid if str(row.values.get("id") or "").strip()})
    references = sorted({v.order_reference for _, v in valid})
    conn = s.connection()
    taken = [
        pid
        for start in range(0, len(given), _CHUNK)
        for pid in conn.execute(_IDS_TAKEN, {"ids": given[start : start + _CHUNK]}).scalars()
    ]
    used = [
        reference
        for start in range(0, len(references), _CHUNK)
        for reference in conn.execute(
            _ACTIVE_REFERENCES, {"references": references[start : start + _CHUNK]}
        ).scalars()
    ]
    by_id = queries.stored_by_ids(s, taken) if taken else {}
    by_reference = queries.active_by_reference(s, used) if used else {}
    return by_id, by_reference


def _clash_by_id(recorded: StoredPurchase, mine: dict[str, Any]) -> str | None:
    """Why a row cannot be the recorded purchase with its id, or None when it is that very
    purchase."""
    which = f"purchase {recorded.id} ({recorded.order_reference} for {recorded.buyer})"
    if recorded.status is not PurchaseStatus.ACTIVE:
        return (
            f"{which} is void; restore it in the ledger, or clear the id to record a new purchase"
        )
    changed = differences(recorded.snapshot(), mine)
    if not changed:
        return None
    return (
        f"{which} is already recorded with {_listed(changed)}; edit it in the ledger, or "
        "clear the id to record a new purchase"
    )


def _listed(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]
