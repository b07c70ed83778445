"""File → Export briefing: choose buyer, period, marking and sections; build off the GUI thread.

The dialog shows what the chosen period holds for the buyer (purchases and
spend) and reads it again when purchases of that buyer change.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.periods import FinancialYear, last_complete_financial_year
from catalogue_app.reports.briefing import write_briefing
from catalogue_app.reports.document import BuildCancelled
from catalogue_app.services.briefing import SECTIONS
from catalogue_app.services.changes import Change, LedgerChanged
from catalogue_app.services.ledger import LedgerFilter, LedgerPage, protected_files
from catalogue_app.ui.context import Buyers, UiContext
from catalogue_app.ui.errors import show_failure
from catalogue_app.ui.files import ask_save_path, file_name, period_slug
from catalogue_app.ui.ops import OpProgress, QueryOp
from catalogue_app.ui.settings import Settings

CUSTOM = "custom"
YEAR_TO_DATE = "year to date"


class BriefingDialog(QDialog):
    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None = None,
        today: date | None = None,
        *,
        settings: Settings | None = None,
        buyer: str | None = None,
    ) -> None:
        """``buyer``: the force or collaboration chosen where the dialog was opened from."""
        super().__init__(parent)
        self._settings = settings if settings is not None else Settings()
        self._wanted_buyer = buyer
        self.briefings, self.ledger = ctx.briefings, ctx.ledger
        self._protected = protected_files(ctx.db)
        self.today = today or date.today()
        self.setWindowTitle("Export briefing")
        self.setMinimumWidth(560)
        self.buyer = QComboBox()
        self.buyer.setAccessibleName("Buyer")
        self.period = QComboBox()
        self.period.setAccessibleName("Period")
        last = last_complete_financial_year(self.today)
        current = FinancialYear.containing(self.today)
        self.period.addItem(f"Financial year {current.label} to date", YEAR_TO_DATE)
        for year in range(last.start_year, last.start_year - 10, -1):
            self.period.addItem(f"Financial year {FinancialYear(year).label}", year)
        self.period.addItem("Other dates…", CUSTOM)
        self.period.setCurrentIndex(self.period.findData(last.start_year))
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
        self.buyer.currentIndexChanged.connect(lambda _i: self._read_figures())
        self.period.currentIndexChanged.connect(lambda _i: self._read_figures())
        self.start.dateChanged.connect(lambda _d: self._read_figures())
        self.end.dateChanged.connect(lambda _d: self._read_figures())
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
        self.figures = QLabel("Reading the ledger…")
        self.figures.setObjectName("periodFigures")
        self.figures.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Buyer", self.buyer)
        form.addRow("&Period", self.period)
        form.addRow("", self.dates)
        form.addRow("In the period", self.figures)
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
        self.op: QueryOp[str] | None = None
        self._preview()
        ctx.buyers.when_ready(self._fill_buyers)
        ctx.hub.changed.connect(self._changed)

    def _fill_buyers(self, buyers: Buyers) -> None:
        buyers.fill(self.buyer)
        wanted = self.buyer.findData(self._wanted_buyer)
        if wanted >= 0:
            self.buyer.blockSignals(True)
            self.buyer.setCurrentIndex(wanted)
            self.buyer.blockSignals(False)
        self._read_figures()

    def _read_figures(self) -> None:
        """How many purchases and how much spend the chosen period holds for the buyer."""
        buyer = self.buyer.currentData()
        if not buyer:
            return
        start, end = self.chosen_period()
        ledger, f = self.ledger, LedgerFilter(buyer=buyer, start=start, end=end)
        QueryOp(
            self, lambda: ledger.summary(f), kind="figures", doing="reading the ledger"
        ).success(self._show_figures).failure(
            lambda exc: self.figures.setText(str(exc))
        ).run_in_background()

    def _show_figures(self, page: LedgerPage) -> None:
        self.figures.setText(
            f"{page.total:,} purchase{'s' if page.total != 1 else ''}, "
            f"spend {format_gbp(page.spend)}, savings {format_gbp(page.savings)}"
        )

    def _changed(self, change: Change) -> None:
        if isinstance(change, LedgerChanged) and change.touches_buyer(self.buyer.currentData()):
            self._read_figures()

    def chosen_period(self) -> tuple[date, date]:
        year = self.period.currentData()
        if year == CUSTOM:
            return self.start.date().toPython(), self.end.date().toPython()
        if year == YEAR_TO_DATE:
            return FinancialYear.containing(self.today).start, self.today
        fy = FinancialYear(int(year))
        return fy.start, fy.end

    def chosen_sections(self) -> tuple[str, ...]:
        return tuple(k for k, box in self.sections.items() if box.isChecked())

    def _preview(self) -> None:
        titles = ["Cover", *[SECTIONS[k] for k in self.chosen_sections()]]
        self.outline.setText(" → ".join(titles))

    def generate(self, path: str | None = None, *, open_when_done: bool = True) -> None:
        if path is None:
            start, end = self.chosen_period()
            suggested = file_name(
                "briefing",
                str(self.buyer.currentData() or ""),
                period_slug(start, end, self.today),
                extension="pdf",
            )
            path = ask_save_path(
                self, self._settings, "briefings", "Save briefing", suggested, "PDF (*.pdf)"
            )
            if path is None:
                return
        self.path = path
        self._open_when_done = open_when_done
        start, end = self.chosen_period()
        buyer, marking, sections = (
            self.buyer.currentData(),
            self.marking.text(),
            self.chosen_sections(),
        )
        target = Path(path)
        today, briefings, protected = self.today, self.briefings, self._protected

        def build(progress: OpProgress) -> str:
            try:
                data = briefings.build(
                    buyer, start, end, marking=marking, today=today, sections=sections
                )
                progress.check()
                # the save dialog asked before replacing a file; the database is never replaced
                write_briefing(
                    data,
                    target,
                    overwrite=True,
                    protected=protected,
                    cancelled=lambda: progress.cancelled,
                )
                return str(target)
            except BuildCancelled:
                return ""

        self.op = (
            QueryOp(self, build, kind="briefing", doing="export briefing", takes_progress=True)
            .with_progress("Gathering the figures and writing the PDF…", cancellable=True)
            .success(self._done)
            .failure(self._failed)
        )
        self.op.run_in_background()

    def _done(self, written: str) -> None:
        if not written:
            return  # cancelled: nothing was left behind
        if self._open_when_done:
            answer = QMessageBox.question(self, "Briefing ready", f"Saved {written}.\nOpen it now?")
            if answer == QMessageBox.StandardButton.Yes:
                QDesktopServices.openUrl(QUrl.fromLocalFile(written))
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        show_failure(self, exc, "export briefing")
