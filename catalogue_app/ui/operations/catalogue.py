"""Keeping the catalogue true, as ops: every change a command op, every read a query op.

Each function builds the op for one user action; the caller adds what the
window does with the result (``.success(...)``) and starts it. A change's
notice (:attr:`EditResult.notice`) goes through the hub, so headroom, expiry
and accreditation warnings are worked out again at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QObject

from catalogue_app.domain.enums import SupplierStatus
from catalogue_app.services.catalogue import ProductQuery
from catalogue_app.services.changes import CatalogueChanged
from catalogue_app.services.editing import (
    CatalogueEditor,
    CatalogueHistory,
    Consequences,
    EditResult,
    HistoryEntry,
    Kind,
    OfferRecord,
    Record,
)
from catalogue_app.services.editing.service import as_key
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.ops import CommandOp, OpProgress, QueryOp


def _editor(ctx: UiContext) -> CatalogueEditor:
    return CatalogueEditor(ctx.app)


def _notice(result: EditResult) -> CatalogueChanged | None:
    return result.notice if result.changed else None


def _command(
    parent: QObject,
    ctx: UiContext,
    action: str,
    run: Callable[[], EditResult],
    ids: Sequence[str],
) -> CommandOp[EditResult]:
    return CommandOp(parent, ctx.hub, action, lambda _p: run(), notice=_notice, ids=ids)


# -- changes ------------------------------------------------------------------------------


def create_record(parent: QObject, ctx: UiContext, record: Record) -> CommandOp[EditResult]:
    """Add ``record`` to the catalogue."""
    editor = _editor(ctx)
    return _command(
        parent, ctx, "add to the catalogue", lambda: editor.create(record), [record.key]
    )


def edit_record(
    parent: QObject, ctx: UiContext, record: Record, expected: Record
) -> CommandOp[EditResult]:
    """Save ``record`` over the one read as ``expected`` (refused if someone saved since)."""
    editor = _editor(ctx)
    return _command(
        parent,
        ctx,
        "save the catalogue change",
        lambda: editor.edit(record, expected=expected),
        [record.key],
    )


def withdraw_record(
    parent: QObject, ctx: UiContext, kind: Kind, key: Sequence[str], reason: str = ""
) -> CommandOp[EditResult]:
    """Withdraw a product, framework or lot (it stays, marked withdrawn)."""
    editor = _editor(ctx)
    return _command(
        parent,
        ctx,
        f"withdraw the {kind.label}",
        lambda: editor.withdraw(kind, key, reason=reason),
        [" ".join(key)],
    )


def reinstate_record(
    parent: QObject, ctx: UiContext, kind: Kind, key: Sequence[str]
) -> CommandOp[EditResult]:
    """Take back a withdrawal, or a supplier's suspension or exclusion."""
    editor = _editor(ctx)
    return _command(
        parent,
        ctx,
        f"reinstate the {kind.label}",
        lambda: editor.reinstate(kind, key),
        [" ".join(key)],
    )


def suspend_supplier(
    parent: QObject,
    ctx: UiContext,
    code: str,
    *,
    reason: str,
    since: date,
    status: SupplierStatus,
) -> CommandOp[EditResult]:
    """Suspend or exclude a supplier, with the reason and the day it took effect."""
    editor = _editor(ctx)
    return _command(
        parent,
        ctx,
        f"mark the supplier {status.value}",
        lambda: editor.suspend(code, reason=reason, since=since, status=status),
        [code],
    )


def set_offer_prices(parent: QObject, ctx: UiContext, offer: OfferRecord) -> CommandOp[EditResult]:
    """New prices for a product on a lot from ``offer.valid_from``; older purchases keep theirs."""
    editor = _editor(ctx)
    return _command(
        parent,
        ctx,
        "set the prices on the lot",
        lambda: editor.set_offer_prices(
            offer.framework,
            offer.lot,
            offer.product,
            valid_from=offer.valid_from,
            ceiling=offer.ceiling_price,
            breaks=offer.price_breaks,
        ),
        [offer.key],
    )


def undo_change(parent: QObject, ctx: UiContext, result: EditResult) -> CommandOp[EditResult]:
    """Put back what ``result`` changed."""
    editor = _editor(ctx)
    keys = [c.key for c in result.changes]
    return _command(parent, ctx, "undo the catalogue change", lambda: editor.undo(result), keys)


def redo_change(parent: QObject, ctx: UiContext, result: EditResult) -> CommandOp[EditResult]:
    """Make ``result``'s changes again after an undo."""
    editor = _editor(ctx)
    keys = [c.key for c in result.changes]
    return _command(parent, ctx, "redo the catalogue change", lambda: editor.redo(result), keys)


# -- reads --------------------------------------------------------------------------------


def load_record(parent: QObject, ctx: UiContext, kind: Kind, key: Sequence[str]) -> QueryOp[Record]:
    """The record as it is stored now, to open it in a form."""
    editor = _editor(ctx)
    return QueryOp(
        parent,
        lambda: editor.get(kind, key),
        kind=f"open-{kind.value}",
        doing=f"opening the {kind.label}",
    )


def read_history(
    parent: QObject, ctx: UiContext, kind: Kind, key: str
) -> QueryOp[list[HistoryEntry]]:
    history = CatalogueHistory(ctx.db)
    return QueryOp(
        parent, lambda: history.history(kind, key), kind="history", doing="reading the history"
    )


@dataclass(frozen=True)
class Impact:
    """What withdrawing or suspending a record touches, to show before it is confirmed."""

    kind: Kind
    key: str
    record: Record
    consequences: Consequences
    saved_searches: tuple[str, ...]  # names of the saved searches that find or name it
    comparisons: int  # products in the comparison that it touches

    def sentence(self) -> str:
        """ "12 purchases in the last 12 months, …, 1 saved search and 1 product being compared"."""
        parts = [self.consequences.sentence()]
        n = len(self.saved_searches)
        parts.append(f"{n:,} saved search{'' if n == 1 else 'es'}")
        c = self.comparisons
        parts.append(f"{c:,} product{'' if c == 1 else 's'} in the comparison")
        return ", ".join(parts[:-1]) + " and " + parts[-1]


def _finds(ctx: UiContext, query: ProductQuery, record: Record, kind: Kind) -> bool:
    """Whether a saved search names the record, or (a product) would find it."""
    if kind is Kind.PRODUCT:
        rows = ctx.catalogue.search_products(query).rows
        return any(row.code == record.key for row in rows)
    if kind is Kind.SUPPLIER:
        return query.supplier == record.key
    framework = getattr(record, "framework", None) or getattr(record, "reference", None)
    return query.framework == framework


def _compared(ctx: UiContext, codes: Sequence[str], record: Record, kind: Kind) -> int:
    """How many of the products being compared the record touches."""
    if kind is Kind.PRODUCT:
        return int(record.key in codes)
    count = 0
    for code in codes:
        product = ctx.catalogue.get_product(code)
        if kind is Kind.SUPPLIER:
            count += int(getattr(record, "name", None) == product.supplier)
        else:
            framework = getattr(record, "framework", None) or getattr(record, "reference", "")
            lot = getattr(record, "number", None)
            count += int(
                any(o.framework == framework and lot in (None, o.lot) for o in product.offers)
            )
    return count


def read_impact(
    parent: QObject,
    ctx: UiContext,
    kind: Kind,
    key: Sequence[str],
    saved: dict[str, ProductQuery],
    comparison: Sequence[str],
) -> QueryOp[Impact]:
    """The record, its consequences, and the saved searches and comparison it touches."""
    editor = _editor(ctx)
    codes = tuple(comparison)

    def run(progress: OpProgress) -> Impact:
        record = editor.get(kind, key)
        consequences = editor.consequences(kind, key)
        progress.check()
        names = tuple(
            name for name, query in sorted(saved.items()) if _finds(ctx, query, record, kind)
        )
        return Impact(
            kind,
            " ".join(as_key(key)),
            record,
            consequences,
            names,
            _compared(ctx, codes, record, kind),
        )

    return QueryOp(
        parent, run, kind="impact", doing="counting what the change touches", takes_progress=True
    )
