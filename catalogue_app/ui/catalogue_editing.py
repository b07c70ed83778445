"""The catalogue manager's actions in the window: new, edit, withdraw, suspend, reinstate,
lots and a lot's prices.

Each action is one ``QAction`` (in the Catalogue menu and, as a button, on the detail
pane it applies to). The forms are :class:`RecordForm`; every read and write is an op
of :mod:`catalogue_app.ui.operations.catalogue`; every change goes on the window's undo
stack and its notice through the hub.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.enums import SupplierStatus
from catalogue_app.services.browse import LotInfo
from catalogue_app.services.editing import (
    EditResult,
    Kind,
    OfferRecord,
    Record,
    is_withdrawn,
    kind_of,
)
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.operations import catalogue as ops
from catalogue_app.ui.operations.catalogue import Impact
from catalogue_app.ui.ops import CommandOp, QueryOp
from catalogue_app.ui.record_form import RecordForm, Submit
from catalogue_app.ui.settings import Settings
from catalogue_app.ui.undo import CatalogueCommand
from catalogue_app.ui.views import CatalogueView
from catalogue_app.ui.widgets import SavedSearches

KIND_OF_VIEW = {
    "productsView": Kind.PRODUCT,
    "frameworksView": Kind.FRAMEWORK,
    "suppliersView": Kind.SUPPLIER,
}
NEW_KEYS = "Ctrl+N"
RECORD_PURCHASE_KEYS = "Ctrl+Shift+N"  # records a purchase in every view


def _names(kind: Kind, record: Record) -> str:
    """ "product Body-worn camera X1 (BWC-X1)"."""
    title = getattr(record, "name", None) or getattr(record, "title", None)
    return f"{kind.label} {title} ({record.key})" if title else f"{kind.label} {record.key}"


class ConfirmChange(QDialog):
    """Withdraw, suspend or exclude: what it touches, shown before it is confirmed."""

    def __init__(self, impact: Impact, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.impact = impact
        kind = impact.kind
        supplier = kind is Kind.SUPPLIER
        verb = "Suspend or exclude" if supplier else "Withdraw"
        self.setWindowTitle(f"{verb} {kind.label}")
        self.setObjectName("confirmChange")
        self.setMinimumWidth(520)
        heading = QLabel(f"<b>{verb} {_names(kind, impact.record)}?</b>")
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.RichText)
        self.touches = QLabel(f"This touches {impact.sentence()}.")
        self.touches.setObjectName("consequences")
        self.touches.setWordWrap(True)
        if impact.saved_searches:
            self.touches.setText(
                self.touches.text()
                + " Saved searches: "
                + ", ".join(f"“{n}”" for n in impact.saved_searches)
                + "."
            )
        after = {
            Kind.PRODUCT: "It stays in the catalogue, marked withdrawn; purchases already "
            "recorded keep it, and Reinstate takes the withdrawal back.",
            Kind.FRAMEWORK: "It stays in the catalogue, marked withdrawn from today; "
            "call-offs already recorded keep it.",
            Kind.LOT: "It stays on the framework, marked withdrawn from today.",
            Kind.SUPPLIER: "Its products stay in the catalogue with a warning; purchases "
            "already recorded keep it. Reinstate makes it active again.",
        }[kind]
        note = QLabel(after)
        note.setWordWrap(True)
        note.setStyleSheet("color: #5b6b7d;")
        form = QFormLayout()
        self.suspend = QRadioButton("Suspended: no new orders without procurement advice")
        self.exclude = QRadioButton("Excluded from public procurement")
        self.status_group = QButtonGroup(self)
        self.since = QDateEdit(QDate.currentDate())
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("d MMM yyyy")
        self.since.setMaximumWidth(160)
        self.since.setAccessibleName("Since")
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(64)
        if supplier:
            self.suspend.setChecked(True)
            self.status_group.addButton(self.suspend)
            self.status_group.addButton(self.exclude)
            status = QVBoxLayout()
            status.addWidget(self.suspend)
            status.addWidget(self.exclude)
            form.addRow("Status", status)
            form.addRow("Since", self.since)
        self.needs_reason = kind in (Kind.SUPPLIER, Kind.FRAMEWORK)
        if self.needs_reason:
            form.addRow("Reason", self.reason)
            example = "under investigation" if supplier else "replaced by RM6313"
            self.reason.setPlaceholderText(f"Say why, for example “{example}”")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.go: QPushButton = self.buttons.addButton(
            "Suspend" if supplier else "Withdraw", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.suspend.toggled.connect(
            lambda on: self.go.setText("Suspend" if on else "Exclude") if supplier else None
        )
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.touches)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        self.go.setEnabled(not self.needs_reason or bool(self.reason.toPlainText().strip()))

    def status(self) -> SupplierStatus:
        return SupplierStatus.SUSPENDED if self.suspend.isChecked() else SupplierStatus.EXCLUDED

    def since_day(self) -> date:
        d = self.since.date()
        return date(d.year(), d.month(), d.day())


class CatalogueEditing(QObject):
    """The catalogue actions of one window."""

    def __init__(
        self,
        window: QWidget,
        ctx: UiContext,
        undo_stack: QUndoStack,
        settings: Settings,
        saved: SavedSearches,
        comparison: Callable[[], Sequence[str]],
        current_view: Callable[[], CatalogueView],
        status: Callable[[str, int], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.undo_stack = undo_stack
        self.settings = settings
        self.saved = saved
        self.comparison = comparison
        self.current_view = current_view
        self.status = status
        self.read_only = False

        def action(text: str, slot: Callable[[], object], keys: str = "") -> QAction:
            made = QAction(text, window)
            if keys:
                made.setShortcut(QKeySequence(keys))
            made.triggered.connect(lambda _checked=False: slot())
            return made

        self.new_actions = {
            Kind.PRODUCT: action("New &product…", lambda: self.new_record(Kind.PRODUCT)),
            Kind.FRAMEWORK: action("New &framework…", lambda: self.new_record(Kind.FRAMEWORK)),
            Kind.SUPPLIER: action("New &supplier…", lambda: self.new_record(Kind.SUPPLIER)),
        }
        for kind, made in self.new_actions.items():
            made.setProperty("shortcut_note", f"Ctrl+N in the {kind.plural.capitalize()} view")
        self.edit_action = action("&Edit…", self.edit_selected, "F2")
        self.edit_action.setStatusTip("Change the record shown in the detail pane")
        self.withdraw_action = action("&Withdraw…", self.withdraw_selected)
        self.suspend_action = action("&Suspend or exclude…", self.suspend_selected)
        self.reinstate_action = action("&Reinstate…", self.reinstate_selected)
        self.add_lot_action = action("&Add lot…", self.add_lot)
        self.edit_lot_action = action("Edit &lot…", self.edit_lot)
        self.prices_action = action("New prices on a l&ot…", self.new_prices)

    # -- wiring --------------------------------------------------------------------------
    def all_actions(self) -> list[QAction]:
        return [
            *self.new_actions.values(),
            self.edit_action,
            self.withdraw_action,
            self.suspend_action,
            self.reinstate_action,
            self.add_lot_action,
            self.edit_lot_action,
            self.prices_action,
        ]

    def fill_menu(self, menu: QMenu) -> None:
        for made in self.new_actions.values():
            menu.addAction(made)
        menu.addSeparator()
        for made in (
            self.edit_action,
            self.withdraw_action,
            self.suspend_action,
            self.reinstate_action,
        ):
            menu.addAction(made)
        menu.addSeparator()
        for made in (self.add_lot_action, self.edit_lot_action, self.prices_action):
            menu.addAction(made)

    def install(self, view: CatalogueView) -> None:
        """The buttons on a view's detail pane: the same actions as the menu's."""
        pane, kind = view.pane, KIND_OF_VIEW.get(view.objectName())
        if pane is None or kind is None:
            return
        extra = {
            Kind.PRODUCT: [self.prices_action, self.withdraw_action, self.reinstate_action],
            Kind.FRAMEWORK: [self.add_lot_action, self.edit_lot_action, self.withdraw_action],
            Kind.SUPPLIER: [self.suspend_action, self.reinstate_action],
        }[kind]
        for made in (self.edit_action, *extra):
            pane.add_action(made)

    def disable(self, reason: str) -> None:
        """A read-only database: nothing here may change it."""
        self.read_only = True
        why = f"Not available: {reason.rstrip('.')}."
        for made in self.all_actions():
            made.setEnabled(False)
            made.setToolTip(why)
            made.setStatusTip(why)

    def view_changed(self, view: CatalogueView, record_action: QAction) -> None:
        """Ctrl+N makes a new record of the view's kind; elsewhere it records a purchase."""
        kind = KIND_OF_VIEW.get(view.objectName())
        for k, made in self.new_actions.items():
            made.setShortcut(QKeySequence(NEW_KEYS) if k is kind else QKeySequence())
        keys = [RECORD_PURCHASE_KEYS] if kind is not None else [NEW_KEYS, RECORD_PURCHASE_KEYS]
        record_action.setShortcuts([QKeySequence(k) for k in keys])
        record_action.setProperty(
            "shortcut_note", "Ctrl+Shift+N; Ctrl+N too outside Products, Frameworks and Suppliers"
        )
        if record_action.isEnabled():
            record_action.setToolTip(f"{record_action.iconText()} ({keys[0]})")
        if self.read_only:
            return
        on = {
            self.edit_action: kind is not None,
            self.withdraw_action: kind in (Kind.PRODUCT, Kind.FRAMEWORK),
            self.suspend_action: kind is Kind.SUPPLIER,
            self.reinstate_action: kind is not None,
            self.add_lot_action: kind is Kind.FRAMEWORK,
            self.edit_lot_action: kind is Kind.FRAMEWORK,
            self.prices_action: kind is Kind.PRODUCT,
        }
        for made, enabled in on.items():
            made.setEnabled(enabled)

    def _selected(self) -> tuple[Kind, str] | None:
        view = self.current_view()
        kind, key = KIND_OF_VIEW.get(view.objectName()), view.selected_key()
        if kind is None or not key:
            self.status("Choose a product, framework or supplier first.", 5000)
            return None
        return kind, key

    # -- after a change ------------------------------------------------------------------
    def _done(self, text: str, result: EditResult | None) -> None:
        if result is None or not result.changed:
            self.status("Nothing changed.", 5000)
            return
        self.undo_stack.push(CatalogueCommand(self.window, self.ctx, text, result))
        self.status(f"{text}: done. Ctrl+Z undoes it.", 6000)

    def _form(self, kind: Kind, submit: Submit, **kwargs: Any) -> RecordForm:
        return RecordForm(self.ctx, kind, submit, self.window, settings=self.settings, **kwargs)

    # -- new and edit --------------------------------------------------------------------
    def new_record(self, kind: Kind) -> RecordForm | None:
        if self.read_only:
            return None
        today = date.today().isoformat()
        defaults = {
            Kind.PRODUCT: {"status": "approved", "price_from": today},
            Kind.SUPPLIER: {"status": "active"},
            Kind.FRAMEWORK: {"start_date": today},
        }.get(kind, {})
        ctx = self.ctx
        form = self._form(
            kind,
            lambda record: ops.create_record(self.window, ctx, record),
            values=defaults,
            # a record is withdrawn by Withdraw, which first shows what that touches
            hidden=("withdrawn_on", "withdrawn_reason") if kind is Kind.FRAMEWORK else (),
        )
        if form.exec() == QDialog.DialogCode.Accepted and form.outcome is not None:
            self._done(f"Add {kind.label} {form.outcome.changes[0].key}", form.outcome)
        return form

    def edit_selected(self) -> None:
        selected = self._selected()
        if selected is not None:
            self.edit_record(*selected)

    def edit_record(self, kind: Kind, key: str | Sequence[str]) -> None:
        """Read the record as it is now, then open it in its form."""
        if self.read_only:
            return
        parts = (key,) if isinstance(key, str) else tuple(key)
        ops.load_record(self.window, self.ctx, kind, parts).success(
            self._open_for_edit
        ).run_in_background()

    def _open_for_edit(self, record: Record) -> None:
        ctx, window = self.ctx, self.window
        kind = kind_of(record)
        form = self._form(
            kind,
            lambda changed: ops.edit_record(window, ctx, changed, record),
            record=record,
            hidden=("withdrawn_on", "withdrawn_reason") if kind is Kind.FRAMEWORK else (),
        )
        if form.exec() == QDialog.DialogCode.Accepted:
            self._done(f"Edit {kind.label} {record.key}", form.outcome)

    # -- lots and prices -----------------------------------------------------------------
    def _framework(self) -> str | None:
        selected = self._selected()
        if selected is None or selected[0] is not Kind.FRAMEWORK:
            return None
        return selected[1]

    def add_lot(self) -> None:
        reference = self._framework()
        if reference is None or self.read_only:
            return
        ctx, window = self.ctx, self.window
        form = self._form(
            Kind.LOT,
            lambda record: ops.create_record(window, ctx, record),
            values={"framework": reference, "further_competition": "yes"},
            fixed=("framework",),
            hidden=("withdrawn_on",),
            title=f"Add a lot to {reference}",
        )
        if form.exec() == QDialog.DialogCode.Accepted and form.outcome is not None:
            self._done(f"Add {form.outcome.changes[0].key}", form.outcome)

    def edit_lot(self) -> None:
        reference = self._framework()
        if reference is None or self.read_only:
            return
        browse = self.ctx.browse
        QueryOp(
            self.window,
            lambda: browse.framework_detail(reference).lots,
            kind="lots",
            doing="reading the lots",
        ).success(lambda lots: self._choose_lot(reference, lots)).run_in_background()

    def _choose_lot(self, reference: str, lots: list[LotInfo]) -> None:
        if not lots:
            QMessageBox.information(
                self.window, "Edit lot", f"Framework {reference} has no lots yet: add one first."
            )
            return
        labels = [f"Lot {lot.number} — {lot.title}" for lot in lots]
        index = 0
        if len(lots) > 1:
            chosen, ok = QInputDialog.getItem(
                self.window, "Edit lot", f"Which lot of {reference}?", labels, 0, False
            )
            if not ok:
                return
            index = labels.index(chosen)
        self.edit_record(Kind.LOT, (reference, lots[index].number))

    def new_prices(self) -> None:
        selected = self._selected()
        if selected is None or selected[0] is not Kind.PRODUCT or self.read_only:
            return
        ctx, window = self.ctx, self.window

        def submit(record: Record) -> CommandOp[EditResult]:
            assert isinstance(record, OfferRecord)
            return ops.set_offer_prices(window, ctx, record)

        form = self._form(
            Kind.OFFER,
            submit,
            values={"product": selected[1], "valid_from": date.today().isoformat()},
            fixed=("product",),
            hidden=("valid_to",),
            title=f"New prices for {selected[1]} on a lot",
        )
        if form.exec() == QDialog.DialogCode.Accepted and form.outcome is not None:
            self._done(f"New prices for {selected[1]}", form.outcome)

    # -- withdraw, suspend, reinstate ----------------------------------------------------
    def withdraw_selected(self) -> None:
        selected = self._selected()
        if selected is not None and selected[0] is not Kind.SUPPLIER:
            self.withdraw(*selected)

    def suspend_selected(self) -> None:
        selected = self._selected()
        if selected is not None and selected[0] is Kind.SUPPLIER:
            self.withdraw(*selected)

    def withdraw(self, kind: Kind, key: str | Sequence[str]) -> None:
        """Count what it touches, ask, then withdraw (or suspend or exclude a supplier)."""
        if self.read_only:
            return
        parts = (key,) if isinstance(key, str) else tuple(key)
        ops.read_impact(
            self.window, self.ctx, kind, parts, self.saved.all(), self.comparison()
        ).success(lambda impact: self._confirm(impact, parts)).run_in_background()

    def _confirm(self, impact: Impact, key: tuple[str, ...]) -> None:
        kind = impact.kind
        if is_withdrawn(impact.record):
            QMessageBox.information(
                self.window,
                "Already withdrawn",
                f"{_names(kind, impact.record)[:1].upper()}{_names(kind, impact.record)[1:]} "
                "is already withdrawn or suspended; Reinstate takes that back.",
            )
            return
        dialog = ConfirmChange(impact, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        reason = dialog.reason.toPlainText().strip()
        if kind is Kind.SUPPLIER:
            status = dialog.status()
            op = ops.suspend_supplier(
                self.window,
                self.ctx,
                key[0],
                reason=reason,
                since=dialog.since_day(),
                status=status,
            )
            text = f"{'Suspend' if status is SupplierStatus.SUSPENDED else 'Exclude'} {key[0]}"
        else:
            op = ops.withdraw_record(self.window, self.ctx, kind, key, reason)
            text = f"Withdraw {kind.label} {' '.join(key)}"
        op.success(lambda result: self._done(text, result)).run_in_background()

    def reinstate_selected(self) -> None:
        selected = self._selected()
        if selected is None or self.read_only:
            return
        kind, key = selected
        ops.load_record(self.window, self.ctx, kind, (key,)).success(
            lambda record: self._reinstate(kind, record)
        ).run_in_background()

    def _reinstate(self, kind: Kind, record: Record) -> None:
        named = _names(kind, record)
        if not is_withdrawn(record):
            QMessageBox.information(
                self.window, "Reinstate", f"{named[:1].upper()}{named[1:]} is not withdrawn."
            )
            return
        answer = QMessageBox.question(
            self.window,
            "Reinstate",
            f"Reinstate {named}? It becomes "
            f"{'active' if kind is Kind.SUPPLIER else 'available to buy'} again.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        ops.reinstate_record(self.window, self.ctx, kind, (record.key,)).success(
            lambda result: self._done(f"Reinstate {kind.label} {record.key}", result)
        ).run_in_background()
