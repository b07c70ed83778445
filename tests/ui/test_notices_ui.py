"""The Notices view: Ctrl+6, File → Import notices…, search, filters and details."""

from pathlib import Path

from PySide6.QtCore import Qt

from tests.ui.conftest import drain

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ocds"
CF = FIXTURES / "contracts-finder-2025-01-20_23.json"


def _import(qtbot, window, monkeypatch, path):
    finished = []
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getOpenFileName",
        lambda parent, caption, directory, filters: (str(path), filters),
    )
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QMessageBox.information",
        lambda parent, title, text: finished.append((title, text)),
    )
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QMessageBox.warning",
        lambda parent, title, text: finished.append((title, text)),
    )
    window.import_notices_action.trigger()
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    drain(qtbot)
    return finished[0]


def test_import_from_the_file_menu_then_browse_and_filter(
    qtbot, window, monkeypatch, qtmodeltester
):
    title, text = _import(qtbot, window, monkeypatch, CF)
    assert title == "Notices imported"
    assert "100 releases read, 100 new" in text
    view = window.notices
    assert window.current_view() is view
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() == 94, timeout=10000)
    qtmodeltester.check(view.model)

    view.buyer_filter.setCurrentIndex(view.buyer_filter.findData("police"))
    assert view.model.rowCount() == 3
    buyers = {view.model.row_at(r).matched for r in range(3)}
    assert buyers == {
        "Bedfordshire Police",
        "Metropolitan Police Service",
        "Lancashire Constabulary",
    }

    view.buyer_filter.setCurrentIndex(0)
    qtbot.keyClicks(view.search_box, "IDVA")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: "Bedfordshire" in view.detail.toPlainText(), timeout=10000)
    detail = view.detail.toPlainText()
    assert "£1,018,044.14" in detail
    assert "Matched buyer" in detail and "Bedfordshire Police" in detail
    assert "23 Jan 2025" in detail


def test_ctrl_6_opens_the_notices_view(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.current_view() is window.notices
    qtbot.waitUntil(lambda: window.notices.model.loaded, timeout=10000)
    drain(qtbot)
    assert window.notices.model.rowCount() == 0


def test_a_call_off_links_to_its_framework(qtbot, window, monkeypatch):
    _import(
        qtbot,
        window,
        monkeypatch,
        FIXTURES / "frameworks" / "nhs-nss-flu-vaccine-framework-first-stage.json",
    )
    _import(
        qtbot, window, monkeypatch, FIXTURES / "frameworks" / "nhs-nss-flu-vaccine-call-off.json"
    )
    view = window.notices
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() == 2, timeout=10000)
    view.kind.setCurrentIndex(view.kind.findData("call-off"))
    assert view.model.rowCount() == 1
    qtbot.waitUntil(lambda: "Called off from" in view.detail.toPlainText(), timeout=10000)
    assert "Storage and Distribution of Seasonal Influenza Vaccine" in view.detail.toPlainText()


def test_a_file_that_is_not_ocds_is_refused_in_the_summary(qtbot, window, monkeypatch):
    title, text = _import(qtbot, window, monkeypatch, FIXTURES / "not-ocds.json")
    assert title == "Some files were refused"
    assert "The file not-ocds.json is not OCDS" in text


def _follow_link(qtbot, view, text):
    """Tab through the detail pane's links to the one reading ``text``, then press Enter."""
    view.detail.setFocus()
    for _ in range(20):
        qtbot.keyClick(view.detail, Qt.Key.Key_Tab)
        if view.detail.textCursor().selectedText() == text:
            qtbot.keyClick(view.detail, Qt.Key.Key_Return)
            return
    raise AssertionError(f"no link reads {text!r}")


def test_the_details_list_what_a_notice_added_and_its_links_open_them(qtbot, window, monkeypatch):
    _import(qtbot, window, monkeypatch, CF)
    view = window.notices
    qtbot.waitUntil(lambda: view.model.loaded and view.model.rowCount() == 94, timeout=10000)
    qtbot.keyClicks(view.search_box, "IDVA")
    qtbot.waitUntil(lambda: "Added to the catalogue" in view.detail.toPlainText(), timeout=10000)
    detail = view.detail.toPlainText()
    assert "Supplier: One YMCA" in detail
    assert "Purchase: Bedfordshire Police: 1 × £1,018,044.14 = £1,018,044.14" in detail

    _follow_link(qtbot, view, "One YMCA")
    suppliers = next(v for v in window.views if v.objectName() == "suppliersView")
    assert window.current_view() is suppliers
    qtbot.waitUntil(lambda: suppliers.selected_key() == "one-ymca", timeout=10000)
    qtbot.waitUntil(
        lambda: "From notice ocds-b5fd17-070f4662" in suppliers.detail.toPlainText(),
        timeout=10000,
    )

    window.show_view(window.views.index(view))
    _follow_link(
        qtbot,
        view,
        "Bedfordshire Police: 1 × £1,018,044.14 = £1,018,044.14, ordered 9 Dec 2024",
    )
    assert window.current_view() is window.purchases
    qtbot.waitUntil(lambda: window.purchases.model.rowCount() == 1, timeout=10000)
    drain(qtbot)
