"""Undo and redo of ledger changes. The ledger stays append-only: undoing a record
voids the purchase ("undone"), redoing it restores it; every step is audited."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.services.purchases import PurchaseDraft, PurchaseService


class _LedgerCommand(QUndoCommand):
    def __init__(
        self,
        text: str,
        service: PurchaseService,
        actor: str,
        changed: Callable[[str | None], None],
    ) -> None:
        super().__init__(text)
        self.service, self.actor, self.changed = service, actor, changed

    def _run(self, action: Callable[[], object]) -> None:
        """Do the change; report a refusal (e.g. someone else edited it) as a sentence."""
        try:
            action()
        except CatalogueError as exc:
            self.changed(str(exc))
        else:
            self.changed(None)


class RecordCommand(_LedgerCommand):
    """Pushed after the purchase was recorded: the first redo does nothing."""

    def __init__(self, purchase_id: str, reference: str, *args) -> None:  # type: ignore[no-untyped-def]
        super().__init__(f"Record {reference}", *args)
        self.purchase_id = purchase_id
        self._done = True

    def undo(self) -> None:
        self._run(lambda: self.service.void(self.purchase_id, "undone", self.actor))

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self._run(lambda: self.service.restore(self.purchase_id, self.actor, "redone"))


class VoidCommand(_LedgerCommand):
    def __init__(self, purchase_id: str, reference: str, *args) -> None:  # type: ignore[no-untyped-def]
        super().__init__(f"Void {reference}", *args)
        self.purchase_id = purchase_id
        self._done = True

    def undo(self) -> None:
        self._run(lambda: self.service.restore(self.purchase_id, self.actor, "void undone"))

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self._run(lambda: self.service.void(self.purchase_id, "void redone", self.actor))


class EditCommand(_LedgerCommand):
    """Undo puts the previous values back as a further revision, never by rewriting history."""

    def __init__(  # type: ignore[no-untyped-def]
        self, purchase_id: str, before: PurchaseDraft, after: PurchaseDraft, *args
    ) -> None:
        super().__init__(f"Edit {after.order_reference}", *args)
        self.purchase_id, self.before, self.after = purchase_id, before, after
        self._done = True

    def _apply(self, draft: PurchaseDraft) -> None:
        current = self.service.get(self.purchase_id)
        self.service.edit(self.purchase_id, draft, self.actor, expected_revision=current.revision)
        self.changed()

    def undo(self) -> None:
        self._apply(self.before)

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self._apply(self.after)
