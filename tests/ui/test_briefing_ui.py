from pypdf import PdfReader


def test_export_briefing_from_the_window(window, qtbot, tmp_path):
    dialog = window.export_briefing()
    qtbot.addWidget(dialog)
    dialog.buyer.setCurrentIndex(dialog.buyer.findData("ecis"))
    dialog.period.setCurrentIndex(1)  # the year before the last complete one
    dialog.sections["champions"].setChecked(False)
    assert "Champion" not in dialog.outline.text() and "Appendix" in dialog.outline.text()
    path = tmp_path / "ecis.pdf"
    dialog.generate(str(path), open_when_done=False)
    qtbot.waitUntil(lambda: path.exists(), timeout=10000)
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    assert "East Coast IT Services" in text and "Champion product adoption" not in text
    assert not (tmp_path / "ecis.pdf.part").exists()


def test_cancelling_leaves_no_file(window, qtbot, tmp_path):
    dialog = window.export_briefing()
    qtbot.addWidget(dialog)
    dialog._cancel.set()  # as if Cancel were pressed straight away
    path = tmp_path / "cancelled.pdf"
    original = dialog._cancel.clear
    dialog._cancel.clear = lambda: None  # keep the cancellation for this build
    dialog.generate(str(path), open_when_done=False)
    qtbot.waitUntil(lambda: dialog._worker.idle, timeout=10000)
    dialog._cancel.clear = original
    assert list(tmp_path.glob("cancelled.pdf*")) == []
