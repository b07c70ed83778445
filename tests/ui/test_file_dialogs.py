"""File dialogs start in the documents folder, remember the last folder per kind of file,
and suggest names that say what the file holds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import drain
from PySide6.QtWidgets import QFileDialog

from catalogue_app.domain.periods import last_complete_financial_year
from catalogue_app.ui.files import documents_folder, period_slug
from catalogue_app.ui.settings import Settings, last_folder


class Dialogs:
    """Stands in for the officer at QFileDialog: notes where it opened, answers with a path."""

    def __init__(self, monkeypatch):
        self.opened: list[tuple[str, str]] = []  # (title, starting path)
        self.answers: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._ask)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._ask)

    def _ask(self, _parent, title, start, filters):
        self.opened.append((title, start))
        return (self.answers.pop(0) if self.answers else ""), filters


def test_export_starts_in_documents_with_a_named_file_then_remembers(
    window, qtbot, monkeypatch, tmp_path, settings
):
    dialogs = Dialogs(monkeypatch)
    window.view_actions[window.views.index(window.purchases)].trigger()
    purchases = window.purchases
    qtbot.waitUntil(lambda: purchases.buyer.findData("norfolk") >= 0, timeout=5000)
    purchases.buyer.setCurrentIndex(purchases.buyer.findData("norfolk"))
    drain(qtbot)
    target = tmp_path / "exports" / "norfolk.csv"
    target.parent.mkdir()
    dialogs.answers.append(str(target))
    window.export_action.trigger()
    drain(qtbot)
    title, start = dialogs.opened[0]
    assert title == "Export purchases"
    assert Path(start) == documents_folder() / "purchases-norfolk.xlsx"
    assert target.exists()
    assert Settings(settings).get(last_folder("exports")) == str(target.parent)
    window.export_action.trigger()  # the next export opens where the last one went
    assert Path(dialogs.opened[1][1]).parent == target.parent
    # another kind of file keeps its own folder
    window.import_action.trigger()
    assert Path(dialogs.opened[2][1]) == documents_folder()


def test_import_remembers_its_folder(window, qtbot, monkeypatch, tmp_path, settings):
    dialogs = Dialogs(monkeypatch)
    monkeypatch.setattr(
        "catalogue_app.ui.main_window.QMessageBox.information", lambda *a, **k: None
    )
    source = tmp_path / "incoming" / "orders.csv"
    source.parent.mkdir()
    source.write_text(
        "order_reference,buyer,product,quantity,order_date\nFD/1,suffolk,ATHENA,4,2025-06-02\n"
    )
    dialogs.answers.append(str(source))
    window.import_action.trigger()
    drain(qtbot)
    assert Settings(settings).get(last_folder("imports")) == str(source.parent)
    window.import_action.trigger()
    assert Path(dialogs.opened[1][1]) == source.parent


def test_briefing_suggests_buyer_and_period_and_remembers(
    window, qtbot, monkeypatch, tmp_path, settings
):
    dialogs = Dialogs(monkeypatch)
    dialog = window.export_briefing()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.buyer.findData("ecis") >= 0, timeout=5000)
    dialog.buyer.setCurrentIndex(dialog.buyer.findData("ecis"))
    dialog.generate()  # cancelled in the save dialog: nothing happens
    year = last_complete_financial_year(date.today())
    expected = f"briefing-ecis-{year.start_year}-{(year.start_year + 1) % 100:02d}.pdf"
    assert Path(dialogs.opened[0][1]) == documents_folder() / expected
    assert dialog.op is None
    target = tmp_path / "briefings" / "ecis.pdf"
    target.parent.mkdir()
    dialogs.answers.append(str(target))
    dialog.generate(open_when_done=False)
    qtbot.waitUntil(target.exists, timeout=20000)
    drain(qtbot)
    assert Settings(settings).get(last_folder("briefings")) == str(target.parent)


def test_comparison_exports_remember_their_own_folder(
    window, qtbot, monkeypatch, tmp_path, settings
):
    dialogs = Dialogs(monkeypatch)
    window.comparison[:] = ["ATHENA", "CONNECT"]
    dialog = window.open_comparison()
    qtbot.addWidget(dialog)
    drain(qtbot)
    target = tmp_path / "comparisons" / "two.csv"
    target.parent.mkdir()
    dialogs.answers.append(str(target))
    assert dialog.export_csv() == 2
    assert Path(dialogs.opened[0][1]) == documents_folder() / "comparison-athena-connect.csv"
    dialog.export_pdf()
    assert Path(dialogs.opened[1][1]) == target.parent / "comparison-athena-connect.pdf"
    assert Settings(settings).get(last_folder("exports")) == ""


def test_period_names():
    today = date(2026, 11, 23)
    assert period_slug(date(2025, 4, 1), date(2026, 3, 31), today) == "2025-26"
    assert period_slug(date(2026, 4, 1), today, today) == "2026-27-to-date"
    assert period_slug(date(2026, 1, 1), date(2026, 2, 1), today) == "2026-01-01-to-2026-02-01"
    assert period_slug(None, None, today) == ""
