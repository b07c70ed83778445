"""Undo and redo of ledger and catalogue changes. The ledger stays append-only: undoing
a record voids the purchase ("undone"), redoing it restores it. A catalogue change is
undone by writing the records back as they were; every step is audited.

Each step runs as a command op, so the stack never waits on the database; a step
the database refuses (someone else changed the purchase) is shown as a dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand

from catalogue_app.services.editing import EditResult
from catalogue_app.services.ledger import PurchaseDraft
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.operations import catalogue as catalogue_ops
from catalogue_app.ui.operations import purchases as ops


class _LedgerCommand(QUndoCommand):
    """A change already made, as undo and redo actions; the first redo (from ``push``)
    does nothing, because the change is done before it is pushed."""

    def __init__(
        self,
        text: str,
        purchase_id: str,
        undo_action: Callable[[], None],
        redo_action: Callable[[], None],
    ) -> None:
        super().__init__(text)
        self.purchase_id = purchase_id
        self._undo_action, self._redo_action = undo_action, redo_action
        self._pushed = True

    def undo(self) -> None:
        self._undo_action()

    def redo(self) -> None:
        if self._pushed:
            self._pushed = False
            return
        self._redo_action()


def _void(parent: QObject, ctx: UiContext, purchase_id: str, reason: str) -> None:
    ops.void_purchase(parent, ctx, purchase_id, reason).run_in_background()


def _restore(parent: QObject, ctx: UiContext, purchase_id: str, reason: str) -> None:
    ops.restore_purchase(parent, ctx, purchase_id, reason).run_in_background()


class RecordCommand(_LedgerCommand):
    def __init__(self, parent: QObject, ctx: UiContext, purchase_id: str, reference: str) -> None:
        super().__init__(
            f"Record {reference}",
            purchase_id,
            lambda: _void(parent, ctx, purchase_id, "the recording was undone"),
            lambda: _restore(parent, ctx, purchase_id, "the recording was redone"),
        )


class VoidCommand(_LedgerCommand):
    def __init__(self, parent: QObject, ctx: UiContext, purchase_id: str, reference: str) -> None:
        super().__init__(
            f"Void {reference}",
            purchase_id,
            lambda: _restore(parent, ctx, purchase_id, "the void was undone"),
            lambda: _void(parent, ctx, purchase_id, "the void was redone"),
        )


class EditCommand(_LedgerCommand):
    """Undo puts the previous values back as a further revision, never by rewriting history."""

    def __init__(
        self,
        parent: QObject,
        ctx: UiContext,
        purchase_id: str,
        before: PurchaseDraft,
        after: PurchaseDraft,
    ) -> None:
        def apply(draft: PurchaseDraft) -> None:
            ops.edit_purchase(parent, ctx, purchase_id, draft).run_in_background()

        super().__init__(
            f"Edit {after.order_reference}",
            purchase_id,
            lambda: apply(before),
            lambda: apply(after),
        )


class CatalogueCommand(QUndoCommand):
    """A catalogue change already made: undo puts its records back as they were, redo
    makes it again (each a command op, refused if someone has changed the records since)."""

    def __init__(self, parent: QObject, ctx: UiContext, text: str, result: EditResult) -> None:
        super().__init__(text)
        self.result = result
        self._parent, self._ctx = parent, ctx
        self._pushed = True

    def undo(self) -> None:
        catalogue_ops.undo_change(self._parent, self._ctx, self.result).run_in_background()

    def redo(self) -> None:
        if self._pushed:
            self._pushed = False
            return
        catalogue_ops.redo_change(self._parent, self._ctx, self.result).run_in_background()
