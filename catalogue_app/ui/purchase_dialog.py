"""The Record purchase dialog: pick a buyer and a product, see the price and where it comes
from, share a joint purchase among the members, and confirm anything unusual before saving.

Every check reads the catalogue, so it runs in a query op: typing never waits for the
database, and only the newest check's answer is shown. Checks that need no database (a
quantity, a price, the shares adding up) answer at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt, QTimer, Signal
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
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.errors import CatalogueError, ValidationError
from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.purchases import (
    Route,
    parse_optional_unit_price,
    parse_order_date,
    parse_quantity,
)
from catalogue_app.services.ledger import (
    PurchaseDraft,
    PurchaseService,
    RecordedPurchase,
    StoredPurchase,
)
from catalogue_app.services.ledger.advice import (
    Caution,
    MemberChoice,
    PriceSource,
    PurchaseAdvice,
)
from catalogue_app.ui.context import Buyers, UiContext
from catalogue_app.ui.ops import QueryOp, latest_query_running
from catalogue_app.ui.pickers import BuyerPicker, ProductPicker
from catalogue_app.ui.split_grid import SplitGrid

OFF_FRAMEWORK_LABEL = "Off-framework (at list price)"
ERROR_STYLE = "color: #a11d1d; font-weight: 600;"
GUIDANCE_STYLE = "color: #5b6b7d;"
# What each field is called when guidance lists the ones still empty.
REQUIRED = (
    ("buyer", "a buyer"),
    ("product", "a product"),
    ("order_reference", "the order reference"),
)


@dataclass(frozen=True)
class Check:
    """What checking a draft found, on the worker: where the price comes from, then the
    purchase or its first broken rule, and (when saving) what to ask about first."""

    source: PriceSource | None
    preview: RecordedPurchase | None = None
    error_field: str | None = None
    error: str = ""
    cautions: tuple[Caution, ...] = ()


def check_draft(
    purchases: PurchaseService,
    advice: PurchaseAdvice,
    draft: PurchaseDraft,
    today: date,
    *,
    fill_price: bool,
    cautions: bool = False,
) -> Check:
    """Preview ``draft``: the price its route gives, then the purchase or its first broken
    rule. With ``fill_price`` that price stands in for the unit price; with ``cautions`` the
    reasons to ask before saving come too."""
    source = None
    try:
        source = advice.price_source(
            draft.product,
            Route.of(draft.framework, draft.lot),
            parse_quantity(draft.quantity),
            parse_order_date(draft.order_date, today),
        )
    except CatalogueError:
        source = None
    if fill_price and source is not None:
        draft = replace(draft, unit_price=f"{source.price:.2f}")
    try:
        preview = purchases.preview(draft, today=today)
    except ValidationError as exc:
        return Check(source, error_field=exc.field, error=str(exc))
    except CatalogueError as exc:
        return Check(source, error=str(exc))
    found = tuple(advice.cautions(draft, preview)) if cautions else ()
    return Check(source, preview, cautions=found)


def product_routes(
    purchases: PurchaseService, code: str, day: date
) -> tuple[str, list[tuple[str, str, str]]]:
    """The lots offering the product with ``code`` on ``day``."""
    return code, purchases.routes(code, day) if code else []


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _sentence(message: str) -> str:
    text = message.strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


class QuantityEdit(QLineEdit):
    """A quantity typed as text, so that what is typed is checked, never silently clamped."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("1 to 10,000,000")
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setMaximumWidth(160)

    def setValue(self, value: int) -> None:  # as QSpinBox names it
        self.setText(f"{value:,}")


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
        self.purchases = ctx.purchases
        self.advice = PurchaseAdvice(ctx.db)
        self.stored = stored
        self.today = today or date.today()
        self.preview: RecordedPurchase | None = None
        self._check: Check | None = None
        self.setWindowTitle("Edit purchase" if stored else "Record purchase")
        self.setMinimumWidth(640)

        self.buyer = BuyerPicker()
        self.buyer.setAccessibleName("Buyer")
        self.product = ProductPicker(self.advice)
        self.product.setAccessibleName("Product")
        self.product_info = QLabel()
        self.product_info.setObjectName("productName")
        self.product_info.setWordWrap(True)
        self.route = QComboBox()
        self.route.setAccessibleName("Route")
        self.route.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.route.setMinimumContentsLength(30)
        self.quantity = QuantityEdit()
        self.quantity.setAccessibleName("Quantity")
        self.unit_price = QLineEdit()
        self.unit_price.setAccessibleName("Unit price")
        self.unit_price.setMaximumWidth(160)
        self.unit_price.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.unit_price_note = QLabel()
        self.unit_price_note.setObjectName("priceSource")
        self.unit_price_note.setWordWrap(True)
        self.baseline = QLineEdit()
        self.baseline.setAccessibleName("Baseline unit price")
        self.baseline.setMaximumWidth(160)
        self.baseline.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.baseline.setToolTip(
            "The price a saving is measured against: the list price unless typed"
        )
        self.order_date = QDateEdit(_qdate(self.today))
        self.order_date.setCalendarPopup(True)
        self.order_date.setDisplayFormat("d MMM yyyy")
        self.order_date.setMaximumDate(_qdate(self.today))
        self.order_date.setAccessibleName("Order date")
        self.order_date.setToolTip("The order date cannot be after today")
        self.order_date.setMaximumWidth(160)
        self.order_reference = QLineEdit()
        self.order_reference.setAccessibleName("Order reference")
        self.order_reference.setPlaceholderText("The buyer's own order number, e.g. PO-2026-0142")
        self.split = SplitGrid()
        self.split.setAccessibleName("Split")
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

        self.form = QFormLayout()
        self.form.addRow("&Buyer", self.buyer)
        self.form.addRow("&Product", self.product)
        self.form.addRow("", self.product_info)
        self.form.addRow("&Route", self.route)
        self.form.addRow("&Quantity", self.quantity)
        self.form.addRow("&Unit price (£)", self.unit_price)
        self.form.addRow("", self.unit_price_note)
        self.form.addRow("Base&line unit price (£)", self.baseline)
        self.form.addRow("Order &date", self.order_date)
        self.form.addRow("Order re&ference", self.order_reference)
        self.form.addRow("&Split", self.split)
        self.form.addRow("&Notes", self.notes)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._save_button().setEnabled(False)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.validate)
        for signal in (
            self.route.currentIndexChanged,
            self.quantity.textChanged,
            self.unit_price.textEdited,
            self.baseline.textEdited,
            self.order_reference.textChanged,
            self.split.changed,
        ):
            signal.connect(lambda *_: self._timer.start())
        self.buyer.currentTextChanged.connect(lambda *_: self._buyer_changed())
        self.product.chosen.connect(lambda *_: self._product_changed())
        self.order_date.dateChanged.connect(lambda *_: self._date_changed())

        self._chosen_buyer = stored.buyer if stored is not None else buyer
        self._routes_for: str | None = None
        self._members_for: tuple[str, date] | None = None
        self._wanted_route = route  # a route chosen elsewhere (the pooling result)
        self.quantity.setValue(quantity)
        if split:  # e.g. the pooled shares: custom:essex=1354900.00,…
            self.split.set_rule(split)
        if stored is not None:
            self._load(stored)
        elif product:
            self.product.setText(product)
        self._show_split_row()
        self._render()
        ctx.buyers.when_ready(self._fill_buyers)

    # -- filling in -------------------------------------------------------------------
    def _save_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def _fill_buyers(self, buyers: Buyers) -> None:
        self.buyer.fill(buyers, self._chosen_buyer)
        self._buyer_changed()

    def settled(self) -> bool:
        """No check is waiting or running: what the dialog shows is the answer for its fields."""
        return self.product.settled() and not (
            self._timer.isActive()
            or any(
                latest_query_running(self, kind)
                for kind in ("product", "members", "rule", "check", "save")
            )
        )

    def _load(self, stored: StoredPurchase) -> None:
        self.product.setText(stored.product)
        self.order_date.setDate(_qdate(stored.order_date))
        self.quantity.setValue(stored.quantity)
        self.unit_price.setText(f"{stored.unit_price:.2f}")
        self.baseline.setText(f"{stored.baseline_unit_price:.2f}")
        self.order_reference.setText(stored.order_reference)
        self.notes.setPlainText(stored.notes)
        self._wanted_route = (stored.framework or "", stored.lot or "")
        if stored.shares:
            # the stored amounts until the rule that made them is known
            self.split.set_rule(stored.draft().split)
            advice = self.advice
            QueryOp(
                self, lambda: advice.split_rule(stored), kind="rule", doing="reading the split"
            ).success(self._rule_found).run_in_background()

    def _rule_found(self, rule: str | None) -> None:
        if rule:
            self.split.set_rule(rule)

    def _buyer_changed(self) -> None:
        self._show_split_row()
        self._members_changed()
        self._timer.start()

    def _date_changed(self) -> None:
        self._product_changed()
        self._members_changed()

    def _members_changed(self) -> None:
        """Read the collaboration's members on the order date, off the GUI thread."""
        code = self.buyer.code()
        if not self.buyer.is_collaboration():
            return
        key = (code, self._day())
        if key == self._members_for:
            return
        self._members_for = key
        advice, day = self.advice, self._day()
        QueryOp(
            self, lambda: advice.members(code, day), kind="members", doing="reading the members"
        ).success(self._show_members).run_in_background()

    def _show_members(self, members: list[MemberChoice]) -> None:
        self.split.set_members(members)
        self._timer.start()

    def _product_changed(self) -> None:
        """Read the lots offering the product on the order date, off the GUI thread."""
        choice = self.product.choice()
        if choice is None:
            self.product_info.setText(
                f"<span style='{GUIDANCE_STYLE}'>Pick the product from the list that opens "
                "as you type.</span>"
                if self.product.text().strip()
                else ""
            )
        else:
            self.product_info.setText(
                f"<span style='{GUIDANCE_STYLE}'>List price {format_gbp(choice.list_price)} · "
                f"{choice.status.capitalize()}</span>"
            )
            if not self.baseline.isModified() and self.stored is None:
                self.baseline.setText(f"{choice.list_price:.2f}")
        code = self.product.code()
        purchases, day = self.purchases, self._day()
        QueryOp(
            self,
            lambda: product_routes(purchases, code, day),
            kind="product",
            doing=f"reading the routes of {code or 'the product'}",
        ).success(self._show_routes).run_in_background()

    def _show_routes(self, result: tuple[str, list[tuple[str, str, str]]]) -> None:
        code, routes = result
        # keep the officer's route while the product stays the same; else the one asked for
        current = self.route.currentData() if code == self._routes_for else None
        if current is None and self._wanted_route is not None:
            current = self._wanted_route
        self._routes_for = code
        self.route.blockSignals(True)
        self.route.clear()
        for framework, lot, label in routes:
            self.route.addItem(label, (framework, lot))
        self.route.addItem(OFF_FRAMEWORK_LABEL, ("", ""))
        index = self.route.findData(tuple(current)) if current is not None else -1
        self.route.setCurrentIndex(index if index >= 0 else 0)
        self.route.blockSignals(False)
        self._timer.start()

    def _day(self) -> date:
        shown = self.order_date.date()
        return date(shown.year(), shown.month(), shown.day())

    def draft(self) -> PurchaseDraft:
        framework, lot = self.route.currentData() or ("", "")
        return PurchaseDraft(
            buyer=self.buyer.code(),
            product=self.product.code(),
            quantity=self.quantity.text().strip(),
            order_date=self._day(),
            order_reference=self.order_reference.text(),
            framework=framework or None,
            lot=lot or None,
            unit_price=self.unit_price.text().strip() or None,
            baseline_unit_price=self.baseline.text().strip() or None,
            notes=self.notes.toPlainText(),
            split=self.split.rule() if self.buyer.is_collaboration() else None,
            id=self.stored.id if self.stored else None,
        )

    # -- validation ---------------------------------------------------------------------
    def _show_split_row(self) -> None:
        self.form.setRowVisible(self.split, self.buyer.is_collaboration())

    def _fills_price(self) -> bool:
        """The route's price stands in until the officer types one (never when editing)."""
        if self.stored is not None:
            return False
        return not self.unit_price.isModified() or not self.unit_price.text().strip()

    def validate(self) -> None:
        """Check the form: at once what needs no database, then the rest in a query op."""
        self._timer.stop()
        self._show_split_row()
        self._render()
        self._start_check("check", cautions=False)

    def _start_check(self, kind: str, *, cautions: bool) -> None:
        purchases, advice, draft, today = self.purchases, self.advice, self.draft(), self.today
        fill = self._fills_price()
        QueryOp(
            self,
            lambda: check_draft(
                purchases, advice, draft, today, fill_price=fill, cautions=cautions
            ),
            kind=kind,
            doing="checking the purchase",
        ).success(lambda found: self._checked(found, fill, saving=cautions)).run_in_background()

    def _checked(self, found: Check, filled: bool, *, saving: bool) -> None:
        self._check = found
        if filled and found.source is not None and self._fills_price():
            self.unit_price.setText(f"{found.source.price:.2f}")
            self.unit_price.setModified(False)
        choice = self.product.choice()
        if found.source is not None and choice is not None and self.stored is None:
            # the list price in force on the order date, not today's
            self.product_info.setText(
                f"<span style='{GUIDANCE_STYLE}'>List price "
                f"{format_gbp(found.source.list_price)} · {choice.status.capitalize()}</span>"
            )
            if not self.baseline.isModified():
                self.baseline.setText(f"{found.source.list_price:.2f}")
        valid = self._render()
        self.checked.emit(valid)
        if saving and valid and found.preview is not None:
            self._confirm_and_accept(found)

    def _local_problem(self) -> tuple[QWidget | None, str]:
        """The first problem found without the database: a quantity, a price, the shares."""
        checks = (
            (self.quantity, lambda: parse_quantity(self.quantity.text().strip())),
            (
                self.unit_price,
                lambda: parse_optional_unit_price(self.unit_price.text(), "unit price"),
            ),
            (
                self.baseline,
                lambda: parse_optional_unit_price(self.baseline.text(), "baseline unit price"),
            ),
        )
        for widget, parse in checks:
            try:
                parse()
            except ValidationError as exc:
                return widget, _sentence(str(exc))
        return None, ""

    def _missing(self) -> list[str]:
        filled = {
            "buyer": bool(self.buyer.code()),
            "product": bool(self.product.code()),
            "order_reference": bool(self.order_reference.text().strip()),
        }
        return [label for key, label in REQUIRED if not filled[key]]

    def _local_total(self) -> Decimal | None:
        try:
            quantity = parse_quantity(self.quantity.text().strip())
            unit = parse_optional_unit_price(self.unit_price.text(), "unit price")
        except ValidationError:
            return None
        return None if unit is None else unit * quantity

    def _render(self) -> bool:
        """Show what the fields and the latest check say; whether Save may be pressed."""
        self.split.set_total(self._local_total())
        self._show_price_note()
        widget, problem = self._local_problem()
        missing = self._missing()
        check = self._check
        if widget is None and not missing:
            problem = self.split.problem() if self.buyer.is_collaboration() else ""
            widget = self.split if problem else None
        if not problem and not missing and check is not None and check.preview is None:
            widget = self._widget_for(check.error_field)
            problem = _sentence(check.error)
        if problem:
            self._say(problem, ERROR_STYLE, widget)
        elif missing:
            needed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1])
            if len(missing) > 1:
                needed += f" and {missing[-1]}"
            self._say(f"To record the purchase, give {needed}.", GUIDANCE_STYLE, None)
        else:
            self._say("", GUIDANCE_STYLE, None)
        valid = not problem and not missing and check is not None and check.preview is not None
        self.preview = check.preview if valid and check is not None else None
        self._show_summary()
        self._save_button().setEnabled(valid)
        return valid

    def _say(self, text: str, style: str, widget: QWidget | None) -> None:
        self.error.setText(text)
        self.error.setStyleSheet(style)
        self.error.setToolTip(f"Check: {widget.accessibleName()}" if widget is not None else "")

    def _widget_for(self, field: str | None) -> QWidget | None:
        widgets: dict[str, QWidget] = {
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
            "notes": self.notes,
        }
        return widgets.get(field or "")

    def _show_price_note(self) -> None:
        """Where the unit price shown comes from, truthfully."""
        source = self._check.source if self._check is not None else None
        if source is None or not self.product.code():
            self.unit_price_note.clear()
            return
        typed = self.unit_price.text().strip()
        try:
            price = parse_optional_unit_price(typed, "unit price")
        except ValidationError:
            price = None
        if price is None or price == source.price:
            text = f"<span style='{GUIDANCE_STYLE}'>{source.text}</span>"
        else:
            text = f"<span style='color:#8a5a00'>Typed in: differs from {source.compared}</span>"
        self.unit_price_note.setText(text)

    def _show_summary(self) -> None:
        p = self.preview
        if p is None:
            self.summary.clear()
            return
        self.summary.setText(
            f"<b>Total {format_gbp(p.total)}</b> · saving {format_gbp(p.saving)} against the "
            f"baseline of {format_gbp(p.baseline_unit_price)} each"
        )

    # -- saving -------------------------------------------------------------------------
    def _save(self) -> None:
        """Check once more with what deserves a second look, and close if all is well."""
        self._timer.stop()
        self._save_button().setEnabled(False)
        self._start_check("save", cautions=True)

    def _confirm_and_accept(self, found: Check) -> None:
        duplicate = [c for c in found.cautions if c.kind == "duplicate-reference"]
        if duplicate:
            self._duplicate_reference(duplicate[0])
            return
        if found.cautions and not self._confirmed(found.cautions):
            return
        self.accept()

    def _duplicate_reference(self, caution: Caution) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Order reference already used",
            "This order reference is already used.",
            parent=self,
        )
        box.setInformativeText(caution.message)
        change = box.addButton("Change the reference", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(change)
        box.exec()
        self._render()
        if box.clickedButton() is change:
            self.order_reference.setFocus()
            self.order_reference.selectAll()

    def _confirmed(self, cautions: tuple[Caution, ...]) -> bool:
        word = "Save" if self.stored is not None else "Record"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Check before saving",
            f"{word} this purchase anyway?",
            parent=self,
        )
        box.setInformativeText("\n\n".join(c.message for c in cautions))
        go = box.addButton(f"{word} anyway", QMessageBox.ButtonRole.AcceptRole)
        back = box.addButton("Go back", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(back)
        box.exec()
        if box.clickedButton() is go:
            return True
        self._render()
        return False
