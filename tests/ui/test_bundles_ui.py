"""File → Take offline…, File → Merge changes…, the Conflicts view and the offline mark,
driven through the window's own actions and dialogs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox
from sqlalchemy import func, select

from catalogue_app import cli
from catalogue_app.db import models as m
from catalogue_app.services.bundles import BundleService, ConflictService
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database, open_database
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService
from tests.ui.conftest import drain, open_window


class Devices:
    """Each computer has its own data folder, so its own signing key."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root, self.monkeypatch = root, monkeypatch

    def use(self, name: str) -> None:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        self.monkeypatch.setenv("XDG_DATA_HOME", str(folder))


@pytest.fixture
def devices(tmp_path, monkeypatch):
    devices = Devices(tmp_path / "devices", monkeypatch)
    devices.root.mkdir()
    devices.use("office")
    return devices


def purchase_count(db: Database) -> int:
    with db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(m.Purchase)) or 0)


def draft(reference: str) -> PurchaseDraft:
    return PurchaseDraft(
        buyer="norfolk",
        product="ATHENA",
        quantity="3",
        order_date="2026-10-01",
        order_reference=reference,
    )


def changed(stored, quantity: int) -> PurchaseDraft:
    return PurchaseDraft(
        buyer=stored.buyer,
        product=stored.product,
        quantity=str(quantity),
        order_date=stored.order_date.isoformat(),
        order_reference=stored.order_reference,
        unit_price=str(stored.unit_price),
        framework=stored.route.framework or "",
        lot=stored.route.lot or "",
        split="equal" if stored.shares else "",
    )


def laptop_copy(office: Database, devices: Devices, tmp_path: Path) -> Database:
    """A laptop's offline copy of ``office``, made from a full bundle."""
    bundle = tmp_path / "full.catbundle"
    BundleService(AppContext(office, actor="office.officer")).export(bundle, full=True)
    devices.use("laptop")
    location = str(tmp_path / "laptop.sqlite")
    BundleService.open_copy(bundle, location, actor="laptop.officer")
    devices.use("office")
    return open_database(location)


def active_purchase(db: Database) -> str:
    with db.reading() as s:
        return str(
            s.scalar(
                select(m.Purchase.id)
                .where(m.Purchase.status == "active")
                .order_by(m.Purchase.order_date.desc(), m.Purchase.id)
                .limit(1)
            )
        )


@pytest.fixture
def laptop_work(db, devices, tmp_path):
    """The laptop records three purchases and changes one the office then voids; the
    laptop's bundle of that work, and the shared purchase's id."""
    laptop = laptop_copy(db, devices, tmp_path)
    shared = active_purchase(db)
    try:
        devices.use("laptop")
        purchases = PurchaseService(AppContext(laptop, actor="j.smith"))
        for n in range(3):
            purchases.record(draft(f"LAPTOP/{n}"))
        stored = purchases.get(shared)
        purchases.edit(shared, changed(stored, stored.quantity + 2), expected_revision=1)
        bundle = tmp_path / "laptop.catbundle"
        BundleService(AppContext(laptop, actor="j.smith")).export(bundle)
    finally:
        laptop.close()
        devices.use("office")
    PurchaseService(AppContext(db, actor="a.jones")).void(shared, "ordered twice")
    return bundle, shared


def answer_next_box(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Press ``button`` on the next message box once it is open (it is modal)."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        seen.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, press)


def test_take_offline_writes_a_bundle_that_opens_as_a_laptop_copy(
    qtbot, db, settings, devices, tmp_path, monkeypatch
):
    window = open_window(qtbot, db, settings)
    target = tmp_path / "conference.catbundle"
    asked: list[str] = []

    def save_as(_parent, _title, start, _filter):
        asked.append(start)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    window.take_offline_action.trigger()
    dialog = window._offline_dialog
    assert dialog is not None and dialog.isVisible()
    drain(qtbot)
    assert dialog.full.isChecked()
    assert not dialog.changes.isEnabled()  # no device has sent a bundle here yet
    dialog.buyer.setCurrentIndex(dialog.buyer.findData("norfolk"))
    seen: list[str] = []
    answer_next_box(QMessageBox.StandardButton.Ok, seen)
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    assert asked and Path(asked[0]).name.startswith("catalogue-norfolk-")
    assert target.is_file() and not list(tmp_path.glob("*.tmp*"))
    assert "A full offline copy of the catalogue and norfolk's ledger" in seen[0]
    assert "Wrote the bundle" in window.statusBar().currentMessage()

    # the laptop makes its database from the bundle, as the dialog tells it to
    devices.use("laptop")
    location = tmp_path / "laptop.sqlite"
    out = io.StringIO()
    code = cli.main(["bundle", "open", str(target), "--database", str(location)], out=out)
    assert code == 0, out.getvalue()
    assert "an offline copy made from conference.catbundle" in out.getvalue()
    copy = open_database(str(location))
    try:
        assert 0 < purchase_count(copy) <= purchase_count(db)
    finally:
        copy.close()


def test_merge_changes_shows_the_dry_run_then_merges_after_the_device_is_confirmed(
    qtbot, db, settings, devices, laptop_work, monkeypatch
):
    bundle, shared = laptop_work
    window = open_window(qtbot, db, settings)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(bundle), ""))
    )
    before = purchase_count(db)
    window.merge_action.trigger()
    dialog = window._merge_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=20000)

    # what merging would do, before anything is changed
    assert dialog.count_labels["purchases_added"].text() == "3"
    assert "1" in dialog.count_labels["conflicts"].text()
    assert dialog.conflicts.rowCount() == 1
    assert dialog.conflicts.item(0, 2).text() == "Voided on one side and changed on the other"
    assert purchase_count(db) == before
    # a device never seen here: named by id and name, and confirmed before merging
    report = dialog.check
    assert dialog.new_device.isVisible()
    assert report.device_id in dialog.device_text.text()
    assert report.device_name in dialog.device_text.text()
    assert not dialog.merge_button.isEnabled()
    dialog.trust.click()
    assert dialog.merge_button.isEnabled()

    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    drain(qtbot)
    assert purchase_count(db) == before + 3
    assert not dialog.isVisible()
    assert "3 new purchases" in window.statusBar().currentMessage()
    # the conflict waits in the Conflicts view, which the window now shows
    assert window.current_view() is window.conflicts
    qtbot.waitUntil(lambda: window.conflicts.model.rowCount() == 1, timeout=10000)
    assert [c.purchase_id for c in ConflictService(db).list()] == [shared]

    # merging the same bundle again: nothing to merge
    window.merge_action.trigger()
    again = window._merge_dialog
    qtbot.waitUntil(lambda: again.check is not None, timeout=20000)
    assert "Nothing to merge" in again.state.text()
    assert not again.merge_button.isEnabled() and not again.new_device.isVisible()
    again.reject()


def test_a_tampered_bundle_is_refused_in_the_dialog_with_a_sentence(
    qtbot, db, settings, devices, laptop_work, tmp_path
):
    bundle, _shared = laptop_work
    damaged = tmp_path / "damaged.catbundle"
    damaged.write_bytes(bundle.read_bytes()[: bundle.stat().st_size // 2])
    window = open_window(qtbot, db, settings)
    before = purchase_count(db)
    dialog = window.merge_changes(str(damaged))
    assert dialog is not None
    qtbot.waitUntil(lambda: "damaged.catbundle" in dialog.state.text(), timeout=20000)
    assert dialog.check is None and not dialog.merge_button.isEnabled()
    assert "nothing" in dialog.state.text().lower()
    assert purchase_count(db) == before
    dialog.reject()


def test_the_conflicts_view_resolves_one_and_the_purchase_loses_its_flag(
    qtbot, db, settings, devices, laptop_work
):
    bundle, shared = laptop_work
    BundleService(AppContext(db, actor="a.jones")).merge(bundle, trust_device=True)
    window = open_window(qtbot, db, settings, view="purchases")
    # the purchase in conflict is flagged in its row and in its details
    window.purchases.status.setCurrentIndex(window.purchases.status.findData("all"))
    qtbot.waitUntil(lambda: shared in window.purchases.model.conflicted, timeout=10000)
    model = window.purchases.model

    def row_of_shared() -> int | None:
        return next(
            (n for n in range(model.rowCount()) if (ln := model.line_at(n)) and ln.id == shared),
            None,
        )

    qtbot.waitUntil(lambda: row_of_shared() is not None, timeout=10000)
    row = row_of_shared()
    shown = model.data(model.index(row, 1))
    assert shown.startswith("⚠ ")
    assert "Conflicts (Ctrl+7)" in model.data(model.index(row, 1), Qt.ItemDataRole.ToolTipRole)
    window.purchases.table.selectRow(row)
    qtbot.waitUntil(lambda: "In conflict" in window.purchases.history.toPlainText(), timeout=10000)

    qtbot.keyClick(window, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    view = window.conflicts
    assert window.current_view() is view
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(lambda: "Other side" in view.detail.toPlainText(), timeout=10000)
    text = view.detail.toPlainText()
    assert "Void" in text and "Active" in text and "ordered twice" in text
    assert view.keep_buttons["theirs"].isEnabled()

    seen: list[str] = []
    answer_next_box(QMessageBox.StandardButton.Ok, seen)
    qtbot.mouseClick(view.keep_buttons["theirs"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() == 0, timeout=10000)
    assert "Keep the other side's" in seen[0]
    assert ConflictService(db).list() == []
    assert PurchaseService(AppContext(db)).get(shared).status == "active"  # theirs kept
    with db.reading() as s:
        actions = set(
            s.scalars(select(m.AuditEvent.action).where(m.AuditEvent.entity_id == shared))
        )
    assert "resolve" in actions
    assert "Resolved the conflict" in window.statusBar().currentMessage()
    # resolved conflicts can still be read
    view.show_resolved.click()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10000)
    assert not view.keep_buttons["mine"].isEnabled()
    # back in Purchases the flag has gone
    window.view_actions[window.views.index(window.purchases)].trigger()
    assert window.current_view() is window.purchases
    qtbot.waitUntil(lambda: shared not in window.purchases.model.conflicted, timeout=10000)
    assert not model.data(model.index(row_of_shared(), 1)).startswith("⚠")


def test_cancel_on_the_question_resolves_nothing(qtbot, db, settings, devices, laptop_work):
    bundle, _shared = laptop_work
    BundleService(AppContext(db, actor="a.jones")).merge(bundle, trust_device=True)
    window = open_window(qtbot, db, settings, view="conflicts")
    view = window.conflicts
    qtbot.waitUntil(lambda: view.keep_buttons["both"].isEnabled(), timeout=10000)
    seen: list[str] = []
    answer_next_box(QMessageBox.StandardButton.Cancel, seen)
    qtbot.mouseClick(view.keep_buttons["both"], Qt.MouseButton.LeftButton)
    assert seen and len(ConflictService(db).list()) == 1


def test_the_status_bar_marks_an_offline_copy_and_counts_what_is_unmerged(
    qtbot, db, settings, devices, tmp_path, monkeypatch
):
    laptop = laptop_copy(db, devices, tmp_path)
    devices.use("laptop")
    try:
        window = open_window(qtbot, laptop, settings, view="purchases")
        mark = window.offline_label
        qtbot.waitUntil(mark.isVisible, timeout=10000)
        assert mark.text().startswith("Offline copy from ")
        assert mark.text().endswith(", 0 changes not yet merged")
        # a purchase voided here is a change the office has not merged yet
        qtbot.waitUntil(lambda: window.purchases.selected_id() is not None, timeout=10000)
        monkeypatch.setattr(
            QInputDialog, "getText", staticmethod(lambda *_a, **_k: ("entered twice", True))
        )
        window.void_action.trigger()
        qtbot.waitUntil(lambda: mark.text().endswith(", 1 change not yet merged"), timeout=10000)
        drain(qtbot)
    finally:
        window.close()
        drain(qtbot)
        laptop.close()


def test_the_office_database_has_no_offline_mark(qtbot, db, settings, devices):
    window = open_window(qtbot, db, settings)
    drain(qtbot)
    assert not window.offline_label.isVisible()
    assert window.offline_label.text() == ""
