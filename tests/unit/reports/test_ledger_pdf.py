from datetime import date
from decimal import Decimal
from io import BytesIO

from pypdf import PdfReader

from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.purchases import Route
from catalogue_app.reports.document import PageFurniture
from catalogue_app.reports.ledger import LedgerReport, render_ledger
from catalogue_app.reports.markup import escape
from catalogue_app.services.ledger import LedgerLine

HOSTILE = '<font color="red">A&B</font> <img src="/etc/passwd"/>'


def line(n: int, product: str = "Athena") -> LedgerLine:
    return LedgerLine(
        id=f"id-{n}",
        order_date=date(2025, 1, 1 + n % 28),
        order_reference=f"NOR/{n:05d}",
        buyer="Heddlu Dyfed-Powys",
        product_code="ATHENA",
        product=product,
        supplier="Northgate Public Services",
        route=Route("ESSEX-ATHENA", "1"),
        quantity=10 + n,
        unit_price=Decimal("395.00"),
        baseline_unit_price=Decimal("480.00"),
        status="active",
    )


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_escape_makes_markup_literal():
    assert escape(HOSTILE) == (
        "&lt;font color=&quot;red&quot;&gt;A&amp;B&lt;/font&gt; "
        "&lt;img src=&quot;/etc/passwd&quot;/&gt;"
    )
    assert escape("a\x00b") == "a b"


def test_ledger_pdf_totals_repeat_headers_and_survive_hostile_names():
    lines = [line(n) for n in range(400)] + [line(400, HOSTILE)]
    out = BytesIO()
    furniture = PageFurniture(
        "Purchase ledger", "Heddlu Dyfed-Powys — £ € ŵ ŷ", "OFFICIAL", date(2026, 11, 23)
    )
    pages = render_ledger(LedgerReport(furniture, lines), out)
    pdf = out.getvalue()
    reader = PdfReader(BytesIO(pdf))
    assert pages == len(reader.pages) > 5
    assert reader.metadata.title == "Purchase ledger"
    text = text_of(pdf)
    total = sum((ln.total for ln in lines), Decimal(0))
    saving = sum((ln.saving for ln in lines), Decimal(0))
    assert format_gbp(total) in text and format_gbp(saving) in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Heddlu Dyfed-Powys — £ € ŵ ŷ" in text
    for page in reader.pages:
        page_text = page.extract_text()
        assert "OFFICIAL" in page_text and "Unit price" in page_text
    assert '<font color="red">A&B' in text  # literal, not markup
    assert "/XObject" not in pdf.decode("latin-1")  # nothing loaded as an image


def test_an_empty_ledger_says_so():
    out = BytesIO()
    render_ledger(LedgerReport(PageFurniture("Purchase ledger", "Suffolk Constabulary"), []), out)
    assert "No purchases were recorded in this period." in text_of(out.getvalue())
