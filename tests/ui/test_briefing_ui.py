import threading
from datetime import date

from conftest import drain
from pypdf import PdfReader
from PySide6.QtCore import Qt

import catalogue_app.reports.briefing as briefing_report
import catalogue_app.ui.briefing_dialog as briefing_dialog


def test_export_briefing_from_the_window(window, qtbot, tmp_path):
    dialog = window.export_briefing()
    qtbot.addWidget(dialog)
    dialog.buyer.setCurrentIndex(dialog.buyer.findData("ecis"))
    dialog.period.setCurrentIndex(2)  # after this year to date and the last complete year
    dialog.sections["champions"].setChecked(False)
    assert "Champion" not in dialog.outline.text() and "Appendix" in dialog.outline.text()
    path = tmp_path / "ecis.pdf"
    dialog.generate(str(path), open_when_done=False)
    qtbot.waitUntil(lambda: path.exists(), timeout=10000)
    drain(qtbot)
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    assert "East Coast IT Services" in text and "Champion product adoption" not in text
    assert not (tmp_path / "ecis.pdf.part").exists()


def test_cancelling_leaves_no_file(window, qtbot, tmp_path, monkeypatch):
    rendering, cancelled = threading.Event(), threading.Event()
    real_render = briefing_report.render_briefing

    def render_once_cancelled(data, path, is_cancelled):
        rendering.set()
        cancelled.wait(10)  # the officer presses Cancel while the PDF is being written
        return real_render(data, path, is_cancelled)

    monkeypatch.setattr(briefing_report, "render_briefing", render_once_cancelled)
    dialog = window.export_briefing()
    qtbot.addWidget(dialog)
    path = tmp_path / "cancelled.pdf"
    dialog.generate(str(path), open_when_done=False)
    qtbot.waitUntil(rendering.is_set, timeout=10000)
    dialog.op.progress.cancel()
    cancelled.set()
    drain(qtbot)
    assert [p.name for p in tmp_path.iterdir() if "cancelled" in p.name] == []
    assert dialog.isVisible()  # still open: nothing was exported


def test_the_dialog_shows_the_period_and_follows_new_purchases(window, qtbot):
    from catalogue_app.services.changes import LedgerChanged

    dialog = window.export_briefing()
    qtbot.addWidget(dialog)
    dialog.buyer.setCurrentIndex(dialog.buyer.findData("norfolk"))
    qtbot.waitUntil(lambda: "spend £" in dialog.figures.text(), timeout=5000)
    start, end = dialog.chosen_period()
    summary = window.ctx.ledger.summary(
        briefing_dialog.LedgerFilter(buyer="norfolk", start=start, end=end)
    )
    assert dialog.figures.text().startswith(f"{summary.total:,} purchase")
    dialog.figures.setText("stale")
    window.hub.notify(LedgerChanged.of(["x"], ["suffolk"], ["ATHENA"]))  # another buyer
    drain(qtbot)
    assert dialog.figures.text() == "stale"
    window.hub.notify(LedgerChanged.of(["y"], ["norfolk"], ["ATHENA"]))
    qtbot.waitUntil(lambda: "spend £" in dialog.figures.text(), timeout=5000)


def test_the_briefing_starts_with_the_buyer_selected_in_forces_and_collaborations(window, qtbot):
    window.view_actions[window.views.index(window.buyers)].trigger()
    buyers = window.buyers
    qtbot.waitUntil(lambda: buyers.model.row_of("ecis") >= 0, timeout=5000)
    buyers.table.selectRow(buyers.model.row_of("ecis"))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = window._briefing_dialog
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.buyer.count() > 0, timeout=5000)
    assert dialog.buyer.currentData() == "ecis"
    drain(qtbot)


def test_the_briefing_starts_with_the_purchases_views_buyer(window, qtbot):
    window.view_actions[window.views.index(window.purchases)].trigger()
    purchases = window.purchases
    qtbot.waitUntil(lambda: purchases.buyer.findData("norfolk") >= 0, timeout=5000)
    purchases.buyer.setCurrentIndex(purchases.buyer.findData("norfolk"))
    window.briefing_action.trigger()
    dialog = window._briefing_dialog
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.buyer.count() > 0, timeout=5000)
    assert dialog.buyer.currentData() == "norfolk"
    drain(qtbot)


def test_the_current_financial_year_to_date_is_a_preset(window, qtbot):
    today = date(2026, 11, 23)
    dialog = briefing_dialog.BriefingDialog(window.ctx, window, today, settings=window._settings)
    qtbot.addWidget(dialog)
    texts = [dialog.period.itemText(i) for i in range(dialog.period.count())]
    assert texts[:3] == [
        "Financial year 2026/27 to date",
        "Financial year 2025/26",
        "Financial year 2024/25",
    ]
    assert dialog.period.currentText() == "Financial year 2025/26"  # the last complete year
    dialog.period.setCurrentIndex(0)
    assert dialog.chosen_period() == (date(2026, 4, 1), today)
    drain(qtbot)
