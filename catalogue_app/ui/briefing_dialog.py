"""File → Export briefing: choose buyer, period, marking and sections; build off the GUI thread."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.periods import FinancialYear, last_complete_financial_year
from catalogue_app.reports.briefing import render_briefing
from catalogue_app.reports.document import BuildCancelled
from catalogue_app.services.briefing import SECTIONS, BriefingService
from catalogue_app.services.catalogue import CatalogueService
from catalogue_app.ui.workers import Worker

CUSTOM = "custom"


class BriefingDialog(QDialog):
    def __init__(
        self,
        briefings: BriefingService,
        catalogue: CatalogueService,
        parent: QWidget | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.briefings = briefings
        self.today = today or date.today()
        self.setWindowTitle("Export briefing")
        self.setMinimumWidth(560)
        self.buyer = QComboBox()
        self.buyer.setAccessibleName("Buyer")
        for c in catalogue.list_collaborations():
            self.buyer.addItem(f"{c.name} (collaboration)", c.code)
        for f in catalogue.list_forces():
            self.buyer.addItem(f.name, f.code)
        self.period = QComboBox()
        self.period.setAccessibleName("Period")
        last = last_complete_financial_year(self.today)
        for year in range(last.start_year, last.start_year - 10, -1):
            self.period.addItem(f"Financial year {FinancialYear(year).label}", year)
        self.period.addItem("Other dates…", CUSTOM)
        self.start = QDateEdit(QDate(last.start))
        self.end = QDateEdit(QDate(last.end))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
        dates = QHBoxLayout()
        dates.addWidget(self.start)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.end)
        self.dates = QWidget()
        self.dates.setLayout(dates)
        self.dates.setVisible(False)
        self.period.currentIndexChanged.connect(
            lambda _i: self.dates.setVisible(self.period.currentData() == CUSTOM)
        )
        self.marking = QLineEdit("OFFICIAL")
        self.marking.setAccessibleName("Protective marking")
        self.sections: dict[str, QCheckBox] = {}
        boxes = QVBoxLayout()
        for key, title in SECTIONS.items():
            box = QCheckBox(title)
            box.setChecked(True)
            box.toggled.connect(lambda _on: self._preview())
            self.sections[key] = box
            boxes.addWidget(box)
        self.outline = QLabel()
        self.outline.setObjectName("outlinePreview")
        self.outline.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Buyer", self.buyer)
        form.addRow("&Period", self.period)
        form.addRow("", self.dates)
        form.addRow("&Marking", self.marking)
        form.addRow("Sections", boxes)
        form.addRow("Outline", self.outline)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Generate…")
        self.buttons.accepted.connect(lambda: self.generate())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.path: str | None = None
        self._cancel = threading.Event()
        self._worker = Worker(self._done, self._failed, self)
        self._preview()

    def chosen_period(self) -> tuple[date, date]:
        year = self.period.currentData()
        if year == CUSTOM:
            return self.start.date().toPython(), self.end.date().toPython()
        fy = FinancialYear(int(year))
        return fy.start, fy.end

    def chosen_sections(self) -> tuple[str, ...]:
        return tuple(k for k, box in self.sections.items() if box.isChecked())

    def _preview(self) -> None:
        titles = ["Cover", *[SECTIONS[k] for k in self.chosen_sections()]]
        self.outline.setText(" → ".join(titles))

    def generate(self, path: str | None = None, *, open_when_done: bool = True) -> None:
        if path is None:
            suggested = f"briefing-{self.buyer.currentData()}.pdf"
            path, _ = QFileDialog.getSaveFileName(self, "Save briefing", suggested, "PDF (*.pdf)")
            if not path:
                return
        self.path = path
        self._open_when_done = open_when_done
        start, end = self.chosen_period()
        buyer, marking, sections = (
            self.buyer.currentData(),
            self.marking.text(),
            self.chosen_sections(),
        )
        self._cancel.clear()
        self.progress = QProgressDialog(
            "Gathering the figures and writing the PDF…", "Cancel", 0, 0, self
        )
        self.progress.setWindowTitle("Export briefing")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(200)
        self.progress.canceled.connect(self._cancel.set)
        target = Path(path)
        partial = target.with_name(target.name + ".part")
        cancelled = self._cancel.is_set
        today = self.today

        def build() -> str:
            try:
                data = self.briefings.build(
                    buyer, start, end, marking=marking, today=today, sections=sections
                )
                render_briefing(data, str(partial), cancelled)
                partial.replace(target)
                return str(target)
            except BuildCancelled:
                return ""
            finally:
                partial.unlink(missing_ok=True)

        self._worker.submit(build)

    def _done(self, written: str) -> None:
        self.progress.close()
        if not written:
            return  # cancelled: nothing was left behind
        if self._open_when_done:
            answer = QMessageBox.question(self, "Briefing ready", f"Saved {written}.\nOpen it now?")
            if answer == QMessageBox.StandardButton.Yes:
                QDesktopServices.openUrl(QUrl.fromLocalFile(written))
        self.accept()

    def _failed(self, message: str) -> None:
        self.progress.close()
        QMessageBox.warning(self, "Export briefing", message[:1].upper() + message[1:])
