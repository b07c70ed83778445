"""The Record purchase dialog: proposes prices, validates as you type, previews the split.

Every check reads the catalogue, so it runs in a query op: typing never waits
for the database, and only the newest check's answer is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.errors import CatalogueError, ValidationError
from catalogue_app.domain.money import format_gbp
from catalogue_app.services.catalogue import CatalogueService
from catalogue_app.services.dto import ProductDetail
from catalogue_app.services.ledger import (
    DuplicateReferenceError,
    PurchaseDraft,
    PurchaseService,
    RecordedPurchase,
    StoredPurchase,
)
from catalogue_app.ui.context import Buyers, UiContext
from catalogue_app.ui.ops import QueryOp, latest_query_running

OFF_FRAMEWORK = ("", "", "Off-framework (at list price)")
SPLITS = [("officers", "By officer numbers"), ("equal", "Equally"), ("custom", "Custom…")]


@dataclass(frozen=True)
class Check:
    """What checking a draft found, on the worker: the proposed price and a preview or error."""

    proposed_price: str
    preview: RecordedPurchase | None = None
    error_field: str | None = None
    error: str = ""


def check_draft(
    purchases: PurchaseService,
    draft: PurchaseDraft,
    today: date,
    *,
    fill_price: bool,
    duplicates_of: str | None = None,
) -> Check:
    """Preview ``draft``: the price the breaks give, then the purchase or its first broken rule.

    With ``fill_price`` the proposed price stands in for the unit price. With
    ``duplicates_of`` (the id being edited, or "") a reference the buyer already
    used on another active purchase is an error too.
    """
    try:
        proposed = (
            f"{purchases.preview(replace(draft, unit_price=None), today=today).unit_price:.2f}"
        )
    except CatalogueError:
        proposed = ""
    if fill_price and proposed:
        draft = replace(draft, unit_price=proposed)
    try:
        preview = purchases.preview(draft, today=today)
        reference = draft.order_reference.strip()
        if duplicates_of is not None and purchases.duplicate_reference(
            draft.buyer, reference, duplicates_of
        ):
            raise DuplicateReferenceError(reference, draft.buyer)
    except ValidationError as exc:
        return Check(proposed, error_field=exc.field, error=str(exc))
    except CatalogueError as exc:
        return Check(proposed, error=str(exc))
    return Check(proposed, preview)


def product_routes(
    catalogue: CatalogueService, purchases: PurchaseService, code: str, day: date
) -> tuple[str, ProductDetail | None, list[tuple[str, str, str]]]:
    """The product with ``code`` and the lots offering it on ``day`` (none if no such product)."""
    try:
        detail = catalogue.get_product(code) if code else None
    except CatalogueError:
        detail = None
    return code, detail, purchases.routes(code, day) if detail else []


class PurchaseDialog(QDialog):
    """Record a new purchase, or edit one (``stored`` given): returns a draft on accept."""

    checked = Signal(bool)  # a check finished: whether the form is valid

    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None = None,
        *,
        product: str = "",
        buyer: str = "",
        quantity: int = 1,
        route: tuple[str, str] | None = None,
        split: str = "",
        stored: StoredPurchase | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.purchases, self.catalogue = ctx.purchases, ctx.catalogue
        self.stored = stored
        self.today = today or date.today()
        self.preview: RecordedPurchase | None = None
        self.setWindowTitle("Edit purchase" if stored else "Record purchase")
        self.setMinimumWidth(620)

        self.buyer = QComboBox()
        self.buyer.setAccessibleName("Buyer")
        self.buyer.addItem("Choose a force or collaboration…", "")
        self._members: dict[str, list[str]] = {}
        self.product = QLineEdit(product)
        self.product.setAccessibleName("Product code")
        self.product.setPlaceholderText("Product code, e.g. ATHENA")
        self.product_name = QLabel()
        self.product_name.setObjectName("productName")
        self.route = QComboBox()
        self.route.setAccessibleName("Route")
        self.quantity = QSpinBox()
        self.quantity.setRange(1, 10_000_000)
        self.quantity.setGroupSeparatorShown(True)
        self.quantity.setAccessibleName("Quantity")
        self.unit_price = QLineEdit()
        self.unit_price.setAccessibleName("Unit price")
        self.unit_price_note = QLabel()
        self.baseline = QLineEdit()
        self.baseline.setAccessibleName("Baseline unit price")
        self.order_date = QDateEdit(QDate(self.today))
        self.order_date.setCalendarPopup(True)
        self.order_date.setDisplayFormat("d MMM yyyy")
        self.order_date.setMaximumDate(QDate(self.today))
        self.order_date.setAccessibleName("Order date")
        self.order_reference = QLineEdit()
        self.order_reference.setAccessibleName("Order reference")
        self.split = QComboBox()
        for key, label in SPLITS:
            self.split.addItem(label, key)
        self.split.setAccessibleName("Split rule")
        self.custom_split = QLineEdit()
        self.custom_split.setPlaceholderText(
            "kent=40%, essex=60%   or   kent=1000.00, essex=500.00"
        )
        self.custom_split.setAccessibleName("Custom split")
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(54)
        self.notes.setAccessibleName("Notes")
        self.summary = QLabel()
        self.summary.setObjectName("purchaseSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a11d1d; font-weight: 600;")

        form = QFormLayout()
        form.addRow("&Buyer", self.buyer)
        form.addRow("&Product", self.product)
        form.addRow("", self.product_name)
        form.addRow("&Route", self.route)
        form.addRow("&Quantity", self.quantity)
        form.addRow("&Unit price (£)", self.unit_price)
        form.addRow("", self.unit_price_note)
        form.addRow("Base&line unit price (£)", self.baseline)
        form.addRow("Order &date", self.order_date)
        form.addRow("Order re&ference", self.order_reference)
        form.addRow("&Split", self.split)
        form.addRow("", self.custom_split)
        form.addRow("&Notes", self.notes)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.validate)
        self._proposed_price = ""
        for signal in (
            self.buyer.currentIndexChanged,
            self.route.currentIndexChanged,
            self.quantity.valueChanged,
            self.split.currentIndexChanged,
            self.unit_price.textEdited,
            self.baseline.textEdited,
            self.order_reference.textChanged,
            self.custom_split.textChanged,
        ):
            signal.connect(lambda *_: self._timer.start())
        self.product.textChanged.connect(lambda *_: self._product_changed())
        self.order_date.dateChanged.connect(lambda *_: self._product_changed())
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self._chosen_buyer = stored.buyer if stored is not None else buyer
        self.quantity.setValue(quantity)
        self._stored_route = route  # a route chosen elsewhere (the pooling result)
        if split:  # e.g. the pooled shares: custom:essex=1354900.00,…
            self.split.setCurrentIndex(self.split.findData("custom"))
            self.custom_split.setText(split.removeprefix("custom:").replace(",", ", "))
        if stored is not None:
            self._load(stored)
        self._product_changed()
        ctx.buyers.when_ready(self._fill_buyers)

    # -- filling in -------------------------------------------------------------------
    def _fill_buyers(self, buyers: Buyers) -> None:
        buyers.fill(self.buyer, ("Choose a force or collaboration…", ""))
        self._members = buyers.members
        if self._chosen_buyer:
            self.buyer.setCurrentIndex(max(0, self.buyer.findData(self._chosen_buyer)))
        self.validate()

    def settled(self) -> bool:
        """No check is waiting or running: what the dialog shows is the answer for its fields."""
        return not (
            self._timer.isActive()
            or latest_query_running(self, "product")
            or latest_query_running(self, "check")
            or latest_query_running(self, "save")
        )

    def _load(self, stored: StoredPurchase) -> None:
        self.product.setText(stored.product)
        self.order_date.setDate(QDate(stored.order_date))
        self.quantity.setValue(stored.quantity)
        self.unit_price.setText(f"{stored.unit_price:.2f}")
        self.baseline.setText(f"{stored.baseline_unit_price:.2f}")
        self.order_reference.setText(stored.order_reference)
        self.notes.setPlainText(stored.notes)
        if stored.shares:
            self.split.setCurrentIndex(self.split.findData("custom"))
            self.custom_split.setText(", ".join(f"{c}={a:.2f}" for c, a in stored.shares.items()))
        self._stored_route = (stored.framework or "", stored.lot or "")

    def _product_changed(self) -> None:
        """Read the product and its routes for the order date, off the GUI thread."""
        code = self.product.text().strip().upper()
        catalogue, purchases, day = self.catalogue, self.purchases, self._day()
        QueryOp(
            self,
            lambda: product_routes(catalogue, purchases, code, day),
            kind="product",
            doing=f"reading product {code}",
        ).success(self._show_product).run_in_background()

    def _show_product(
        self, result: tuple[str, ProductDetail | None, list[tuple[str, str, str]]]
    ) -> None:
        code, detail, routes = result
        # keep the officer's route while the product stays the same; else the first lot
        same_product = code == getattr(self, "_routes_for", None)
        current = self.route.currentData() if same_product else None
        if current is None and getattr(self, "_stored_route", None) is not None:
            stored_product = self.stored.product if self.stored else code
            if code == stored_product:
                current = self._stored_route
        self._routes_for = code
        self.route.blockSignals(True)
        self.route.clear()
        self.product_name.setText(
            f"{detail.name} — {detail.supplier}"
            if detail
            else ("No product has this code." if code else "")
        )
        for framework, lot, label in routes:
            self.route.addItem(label, (framework, lot))
        self.route.addItem(OFF_FRAMEWORK[2], ("", ""))
        index = self.route.findData(tuple(current)) if current is not None else -1
        self.route.setCurrentIndex(index if index >= 0 else 0)
        self.route.blockSignals(False)
        if detail and not self.baseline.isModified() and self.stored is None:
            self.baseline.setText(f"{detail.list_price:.2f}")
        self._timer.start()

    def _day(self) -> date:
        return self.order_date.date().toPython()

    def draft(self) -> PurchaseDraft:
        framework, lot = self.route.currentData() or ("", "")
        split = None
        if self.buyer.currentData() in self._members:
            split = self.split.currentData()
            if split == "custom":
                split = "custom:" + self.custom_split.text().replace(" ", "")
        return PurchaseDraft(
            buyer=self.buyer.currentData() or "",
            product=self.product.text().strip().upper(),
            quantity=self.quantity.value(),
            order_date=self._day(),
            order_reference=self.order_reference.text(),
            framework=framework or None,
            lot=lot or None,
            unit_price=self.unit_price.text().strip() or None,
            baseline_unit_price=self.baseline.text().strip() or None,
            notes=self.notes.toPlainText(),
            split=split,
            id=self.stored.id if self.stored else None,
        )

    # -- validation ---------------------------------------------------------------------
    def _show_split_fields(self) -> None:
        is_collaboration = self.buyer.currentData() in self._members
        self.split.setVisible(is_collaboration)
        self.custom_split.setVisible(is_collaboration and self.split.currentData() == "custom")
        layout = self.layout().itemAt(0).layout()
        if isinstance(layout, QFormLayout):
            layout.setRowVisible(self.split, is_collaboration)
            layout.setRowVisible(self.custom_split, self.custom_split.isVisible())

    def _fills_price(self) -> bool:
        """The proposed price stands in until the officer types one (never when editing)."""
        return not self.unit_price.isModified() and self.stored is None

    def validate(self) -> None:
        """Check the form in a query op; the answer arrives as :attr:`checked`."""
        self._timer.stop()
        self._show_split_fields()
        self._start_check("check", duplicates=False)

    def _start_check(self, kind: str, *, duplicates: bool) -> None:
        purchases, draft, today = self.purchases, self.draft(), self.today
        fill = self._fills_price()
        exclude = (self.stored.id if self.stored else "") if duplicates else None
        QueryOp(
            self,
            lambda: check_draft(purchases, draft, today, fill_price=fill, duplicates_of=exclude),
            kind=kind,
            doing="checking the purchase",
        ).success(lambda found: self._checked(found, fill, saving=duplicates)).run_in_background()

    def _checked(self, found: Check, filled: bool, *, saving: bool) -> None:
        self._proposed_price = found.proposed_price
        if filled and found.proposed_price and self._fills_price():
            self.unit_price.setText(found.proposed_price)
        if found.preview is None:
            self._invalid(found.error_field, found.error)
            self.checked.emit(False)
            return
        self.preview = found.preview
        self._show_preview(found.preview)
        self.checked.emit(True)
        if saving:
            self.accept()

    def _invalid(self, field: str | None, message: str) -> None:
        self.preview = None
        widget = self._widget_for(field)
        self.error.setText(f"{message[:1].upper()}{message[1:]}")
        if widget is not None:
            self.error.setToolTip(f"Check: {widget.accessibleName()}")
        self.summary.clear()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self.unit_price_note.clear()

    def _widget_for(self, field: str | None) -> Any:
        return {
            "buyer": self.buyer,
            "product": self.product,
            "framework": self.route,
            "lot": self.route,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "baseline_unit_price": self.baseline,
            "order_date": self.order_date,
            "order_reference": self.order_reference,
            "split": self.split,
        }.get(field or "")

    def _show_preview(self, p: RecordedPurchase) -> None:
        self.error.clear()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(True)
        if p.unit_price_overridden and self._proposed_price:
            self.unit_price_note.setText(
                f"<span style='color:#8a5a00'>Overridden: the price breaks give "
                f"£{self._proposed_price}</span>"
            )
        else:
            self.unit_price_note.setText(
                "<span style='color:#5b6b7d'>From the price breaks</span>"
                if not p.route.is_off_framework
                else ""
            )
        saving = format_gbp(p.saving)
        lines = [f"<b>Total {format_gbp(p.total)}</b> · saving {saving} against the baseline"]
        if p.shares:
            lines.append(
                "Split: " + ", ".join(f"{s.force} {format_gbp(s.amount)}" for s in p.shares)
            )
        self.summary.setText("<br>".join(lines))

    def _save(self) -> None:
        """Check once more, the order reference included, and close if all is well."""
        self._timer.stop()
        self._start_check("save", duplicates=True)
