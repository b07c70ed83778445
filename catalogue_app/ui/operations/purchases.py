"""The purchase workflow: record, edit, void, restore, import and export, as command ops.

Each function builds the op for one user action; the caller adds what the
window does with the result (``.success(...)``) and starts it. Every op tells
the hub which purchases, buyers and products changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject

from catalogue_app.services.changes import LedgerChanged
from catalogue_app.services.ledger import (
    ImportRejected,
    ImportReport,
    LedgerFilter,
    PurchaseDraft,
    RecordedPurchase,
    StoredPurchase,
)
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.ops import CommandOp, OpProgress


def _recorded_notice(recorded: RecordedPurchase) -> LedgerChanged:
    return LedgerChanged.of(
        [recorded.id],
        [recorded.buyer, *(s.force for s in recorded.shares)],
        [recorded.product],
    )


def _stored_notice(*purchases: StoredPurchase) -> LedgerChanged:
    return LedgerChanged.of(
        [p.id for p in purchases],
        [code for p in purchases for code in (p.buyer, *p.shares)],
        [p.product for p in purchases],
    )


def record_purchase(
    parent: QObject, ctx: UiContext, draft: PurchaseDraft
) -> CommandOp[RecordedPurchase]:
    """Record ``draft`` as a new purchase."""
    purchases, actor = ctx.purchases, ctx.actor
    return CommandOp(
        parent,
        ctx.hub,
        "record purchase",
        lambda _p: purchases.record(draft, actor),
        notice=_recorded_notice,
        ids=[draft.order_reference],
    )


@dataclass(frozen=True)
class Edited:
    before: StoredPurchase
    after: StoredPurchase


def edit_purchase(
    parent: QObject,
    ctx: UiContext,
    purchase_id: str,
    draft: PurchaseDraft,
    expected_revision: int | None = None,
) -> CommandOp[Edited]:
    """Save ``draft`` as a new revision; without ``expected_revision``, over the current one."""
    purchases, actor = ctx.purchases, ctx.actor

    def run(_p: OpProgress) -> Edited:
        before = purchases.get(purchase_id)
        revision = before.revision if expected_revision is None else expected_revision
        purchases.edit(purchase_id, draft, actor, expected_revision=revision)
        return Edited(before, purchases.get(purchase_id))

    return CommandOp(
        parent,
        ctx.hub,
        "edit purchase",
        run,
        notice=lambda e: _stored_notice(e.before, e.after),
        ids=[purchase_id],
    )


def void_purchase(
    parent: QObject, ctx: UiContext, purchase_id: str, reason: str
) -> CommandOp[StoredPurchase]:
    purchases, actor = ctx.purchases, ctx.actor

    def run(_p: OpProgress) -> StoredPurchase:
        purchases.void(purchase_id, reason, actor)
        return purchases.get(purchase_id)

    return CommandOp(
        parent, ctx.hub, "void purchase", run, notice=_stored_notice, ids=[purchase_id]
    )


def restore_purchase(
    parent: QObject, ctx: UiContext, purchase_id: str, reason: str
) -> CommandOp[StoredPurchase]:
    purchases, actor = ctx.purchases, ctx.actor

    def run(_p: OpProgress) -> StoredPurchase:
        purchases.restore(purchase_id, actor, reason)
        return purchases.get(purchase_id)

    return CommandOp(
        parent, ctx.hub, "restore purchase", run, notice=_stored_notice, ids=[purchase_id]
    )


def import_purchases(
    parent: QObject, ctx: UiContext, path: Path
) -> CommandOp[ImportReport | ImportRejected]:
    """Import a CSV or XLSX file, all of it or nothing.

    A refused file is a result, not a failure: the caller shows every bad row.
    The import is one transaction, so it cannot be cancelled half-way.
    """
    purchases, actor = ctx.purchases, ctx.actor

    def run(progress: OpProgress) -> ImportReport | ImportRejected:
        progress.update(f"Checking every row of {path.name}…")
        try:
            return purchases.import_file(path, actor)
        except ImportRejected as rejected:
            return rejected

    def notice(result: ImportReport | ImportRejected) -> LedgerChanged | None:
        if isinstance(result, ImportRejected) or not result.imported:
            return None
        return LedgerChanged.everything()

    return CommandOp(
        parent, ctx.hub, "import purchases", run, notice=notice, ids=[str(path)]
    ).with_progress("Checking every row…")


def export_purchases(
    parent: QObject, ctx: UiContext, shown: LedgerFilter, path: Path
) -> CommandOp[int]:
    """Write the purchases under filter ``shown`` to CSV or XLSX (by the file's suffix)."""
    export = ctx.export
    fmt = "csv" if path.suffix.lower() == ".csv" else "xlsx"

    def run(progress: OpProgress) -> int:
        progress.update("Reading the purchases shown…")
        records = export.records_for(shown)
        progress.check()
        progress.update(f"Writing {len(records):,} purchases to {path.name}…")
        export.write(records, path, fmt)
        return len(records)

    return CommandOp(parent, ctx.hub, "export purchases", run, ids=[str(path)]).with_progress(
        "Exporting purchases…", cancellable=True
    )
