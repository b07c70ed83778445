"""Undo and redo of ledger changes. The ledger stays append-only: undoing a record
voids the purchase ("undone"), redoing it restores it; every step is audited.

Each step runs as a command op, so the stack never waits on the database; a step
the database refuses (someone else changed the purchase) is shown as a dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand

from catalogue_app.services.ledger import PurchaseDraft
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.operations import purchases as ops


class _LedgerCommand(QUndoCommand):
    """Pushed after the change was made: the first redo (from ``push``) does nothing."""

    def __init__(self, text: str, parent: QObject, ctx: UiContext, purchase_id: str) -> None:
        super().__init__(text)
        self.parent_widget, self.ctx, self.purchase_id = parent, ctx, purchase_id
        self._pushed = True

    def redo(self) -> None:
        if self._pushed:
            self._pushed = False
            return
        self._redo()

    def _redo(self) -> None:
        raise NotImplementedError

    def _void(self, reason: str) -> None:
        ops.void_purchase(
            self.parent_widget, self.ctx, self.purchase_id, reason
        ).run_in_background()

    def _restore(self, reason: str) -> None:
        ops.restore_purchase(
            self.parent_widget, self.ctx, self.purchase_id, reason
        ).run_in_background()


class RecordCommand(_LedgerCommand):
    def __init__(self, parent: QObject, ctx: UiContext, purchase_id: str, reference: str) -> None:
        super().__init__(f"Record {reference}", parent, ctx, purchase_id)

    def undo(self) -> None:
        self._void("the recording was undone")

    def _redo(self) -> None:
        self._restore("the recording was redone")


class VoidCommand(_LedgerCommand):
    def __init__(self, parent: QObject, ctx: UiContext, purchase_id: str, reference: str) -> None:
        super().__init__(f"Void {reference}", parent, ctx, purchase_id)

    def undo(self) -> None:
        self._restore("the void was undone")

    def _redo(self) -> None:
        self._void("the void was redone")


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
        super().__init__(f"Edit {after.order_reference}", parent, ctx, purchase_id)
        self.before, self.after = before, after

    def _apply(self, draft: PurchaseDraft) -> None:
        ops.edit_purchase(self.parent_widget, self.ctx, self.purchase_id, draft).run_in_background()

    def undo(self) -> None:
        self._apply(self.before)

    def _redo(self) -> None:
        self._apply(self.after)
