"""One form for every kind of catalogue record, laid out from its field descriptions.

The fields, their labels, help and rules come from :data:`SPECS`, so a supplier,
a product, a framework, a lot and a lot's prices share one dialog. What can be
checked without the database is checked as the officer types (each problem shown
under its field, Save disabled until the record is valid); what needs the
database (a supplier code that exists, someone else saving first) is checked
when Save is pressed, in a command op, and shown the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from PySide6.QtCore import QByteArray, QDate, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.errors import CatalogueError, ValidationError
from catalogue_app.services.catalogue import ProductQuery
from catalogue_app.services.editing import (
    SPECS,
    EditResult,
    FieldSpec,
    FieldType,
    Kind,
    Record,
    RecordInvalid,
    StaleRecordError,
    parse_record,
    record_values,
)
from catalogue_app.services.ledger.advice import PurchaseAdvice
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.errors import show_failure
from catalogue_app.ui.ops import CommandOp, QueryOp, latest_query_running
from catalogue_app.ui.pickers import ProductPicker
from catalogue_app.ui.settings import Settings, record_form_size

ERROR_STYLE = "color: #a11d1d; font-weight: 600;"
HELP_STYLE = "color: #5b6b7d;"
NOT_SET = "Not set"
_FIRST_DAY = QDate(1900, 1, 1)  # an optional date at its minimum shows "Not set"

NOUNS = {
    Kind.SUPPLIER: "supplier",
    Kind.PRODUCT: "product",
    Kind.FRAMEWORK: "framework",
    Kind.LOT: "lot",
    Kind.OFFER: "prices on a lot",
}


def _sentence(message: str) -> str:
    text = message.strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- field widgets -----------------------------------------------------------------------------


class ReferencePicker(QComboBox):
    """An editable list of records another refers to (suppliers, categories, frameworks,
    lots), filtering on any part of a name; :meth:`code` is the chosen record's code, or
    the typed text when it names none (the editor then says which code is unknown)."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(16)
        self.setMinimumContentsLength(30)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        line = QLineEdit(self)
        line.setPlaceholderText(placeholder)
        line.setClearButtonEnabled(True)
        self.setLineEdit(line)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)

    def fill(self, choices: Sequence[tuple[str, str]]) -> None:
        """List (code, label) choices, keeping the code chosen so far."""
        chosen = self.code()
        with QSignalBlocker(self):
            self.clear()
            for code, label in choices:
                self.addItem(label, code)
        self.set_code(chosen)

    def code(self) -> str:
        text = self.currentText().strip()
        index = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            return str(self.itemData(index))
        for n in range(self.count()):
            if str(self.itemData(n)).lower() == text.lower():
                return str(self.itemData(n))
        return text

    def set_code(self, code: str) -> None:
        index = self.findData(code)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setCurrentIndex(-1)
            self.setEditText(code)
        line = self.lineEdit()
        if line is not None:
            line.setCursorPosition(0)  # the start of a long name, not its end


class DateField(QWidget):
    """A date picked from a calendar; an optional one can be cleared to "Not set"."""

    changed = Signal()

    def __init__(self, optional: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optional = optional
        self.edit = QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("d MMM yyyy")
        self.edit.setMinimumWidth(150)
        self.edit.setDate(QDate.currentDate())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        if optional:
            self.edit.setMinimumDate(_FIRST_DAY)
            self.edit.setSpecialValueText(NOT_SET)
            self.edit.setDate(_FIRST_DAY)
            self.clear_button = QToolButton()
            self.clear_button.setText("Clear")
            self.clear_button.setToolTip("Leave the date unset")
            self.clear_button.clicked.connect(lambda: self.set_text(""))
            layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self.edit.dateChanged.connect(lambda _d: self.changed.emit())

    def text(self) -> str:
        shown = self.edit.date()
        if self.optional and shown == _FIRST_DAY:
            return ""
        return date(shown.year(), shown.month(), shown.day()).isoformat()

    def set_text(self, text: str) -> None:
        if not text:
            self.edit.setDate(_FIRST_DAY if self.optional else QDate.currentDate())
        else:
            self.edit.setDate(_qdate(date.fromisoformat(text)))


class SupplierList(QListWidget):
    """Tick the suppliers of a lot; the value is their codes separated by "; "."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(130)
        self.setMaximumHeight(170)
        self._wanted: set[str] = set()

    def fill(self, choices: Sequence[tuple[str, str]]) -> None:
        wanted = self.codes() | self._wanted
        with QSignalBlocker(self):
            self.clear()
            for code, label in choices:
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, code)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                checked = code in wanted
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.addItem(item)
        self._wanted = set()

    def codes(self) -> set[str]:
        found = set()
        for n in range(self.count()):
            item = self.item(n)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                found.add(str(item.data(Qt.ItemDataRole.UserRole)))
        return found

    def text(self) -> str:
        return "; ".join(sorted(self.codes() or self._wanted, key=str.lower))

    def set_text(self, text: str) -> None:
        self._wanted = {p.strip() for p in text.split(";") if p.strip()}
        for n in range(self.count()):
            item = self.item(n)
            if item is not None:
                code = str(item.data(Qt.ItemDataRole.UserRole))
                state = Qt.CheckState.Checked if code in self._wanted else Qt.CheckState.Unchecked
                item.setCheckState(state)


class Field:
    """One field of the form: its widget, the note under it, and its value as text."""

    def __init__(self, spec: FieldSpec, widget: QWidget, note: QLabel) -> None:
        self.spec = spec
        self.widget = widget
        self.note = note
        self.touched = False

    def text(self) -> str:
        w = self.widget
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        if isinstance(w, QCheckBox):
            return "yes" if w.isChecked() else "no"
        if isinstance(w, QSpinBox):
            return str(w.value())
        if isinstance(w, ProductPicker):
            return w.code() or w.text()
        if isinstance(w, ReferencePicker):
            return w.code()
        if isinstance(w, QComboBox):
            return str(w.currentData() or "")
        if isinstance(w, DateField | SupplierList | QLineEdit):
            return w.text()
        raise TypeError(type(w).__name__)

    def set_text(self, text: str) -> None:
        w = self.widget
        if isinstance(w, QPlainTextEdit):
            w.setPlainText(text)
        elif isinstance(w, QCheckBox):
            w.setChecked(text == "yes")
        elif isinstance(w, QSpinBox):
            w.setValue(int(text or 0))
        elif isinstance(w, ReferencePicker):
            w.set_code(text)
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(text)))
        elif isinstance(w, QLineEdit):
            w.setText(text)
        elif isinstance(w, DateField | SupplierList):
            w.set_text(text)

    def show(self, problem: str) -> None:
        """The problem under the field in red, else its help in grey."""
        if problem:
            self.note.setText(_sentence(problem))
            self.note.setStyleSheet(ERROR_STYLE)
        else:
            words = self.spec.help
            if isinstance(self.widget, SupplierList):
                words = "tick every supplier on the lot"
            self.note.setText(words[:1].upper() + words[1:])
            self.note.setStyleSheet(HELP_STYLE)
        self.note.setVisible(bool(self.note.text()))
        self.note.setToolTip(f"Check: {self.spec.label}" if problem else "")


# -- the form ----------------------------------------------------------------------------------

Submit = Callable[[Record], CommandOp[EditResult]]


class RecordForm(QDialog):
    """Add a record of ``kind`` (``record`` None) or change ``record``.

    ``values`` fills fields of a new record; ``fixed`` names fields shown but not
    editable (the framework of a new lot); ``hidden`` fields are left out. Save
    runs ``submit`` (a command op) and closes once it has succeeded; the result is
    in :attr:`outcome`.
    """

    checked = Signal(bool)  # the fields were checked: whether Save may be pressed

    def __init__(
        self,
        ctx: UiContext,
        kind: Kind,
        submit: Submit,
        parent: QWidget | None = None,
        *,
        record: Record | None = None,
        values: Mapping[str, str] | None = None,
        fixed: Sequence[str] = (),
        hidden: Sequence[str] = (),
        settings: Settings | None = None,
        title: str = "",
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.original = record
        self.outcome: EditResult | None = None
        self._submit = submit
        self._settings = settings
        self._remote: dict[str, str] = {}  # problems the database found, until edited
        self._saving = False
        self._stale = False
        noun = NOUNS[kind]
        self.setWindowTitle(title or (f"Edit {noun}" if record is not None else f"New {noun}"))
        self.setObjectName(f"{kind.value}Form")

        self.fields: dict[str, Field] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        locked = set(fixed) | (
            {s.name for s in SPECS[kind] if s.key} if record is not None else set()
        )
        for spec in SPECS[kind]:
            if spec.name in hidden:
                continue
            widget = self._widget(spec)
            widget.setAccessibleName(spec.label)
            widget.setObjectName(spec.name)
            if spec.name in locked:
                widget.setEnabled(False)
                widget.setToolTip(
                    f"The {spec.label.lower()} names the {noun}; it cannot change here"
                )
            note = QLabel()
            note.setWordWrap(True)
            note.setObjectName(f"{spec.name}Note")
            cell = QWidget()
            cell.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(note)
            money = spec.type in (FieldType.MONEY, FieldType.OPTIONAL_MONEY)
            optional = not spec.required and spec.type is not FieldType.YES_NO
            marks = (["£"] if money else []) + (["optional"] if optional else [])
            label = QLabel(spec.label + (f" ({', '.join(marks)})" if marks else ""))
            label.setBuddy(widget)
            form.addRow(label, cell)
            self.fields[spec.name] = Field(spec, widget, note)

        body = QWidget()
        rows = QVBoxLayout(body)
        rows.addLayout(form)
        rows.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidget(body)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroller, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.validate)
        filled = dict(values or {})
        if record is not None:
            filled = record_values(record) | filled
        for name, text in filled.items():
            if name in self.fields:
                self.fields[name].set_text(text)
        for field in self.fields.values():
            self._watch(field)
        self._load_choices()
        self.validate()
        self._size_to_fit(body)

    # -- building ----------------------------------------------------------------------
    def _widget(self, spec: FieldSpec) -> QWidget:
        match spec.type:
            case FieldType.LONG_TEXT:
                text = QPlainTextEdit()
                text.setTabChangesFocus(True)
                text.setFixedHeight(58)
                return text
            case FieldType.DATE | FieldType.OPTIONAL_DATE:
                return DateField(spec.type is FieldType.OPTIONAL_DATE)
            case FieldType.WHOLE:
                spin = QSpinBox()
                spin.setRange(0, 1000)
                spin.setMaximumWidth(110)
                return spin
            case FieldType.YES_NO:
                return QCheckBox("Yes")
            case FieldType.CHOICE:
                combo = QComboBox()
                for choice in spec.choices:
                    combo.addItem(choice[:1].upper() + choice[1:], choice)
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
                return combo
            case FieldType.REFERENCE if spec.refers_to == "product":
                return ProductPicker(PurchaseAdvice(self.ctx.db))
            case FieldType.REFERENCE:
                placeholders = {
                    "supplier": "Type part of the supplier's name",
                    "category": "Type a CPV code or part of a category's name",
                    "framework": "Type part of the framework's reference or title",
                    "lot": "Choose the framework first, then its lot",
                }
                return ReferencePicker(placeholders.get(spec.refers_to or "", ""))
            case FieldType.LIST if spec.refers_to == "supplier":
                return SupplierList()
        line = QLineEdit()
        if spec.type in (FieldType.MONEY, FieldType.OPTIONAL_MONEY):
            line.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            line.setMaximumWidth(160)
        elif spec.type is FieldType.PRICE_BREAKS:
            line.setPlaceholderText("1000:440.00, 3000:425.00")
        return line

    def _watch(self, field: Field) -> None:
        w = field.widget

        def edited(*_args: object) -> None:
            field.touched = True
            self._remote.pop(field.spec.name, None)
            self._remote.pop("", None)
            self._stale = False
            if field.spec.name == "list_price":
                self._price_changed()
            self._timer.start()

        if isinstance(w, QPlainTextEdit):
            w.textChanged.connect(edited)
        elif isinstance(w, QCheckBox):
            w.toggled.connect(edited)
        elif isinstance(w, QSpinBox):
            w.valueChanged.connect(edited)
        elif isinstance(w, ProductPicker):
            w.textChanged.connect(edited)
            w.chosen.connect(edited)
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(edited)
            w.editTextChanged.connect(edited)
        elif isinstance(w, DateField):
            w.changed.connect(edited)
        elif isinstance(w, SupplierList):
            w.itemChanged.connect(edited)
        elif isinstance(w, QLineEdit):
            w.textChanged.connect(edited)
        if field.spec.refers_to == "framework" and isinstance(w, ReferencePicker):
            w.currentTextChanged.connect(lambda _t: self._load_lots())

    def _price_changed(self) -> None:
        """A changed list price is a new version from today unless another day is chosen,
        so the price purchases were made at is never rewritten by accident."""
        since = self.fields.get("price_from")
        if self.original is None or since is None or since.touched:
            return
        before = record_values(self.original)
        changed = self.fields["list_price"].text().strip() != before["list_price"]
        assert isinstance(since.widget, DateField)
        with QSignalBlocker(since.widget.edit):
            since.set_text(date.today().isoformat() if changed else before["price_from"])

    def _size_to_fit(self, body: QWidget) -> None:
        """The size last used for this kind, else every field in view if the screen allows."""
        self.setMinimumWidth(560)
        stored = (
            self._settings.get(record_form_size(self.kind.value))
            if self._settings
            else QByteArray()
        )
        if not stored.isEmpty() and self.restoreGeometry(stored):
            return
        screen = self.screen().availableGeometry()
        layout = body.layout()
        if layout is not None:
            layout.activate()
        wanted = body.sizeHint().height() + self.buttons.sizeHint().height() + 56
        self.resize(660, max(320, min(screen.height() - 60, wanted)))

    # -- choices, read off the GUI thread ---------------------------------------------------
    def _load_choices(self) -> None:
        browse, catalogue = self.ctx.browse, self.ctx.catalogue
        wanted = {f.spec.refers_to for f in self.fields.values() if f.spec.refers_to}
        if "supplier" in wanted:
            QueryOp(
                self,
                lambda: [(s.code, s.name) for s in browse.list_suppliers()],
                kind="suppliers",
                doing="reading the suppliers",
            ).success(lambda c: self._fill("supplier", c)).run_in_background()
        if "category" in wanted:

            def categories() -> list[tuple[str, str]]:
                facets = catalogue.facet_counts(ProductQuery()).get("category", [])
                return sorted((f.value, f"{f.value} — {f.label}") for f in facets)

            QueryOp(self, categories, kind="categories", doing="reading the categories").success(
                lambda c: self._fill("category", c)
            ).run_in_background()
        if "framework" in wanted:
            QueryOp(
                self,
                lambda: [
                    (f.reference, f"{f.reference} — {f.title}") for f in catalogue.list_frameworks()
                ],
                kind="frameworks",
                doing="reading the frameworks",
            ).success(lambda c: self._fill("framework", c)).run_in_background()
        if "lot" in wanted:
            self._load_lots()

    def _fill(self, refers_to: str, choices: list[tuple[str, str]]) -> None:
        for field in self.fields.values():
            if field.spec.refers_to == refers_to and isinstance(
                field.widget, ReferencePicker | SupplierList
            ):
                with QSignalBlocker(field.widget):
                    field.widget.fill(choices)
        self._timer.start()

    def _load_lots(self) -> None:
        framework = self.fields.get("framework")
        if framework is None or "lot" not in self.fields:
            return
        reference, browse = framework.text(), self.ctx.browse

        def lots() -> list[tuple[str, str]]:
            if not reference:
                return []
            try:
                detail = browse.framework_detail(reference)
            except CatalogueError:
                return []
            return [(lot.number, f"Lot {lot.number} — {lot.title}") for lot in detail.lots]

        QueryOp(self, lots, kind="lots", doing="reading the lots").success(
            lambda c: self._fill("lot", c)
        ).run_in_background()

    def settled(self) -> bool:
        """No check or read is waiting: what the form shows answers its fields."""
        kinds = ("suppliers", "categories", "frameworks", "lots")
        pickers_settled = all(
            f.widget.settled() for f in self.fields.values() if isinstance(f.widget, ProductPicker)
        )
        return (
            pickers_settled
            and not self._timer.isActive()
            and not self._saving
            and not any(latest_query_running(self, k) for k in kinds)
        )

    # -- checking ------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """What the fields hold, as text, with any hidden field as the record had it."""
        out = record_values(self.original) if self.original is not None else {}
        out.update({name: field.text() for name, field in self.fields.items()})
        return out

    def problems(self) -> dict[str, str]:
        """Each field's first problem, from the form's own checks and the database's."""
        found: dict[str, str] = {}
        try:
            parse_record(self.kind, self.values())
        except RecordInvalid as invalid:
            for p in invalid.problems:
                found.setdefault(p.field, p.message)
        for name, message in self._remote.items():
            found.setdefault(name, message)
        return found

    def validate(self) -> bool:
        """Show each field's problem next to it; whether Save may be pressed."""
        self._timer.stop()
        problems = self.problems()
        missing: list[str] = []
        shown_problem = False
        for name, field in self.fields.items():
            problem = problems.get(name, "")
            blank = not field.text().strip()
            if problem and blank and field.spec.required and not field.touched:
                missing.append(field.spec.label.lower())
                problem = ""
            shown_problem = shown_problem or bool(problem)
            field.show(problem)
        outside = [m for n, m in problems.items() if n not in self.fields]
        if self._stale:
            self._say(self.message.text(), ERROR_STYLE)
        elif outside:
            self._say(_sentence(outside[0]), ERROR_STYLE)
        elif missing and not shown_problem:
            self._say(f"To save the {NOUNS[self.kind]}, give the {_and(missing)}.", HELP_STYLE)
        elif shown_problem:
            self._say("Put right what is marked in red to save.", HELP_STYLE)
        else:
            self._say("", HELP_STYLE)
        valid = not problems and not self._saving and not self._stale
        self._save_button().setEnabled(valid)
        self.checked.emit(valid)
        return valid

    def _say(self, text: str, style: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)
        self.message.setVisible(bool(text))

    def _save_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    # -- saving --------------------------------------------------------------------------
    def record(self) -> Record:
        return parse_record(self.kind, self.values())

    def _save(self) -> None:
        if not self.validate():
            return
        self._saving = True
        self._save_button().setEnabled(False)
        self._say("Saving…", HELP_STYLE)
        self._submit(self.record()).success(self._saved).failure(self._refused).run_in_background()

    def _saved(self, result: EditResult) -> None:
        self._saving = False
        self.outcome = result
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self._saving = False
        if isinstance(exc, RecordInvalid):
            for p in exc.problems:
                self._remote[p.field] = p.message
        elif isinstance(exc, StaleRecordError):
            self._stale = True
            self._say(_sentence(str(exc)), ERROR_STYLE)
        elif isinstance(exc, ValidationError) and exc.field:
            self._remote[exc.field] = str(exc)
        elif isinstance(exc, CatalogueError):
            self._remote[""] = str(exc)
        else:
            show_failure(self, exc, "save the catalogue change")
        for name in self._remote:
            field = self.fields.get(name)
            if field is not None:
                field.touched = True
        self.validate()
        first = next((self.fields[n] for n in self._remote if n in self.fields), None)
        if first is not None:
            first.widget.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroller.ensureWidgetVisible(first.widget)

    def done(self, result: int) -> None:
        if self._settings is not None:
            self._settings.set(record_form_size(self.kind.value), self.saveGeometry())
        super().done(result)
