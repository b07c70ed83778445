"""Pickers that search as you type: a product by name, code or supplier (the search runs in a
query op), and a buyer by name (from the buyer lists already read)."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QWidget

from catalogue_app.services.ledger.advice import ProductChoice, PurchaseAdvice
from catalogue_app.ui.context import Buyers
from catalogue_app.ui.ops import QueryOp, latest_query_running


def _found(
    advice: PurchaseAdvice, text: str
) -> tuple[str, ProductChoice | None, list[ProductChoice]]:
    """What ``text`` names: the product with exactly that code, and the products it finds."""
    return text, advice.product(text), advice.find_products(text)


class ProductPicker(QLineEdit):
    """A line edit that lists matching products as you type; choosing one sets :meth:`code`.

    Typing a product's exact code chooses it too, so a code typed from a price list works.
    """

    chosen = Signal(str)  # the chosen product's code, or "" when the text names none

    def __init__(self, advice: PurchaseAdvice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._advice = advice
        self._choice: ProductChoice | None = None
        self._labels: dict[str, ProductChoice] = {}
        self.setPlaceholderText("Type part of a product's name, code or supplier")
        self.setClearButtonEnabled(True)
        self._model = QStringListModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setMaxVisibleItems(12)
        self._completer.setWidget(self)
        self._completer.activated.connect(self._activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self._search)
        self.textChanged.connect(self._text_changed)
        self.editingFinished.connect(self._finished)

    def code(self) -> str:
        return self._choice.code if self._choice else ""

    def choice(self) -> ProductChoice | None:
        return self._choice

    def settled(self) -> bool:
        return not (self._timer.isActive() or latest_query_running(self, "products"))

    def _text_changed(self, text: str) -> None:
        if self._choice is not None and text == self._choice.label:
            return
        self._choose(None)
        if text.strip():
            self._timer.start()
        else:
            self._timer.stop()
            self._model.setStringList([])

    def _search(self) -> None:
        advice, text = self._advice, self.text().strip()
        QueryOp(
            self, lambda: _found(advice, text), kind="products", doing="finding products"
        ).success(self._show).run_in_background()

    def _show(self, found: tuple[str, ProductChoice | None, list[ProductChoice]]) -> None:
        text, exact, matches = found
        if text != self.text().strip():
            return
        if exact is not None:
            self._choose(exact)
            if not self.hasFocus():
                self._finished()
        self._labels = {p.label: p for p in matches}
        self._model.setStringList(list(self._labels))
        if matches and self.hasFocus() and exact is None:
            self._completer.complete()

    def _activated(self, label: str) -> None:
        choice = self._labels.get(label)
        if choice is not None:
            self._choose(choice)
            self.setText(choice.label)
            self.setCursorPosition(0)

    def _finished(self) -> None:
        """Leaving the field shows the chosen product in full."""
        if self._choice is not None and self.text() != self._choice.label:
            self.blockSignals(True)
            self.setText(self._choice.label)
            self.setCursorPosition(0)
            self.blockSignals(False)

    def _choose(self, choice: ProductChoice | None) -> None:
        before = self.code()
        self._choice = choice
        if self.code() != before:
            self.chosen.emit(self.code())


class BuyerPicker(QComboBox):
    """An editable list of forces and collaborations that filters on any part of a name;
    :meth:`code` is the buyer whose name is shown, or "" while the text names none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(16)
        self.setMinimumContentsLength(28)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        line = QLineEdit(self)
        line.setPlaceholderText("Type part of a force's or collaboration's name (or ECIS, …)")
        line.setClearButtonEnabled(True)
        self.setLineEdit(line)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.collaborations: set[str] = set()

    def fill(self, buyers: Buyers, chosen: str = "") -> None:
        """List every buyer, collaborations first, keeping (or setting) the choice."""
        chosen = chosen or self.code()
        self.blockSignals(True)
        self.clear()
        for c in buyers.collaborations:
            # officers know collaborations by their short names too (ECIS): typing one finds it
            kind = "" if "collaboration" in c.name.lower() else "collaboration, "
            self.addItem(f"{c.name} ({kind}{c.code.upper()})", c.code)
        for f in buyers.forces:
            self.addItem(f.name, f.code)
        self.collaborations = set(buyers.members)
        self.setCurrentIndex(self.findData(chosen) if chosen else -1)
        if not chosen:
            self.setEditText("")
        self.blockSignals(False)

    def code(self) -> str:
        index = self.findText(self.currentText().strip(), Qt.MatchFlag.MatchFixedString)
        return str(self.itemData(index) or "") if index >= 0 else ""

    def is_collaboration(self) -> bool:
        return self.code() in self.collaborations
