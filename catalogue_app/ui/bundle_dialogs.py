"""File → Take offline… and File → Merge changes…: bundles written and merged off the GUI
thread.

Take offline writes a bundle (a full offline copy, or the changes another device has
not merged yet) with progress and Cancel. Merge changes checks the bundle first (a
dry run that changes nothing) and shows what it would add, change and leave in
conflict; a bundle from a device this database has not seen before is merged only
once the officer has confirmed that device, named by its id and name.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QMessageBox,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.services.bundles import ExportReport, MergeReport, default_bundle_name
from catalogue_app.ui.context import Buyers, UiContext
from catalogue_app.ui.errors import show_failure
from catalogue_app.ui.files import ask_save_path
from catalogue_app.ui.operations import bundles as ops
from catalogue_app.ui.ops import CommandOp
from catalogue_app.ui.settings import Settings

BUNDLE_FILTER = "Catalogue bundle (*.catbundle)"
WARNING_STYLE = "color:#a11d1d"


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def day_text(moment: datetime | date) -> str:
    """23 Nov 2026 (a moment in the computer's own time zone)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone()
    return f"{moment.day} {moment:%b %Y}"


def moment_text(moment: datetime) -> str:
    """23 Nov 2026 at 14:05 (the computer's own time zone)."""
    return f"{day_text(moment)} at {moment.astimezone():%H:%M}"


def _wrapped(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class TakeOfflineDialog(QDialog):
    """Choose whose ledger and what the bundle holds, then write it (Write bundle…)."""

    written = Signal(object)  # ExportReport

    def __init__(
        self,
        ctx: UiContext,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        buyer: str | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self._settings = ctx, settings
        self._wanted_buyer = buyer
        self.today = today or date.today()
        self.setWindowTitle("Take offline")
        self.setMinimumWidth(520)
        self.intro = _wrapped(
            "Write the catalogue and the ledger to one bundle file to carry on a USB stick "
            "or attach to an email. Work recorded with it comes back with File → Merge "
            "changes…, with nothing lost or counted twice."
        )
        self.buyer = QComboBox()
        self.buyer.setAccessibleName("Whose ledger")
        self.buyer.addItem("Every buyer (the whole ledger)", None)
        self.full = QRadioButton("A full offline copy: the catalogue, the notices and the ledger")
        self.changes = QRadioButton("Only the changes not yet merged at")
        self.full.setChecked(True)
        self.contents = QButtonGroup(self)
        self.contents.addButton(self.full)
        self.contents.addButton(self.changes)
        self.device = QComboBox()
        self.device.setAccessibleName("Device to send the changes to")
        self.device.setEnabled(False)
        self.changes.setEnabled(False)
        self.changes.setToolTip("No other device has sent a bundle here yet.")
        self.changes.toggled.connect(self.device.setEnabled)
        self.changes.toggled.connect(lambda _on: self._explain())
        changes_row = QWidget()
        row = QFormLayout(changes_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addRow(self.changes, self.device)
        what = QVBoxLayout()
        what.addWidget(self.full)
        what.addWidget(changes_row)
        self.next_step = _wrapped()
        self.next_step.setObjectName("bundleNextStep")
        self.next_step.setStyleSheet("color:#5b6b7d")
        form = QFormLayout()
        form.addRow("&Whose ledger", self.buyer)
        form.addRow("Contents", what)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.write_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.write_button.setText("Write bundle…")
        self.buttons.accepted.connect(lambda: self.write())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.next_step)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.report: ExportReport | None = None
        self._explain()
        ctx.buyers.when_ready(self._fill_buyers)
        ops.read_bundle_choices(self, ctx).success(self._choices).run_in_background()

    def _fill_buyers(self, buyers: Buyers) -> None:
        buyers.fill(self.buyer, ("Every buyer (the whole ledger)", None))
        wanted = self.buyer.findData(self._wanted_buyer)
        if wanted >= 0:
            self.buyer.setCurrentIndex(wanted)

    def _choices(self, choices: ops.BundleChoices) -> None:
        self.device.clear()
        self.device.addItems(list(choices.devices))
        self.changes.setEnabled(bool(choices.devices))
        self.changes.setToolTip(
            "" if choices.devices else "No other device has sent a bundle here yet."
        )
        status = choices.status
        if status.is_copy and status.copied_at is not None:
            self.intro.setText(
                f"This is an offline copy made from {status.copied_from}'s database on "
                f"{day_text(status.copied_at)}; {status.unmerged:,} change{_s(status.unmerged)} "
                f"made here {'is' if status.unmerged == 1 else 'are'} not yet merged there. "
                "Write them to a bundle, then merge it there with Merge changes… in the File menu."
            )
            self.device.setCurrentIndex(max(0, self.device.findText(status.copied_from or "")))
            self.changes.setChecked(True)
        self._explain()

    def _explain(self) -> None:
        if self.changes.isChecked():
            self.next_step.setText(
                "It carries only what that device has not merged yet, so it is small. Merge it "
                "there with Merge changes… in the File menu."
            )
        else:
            self.next_step.setText(
                "On the laptop, make a database from the bundle with “catalogue-app bundle "
                "open FILE --database laptop.sqlite”, then start the app on it."
            )

    def chosen_device(self) -> str | None:
        return self.device.currentText() if self.changes.isChecked() else None

    def write(self, path: str | None = None) -> CommandOp[ExportReport] | None:
        """Ask where to save (unless ``path``), then write the bundle on a worker."""
        buyer = self.buyer.currentData()
        if path is None:
            path = ask_save_path(
                self,
                self._settings,
                "exports",
                "Save bundle",
                default_bundle_name(buyer, self.today),
                BUNDLE_FILTER,
            )
            if path is None:
                return None
        self.write_button.setEnabled(False)
        op = (
            ops.write_bundle(self, self.ctx, Path(path), buyer=buyer, since=self.chosen_device())
            .success(self._written)
            .failure(self._failed)
            .cancelled(lambda: self.write_button.setEnabled(True))
        )
        op.run_in_background()
        return op

    def _failed(self, exc: BaseException) -> None:
        self.write_button.setEnabled(True)
        show_failure(self, exc, "take offline")

    def _written(self, report: ExportReport) -> None:
        self.report = report
        whose = f"{report.buyer}'s ledger" if report.buyer else "the whole ledger"
        what = (
            f"A full offline copy of the catalogue and {whose}"
            if report.kind == "full"
            else "The changes not yet merged there"
        )
        QMessageBox.information(
            self,
            "Bundle written",
            f"{what}: {report.purchases:,} purchase{_s(report.purchases)} "
            f"({report.revisions:,} change{_s(report.revisions)} in all).\n\n"
            f"Saved as {report.path}.",
        )
        self.written.emit(report)
        self.accept()


class MergeDialog(QDialog):
    """What merging a bundle would do (checked as a dry run), then Merge."""

    merged = Signal(object)  # MergeReport

    def __init__(self, ctx: UiContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.path = ctx, path
        self.check: MergeReport | None = None
        self.report: MergeReport | None = None
        self.setWindowTitle("Merge changes")
        self.setMinimumWidth(640)
        self.source = _wrapped(f"<b>{escape(path.name)}</b>")
        self.source.setObjectName("bundleSource")
        self.state = _wrapped("Checking the bundle: nothing is changed until you press Merge.")
        self.state.setObjectName("mergeState")
        self.counts = QFormLayout()
        self.counts.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.count_labels: dict[str, QLabel] = {}
        for key, title in (
            ("purchases_added", "New purchases"),
            ("revisions_applied", "Changes to purchases held here"),
            ("conflicts", "Conflicts"),
            ("catalogue_changes", "Catalogue changes"),
            ("notices_added", "Notice releases"),
            ("audit_events_added", "Audit trail entries"),
            ("already_present", "Already held here"),
        ):
            label = QLabel("…")
            label.setAccessibleName(title)
            self.count_labels[key] = label
            self.counts.addRow(title, label)
        self.counts_box = QWidget()
        self.counts_box.setLayout(self.counts)
        self.counts_box.setVisible(False)
        self.conflicts = QTableWidget(0, 3)
        self.conflicts.setObjectName("mergeConflicts")
        self.conflicts.setAccessibleName("Conflicts the merge would record")
        self.conflicts.setHorizontalHeaderLabels(["Order reference", "Buyer", "What happened"])
        self.conflicts.verticalHeader().setVisible(False)
        self.conflicts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.conflicts.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.conflicts.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.conflicts_note = _wrapped(
            "Merging never settles a conflict for you: each waits in Conflicts, with the two "
            "versions side by side, until you choose which to keep."
        )
        self.conflicts_note.setStyleSheet("color:#5b6b7d")
        self.conflicts.setVisible(False)
        self.conflicts_note.setVisible(False)
        self.new_device = QFrame()
        self.new_device.setObjectName("newDevice")
        self.new_device.setFrameShape(QFrame.Shape.StyledPanel)
        self.device_text = _wrapped()
        self.device_text.setObjectName("newDeviceText")
        self.trust = QCheckBox()
        self.trust.setObjectName("trustDevice")
        self.trust.toggled.connect(lambda _on: self._enable())
        device_layout = QVBoxLayout(self.new_device)
        device_layout.addWidget(self.device_text)
        device_layout.addWidget(self.trust)
        self.new_device.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.merge_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.merge_button.setText("Merge")
        self.merge_button.setEnabled(False)
        self.buttons.accepted.connect(lambda: self.merge())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source)
        layout.addWidget(self.state)
        layout.addWidget(self.counts_box)
        layout.addWidget(self.conflicts)
        layout.addWidget(self.conflicts_note)
        layout.addWidget(self.new_device)
        layout.addWidget(self.buttons)
        self.check_op = (
            ops.check_bundle(self, ctx, path)
            .success(self._checked)
            .failure(self._refused)
            .cancelled(self.reject)
        )
        self.check_op.run_in_background()

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, CatalogueError):
            sentence = str(exc)
        else:
            sentence = f"{self.path.name} could not be checked; nothing was changed"
            show_failure(self, exc, "check the bundle")
        self.state.setText(f"<span style='{WARNING_STYLE}'>{escape(sentence)}</span>")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")

    def _checked(self, report: MergeReport) -> None:
        self.check = report
        kind = "a full copy" if report.kind == "full" else "changes since an earlier bundle"
        self.source.setText(
            f"<b>{escape(self.path.name)}</b> — {kind} from <b>{escape(report.device_name)}</b>, "
            f"made {escape(moment_text(report.made_at))}"
        )
        summary = report.summary()
        for row, (key, label) in enumerate(self.count_labels.items()):
            label.setText(f"{summary[key]:,}")
            # the three a merge is about always; the others only when there are some
            self.counts.setRowVisible(row, row < 3 or bool(summary[key]))
        conflicts = summary["conflicts"]
        if conflicts:
            self.count_labels["conflicts"].setText(
                f"<span style='{WARNING_STYLE};font-weight:600'>{conflicts:,}</span>"
            )
        self.counts_box.setVisible(True)
        self.conflicts.setRowCount(len(report.conflicts))
        names = self._buyer_names()
        for n, c in enumerate(report.conflicts):
            what = c.description[:1].upper() + c.description[1:]
            for column, text in enumerate((c.order_reference, names.get(c.buyer, c.buyer), what)):
                self.conflicts.setItem(n, column, QTableWidgetItem(text))
        self._fit_conflicts()
        self.conflicts.setVisible(bool(report.conflicts))
        self.conflicts_note.setVisible(bool(report.conflicts))
        if report.new_device:
            name = escape(report.device_name)
            self.device_text.setText(
                "<b>This bundle was signed by a device this database has not seen before.</b>"
                f"<br>Name: {name}<br>Device id: <tt>{escape(report.device_id)}</tt><br>"
                "Check with whoever made it that this is one of your force's computers."
            )
            self.trust.setText(f"{report.device_name} is one of ours: trust its bundles")
            self.new_device.setVisible(True)
        if report.changed or report.new_device:
            self.state.setText(
                "Merging would make these changes, all at once. Nothing has been changed yet."
            )
        else:
            self.state.setText("Nothing to merge: this database holds all of it already.")
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
        self._enable()
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as what it now shows at its width (wrapped sentences included)."""
        layout = self.layout()
        self.adjustSize()
        if layout is not None and layout.hasHeightForWidth():
            self.resize(self.width(), layout.totalHeightForWidth(self.width()))

    def _fit_conflicts(self) -> None:
        """As tall as its rows, up to six; more scroll."""
        table = self.conflicts
        table.resizeRowsToContents()
        rows = sum(table.rowHeight(n) for n in range(min(table.rowCount(), 6)))
        frame = 2 * table.frameWidth()
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows + frame)

    def _buyer_names(self) -> dict[str, str]:
        buyers = self.ctx.buyers.buyers
        if buyers is None:
            return {}
        return {**buyers.force_names, **{c.code: c.name for c in buyers.collaborations}}

    def _enable(self) -> None:
        report = self.check
        ready = (
            report is not None
            and (report.changed or report.new_device)
            and (not report.new_device or self.trust.isChecked())
        )
        self.merge_button.setEnabled(ready)

    def merge(self) -> CommandOp[MergeReport] | None:
        report = self.check
        if report is None or not self.merge_button.isEnabled():
            return None
        self.merge_button.setEnabled(False)
        op = (
            ops.merge_bundle(self, self.ctx, self.path, trust_device=report.new_device)
            .success(self._merged)
            .failure(self._merge_failed)
            .cancelled(self._enable)
        )
        op.run_in_background()
        return op

    def _merge_failed(self, exc: BaseException) -> None:
        self._enable()
        show_failure(self, exc, "merge changes")

    def _merged(self, report: MergeReport) -> None:
        self.report = report
        self.merged.emit(report)
        self.accept()


def merged_sentence(report: MergeReport) -> str:
    """What a merge did, in one line for the status bar."""
    conflicts = len(report.conflicts)
    text = (
        f"Merged {report.bundle}: {report.purchases_added:,} new purchase"
        f"{_s(report.purchases_added)}, {report.revisions_applied:,} change"
        f"{_s(report.revisions_applied)}"
    )
    if conflicts:
        text += f"; {conflicts:,} conflict{_s(conflicts)} to resolve in Conflicts"
    return text
