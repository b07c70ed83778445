"""A briefing's method section says when offline work was last merged into the ledger,
from which devices, and how many purchases still wait for a decision between two versions."""

from __future__ import annotations

from datetime import date

from pypdf import PdfReader

from catalogue_app.reports.briefing import render_briefing
from catalogue_app.services.briefing import BriefingService
from catalogue_app.services.bundles import BundleService, ConflictService
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import open_database
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService

TODAY = date(2026, 11, 23)
START = date(2010, 4, 1)


def method_text(data, tmp_path) -> str:
    path = tmp_path / "briefing.pdf"
    render_briefing(data, str(path))
    pages = [page.extract_text() for page in PdfReader(path).pages]
    start = [i for i, p in enumerate(pages) if "Method and sources" in p][-1]
    furniture = ("OFFICIAL", "Procurement briefing", "Kent Police", "Generated ", "Page ")
    lines = [
        line
        for page in pages[start:]
        for line in page.splitlines()
        if not line.strip().startswith(furniture)  # each page's header and footer
    ]
    return " ".join(" ".join(lines).split())


def test_the_method_names_the_devices_merged_from_and_the_open_conflicts(db, tmp_path, monkeypatch):
    def use(device: str) -> None:
        folder = tmp_path / device
        folder.mkdir(exist_ok=True)
        monkeypatch.setenv("XDG_DATA_HOME", str(folder))

    briefings = BriefingService(db)
    before = briefings.build("kent", START, TODAY, today=TODAY)
    assert (before.merged_from, before.open_conflicts) == ([], 0)
    assert "offline" not in method_text(before, tmp_path)  # nothing to say before any merge

    use("office")
    full = tmp_path / "full.catbundle"
    BundleService(AppContext(db, actor="office")).export(full, full=True)
    use("laptop")
    BundleService.open_copy(full, str(tmp_path / "laptop.sqlite"), actor="laptop")
    laptop = open_database(str(tmp_path / "laptop.sqlite"))
    shared = before.lines[0]
    try:
        purchases = PurchaseService(AppContext(laptop, actor="j.smith"))
        stored = purchases.get(shared.id)
        purchases.edit(
            shared.id,
            PurchaseDraft(
                buyer=stored.buyer,
                product=stored.product,
                quantity=str(stored.quantity + 1),
                order_date=stored.order_date.isoformat(),
                order_reference=stored.order_reference,
                unit_price=str(stored.unit_price),
                framework=stored.route.framework or "",
                lot=stored.route.lot or "",
                split="equal" if stored.shares else "",
            ),
            expected_revision=stored.revision,
        )
        home = tmp_path / "home.catbundle"
        BundleService(AppContext(laptop, actor="j.smith")).export(home)
    finally:
        laptop.close()
    use("office")
    # the office voids the purchase the laptop changed
    PurchaseService(AppContext(db, actor="a.jones")).void(shared.id, "ordered twice")
    report = BundleService(AppContext(db, actor="a.jones")).merge(home, trust_device=True)
    assert len(report.conflicts) == 1

    after = briefings.build("kent", START, TODAY, today=TODAY)
    assert [name for name, _when in after.merged_from] == [report.device_name]
    assert after.open_conflicts == 1
    method = method_text(after, tmp_path)
    assert f"last merged into this ledger from {report.device_name} on " in method
    assert "1 purchase changed in two places awaits a decision" in method

    ConflictService(AppContext(db, actor="a.jones")).resolve(report.conflicts[0].id, "theirs")
    settled = briefings.build("kent", START, TODAY, today=TODAY)
    assert settled.open_conflicts == 0
    assert "No conflict between two versions of a purchase is open." in method_text(
        settled, tmp_path
    )
