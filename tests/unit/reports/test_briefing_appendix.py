"""The appendix is set one page at a time: every purchase once, a header on every page."""

from datetime import date

from pypdf import PdfReader

from catalogue_app.reports.briefing import AppendixPages, _appendix_table, render_briefing
from catalogue_app.services.briefing import BriefingService

TODAY = date(2026, 11, 23)


def test_every_appendix_page_has_the_header_and_only_the_last_the_total(db, tmp_path):
    data = BriefingService(db).build("norfolk", date(2015, 4, 1), date(2026, 3, 31), today=TODAY)
    path = tmp_path / "norfolk.pdf"
    render_briefing(data, str(path))
    pages = [p for p in PdfReader(path).pages if p.mediabox.width > p.mediabox.height]
    assert len(pages) > 3
    texts = [" ".join(p.extract_text().split()) for p in pages]
    assert all("Date Order reference Product Supplier Route Qty Unit price" in t for t in texts)
    assert f"Total {len(data.lines)} purchases" in texts[-1]
    assert "Total" not in " ".join(texts[:-1]).replace("Total Saving", "")


def test_each_page_takes_the_rows_that_fit_and_the_last_one_the_total(db):
    data = BriefingService(db).build("norfolk", date(2015, 4, 1), date(2026, 3, 31), today=TODAY)
    appendix = _appendix_table(data)
    assert isinstance(appendix, AppendixPages)
    _, height = appendix.wrap(800, 500)
    assert height > 500
    pages, rest, rows = [], appendix, 0
    while True:
        parts = rest.split(800, 500)
        page = parts[0]
        _, page_height = page.wrap(800, 500)
        assert page_height <= 500
        rows += len(page.rows)  # the rows under its header
        pages.append(page)
        if len(parts) == 1:
            break
        rest = parts[1]
    assert rows == len(data.lines) + 1  # every purchase and the total, once
    assert len(pages) > 3
    assert appendix.split(800, 5) == []  # not even the header fits: the next page
