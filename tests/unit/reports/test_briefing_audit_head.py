"""A briefing names the audit trail's head it was computed from, on its cover and in its
method section, so a later rewrite of the trail can be told from the PDF alone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pypdf import PdfReader

from catalogue_app.reports.briefing import render_briefing
from catalogue_app.services.briefing import BriefingService
from catalogue_app.services.context import AppContext
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService
from catalogue_app.services.trail import AuditTrail

TODAY = date(2026, 11, 23)


def test_the_briefing_prints_the_audit_trail_head_it_was_computed_from(db, tmp_path):
    service = BriefingService(db)
    data = service.build("kent", date(2026, 4, 1), date(2026, 11, 23), today=TODAY)
    head = AuditTrail(db).fingerprint()
    assert data.audit_head == head and len(head) == 16
    path = tmp_path / "briefing.pdf"
    render_briefing(data, str(path))
    pages = [page.extract_text() for page in PdfReader(path).pages]
    assert head in pages[0].replace("\n", " ")
    assert "Audit trail head" in pages[0]
    method = " ".join(pages[[i for i, p in enumerate(pages) if "Method and sources" in p][-1] :])
    assert f"Audit trail head: {head} (as on the cover)." in method.replace("\n", " ")

    PurchaseService(
        AppContext(db, actor="k.jones", clock=lambda: datetime(2026, 11, 23, 9, tzinfo=UTC))
    ).record(
        PurchaseDraft(
            buyer="kent",
            product="ATHENA",
            framework="ESSEX-ATHENA",
            lot="1",
            quantity="10",
            order_date="2026-11-20",
            order_reference="KENT/HEAD/1",
        )
    )
    later = service.build("kent", date(2026, 4, 1), date(2026, 11, 23), today=TODAY)
    assert later.audit_head != head
