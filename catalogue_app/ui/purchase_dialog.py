"""The Record purchase dialog: proposes prices, validates as you type, previews the split."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.errors import CatalogueError, ValidationError
from catalogue_app.domain.money import format_gbp
from catalogue_app.services.catalogue import CatalogueService
from catalogue_app.services.purchases import (
    PurchaseDraft,
    PurchaseService,
    RecordedPurchase,
    StoredPurchase,
)

OFF_FRAMEWORK = ("", "", "Off-framework (at list price)")
SPLITS = [("officers", "By officer numbers"), ("equal", "Equally"), ("custom", "Custom…")]


class PurchaseDialog(QDialog):
    """Record a new purchase, or edit one (``stored`` given): returns a draft on accept."""

    def __init__(
        self,
        purchases: PurchaseService,
        catalogue: CatalogueService,
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
        self.purchases, self.catalogue = purchases, catalogue
        self.stored = stored
        self.today = today or date.today()
        self.preview: RecordedPurchase | None = None
        self.confirmed_duplicate = False
        self.setWindowTitle("Edit purchase" if stored else "Record purchase")
        self.setMinimumWidth(620)

        self.buyer = QComboBox()
        self.buyer.setAccessibleName("Buyer")
        self.buyer.addItem("Choose a force or collaboration…", "")
        collaborations = catalogue.list_collaborations()
        for c in collaborations:
            self.buyer.addItem(f"{c.name} (collaboration)", c.code)
        for f in catalogue.list_forces():
            self.buyer.addItem(f.name, f.code)
        self._members = {c.code: c.members for c in collaborations}
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
        if buyer:
            self.buyer.setCurrentIndex(max(0, self.buyer.findData(buyer)))
        self.quantity.setValue(quantity)
        self._stored_route = route  # a route chosen elsewhere (the pooling result)
        if split:  # e.g. the pooled shares: custom:essex=1354900.00,…
            self.split.setCurrentIndex(self.split.findData("custom"))
            self.custom_split.setText(split.removeprefix("custom:").replace(",", ", "))
        if stored is not None:
            self._load(stored)
        self._product_changed()
        self.validate()

    # -- filling in -------------------------------------------------------------------
    def _load(self, stored: StoredPurchase) -> None:
        self.buyer.setCurrentIndex(max(0, self.buyer.findData(stored.buyer)))
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
        code = self.product.text().strip().upper()
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
        try:
            detail = self.catalogue.get_product(code) if code else None
        except CatalogueError:
            detail = None
        self.product_name.setText(
            f"{detail.name} — {detail.supplier}"
            if detail
            else ("No product has this code." if code else "")
        )
        routes = self.purchases.routes(code, self._day()) if detail else []
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
    def validate(self) -> bool:
        is_collaboration = self.buyer.currentData() in self._members
        self.split.setVisible(is_collaboration)
        self.custom_split.setVisible(is_collaboration and self.split.currentData() == "custom")
        layout = self.layout().itemAt(0).layout()
        if isinstance(layout, QFormLayout):
            layout.setRowVisible(self.split, is_collaboration)
            layout.setRowVisible(self.custom_split, self.custom_split.isVisible())
        draft = self.draft()
        # the proposed price: what the breaks give, unless the officer typed another
        try:
            proposed = self.purchases.preview(replace(draft, unit_price=None), today=self.today)
            self._proposed_price = f"{proposed.unit_price:.2f}"
        except CatalogueError:
            self._proposed_price = ""
        if not self.unit_price.isModified() and self._proposed_price and self.stored is None:
            self.unit_price.setText(self._proposed_price)
            draft = self.draft()
        try:
            self.preview = self.purchases.preview(draft, today=self.today)
        except ValidationError as exc:
            return self._invalid(exc.field, str(exc))
        except CatalogueError as exc:
            return self._invalid(None, str(exc))
        self._show_preview(self.preview)
        return True

    def _invalid(self, field: str | None, message: str) -> bool:
        self.preview = None
        widget = self._widget_for(field)
        self.error.setText(f"{message[:1].upper()}{message[1:]}")
        if widget is not None:
            self.error.setToolTip(f"Check: {widget.accessibleName()}")
        self.summary.clear()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        self.unit_price_note.clear()
        return False

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
                if p.route != "off-framework"
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
        if not self.validate():
            return
        draft = self.draft()
        reference = draft.order_reference.strip()
        exclude = self.stored.id if self.stored else ""
        if self.purchases.duplicate_reference(draft.buyer, reference, exclude):
            answer = QMessageBox.question(
                self,
                "Order reference already used",
                f"{self.buyer.currentText()} already used order reference {reference}.\n"
                "Record this purchase as well?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            self.confirmed_duplicate = True
        self.accept()
