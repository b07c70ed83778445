"""Notices into the catalogue and the ledger: frameworks, lots, suppliers, products, purchases."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.db.notice_models import NoticePurchase
from catalogue_app.reports.briefing import render_briefing
from catalogue_app.services.briefing import BriefingService
from catalogue_app.services.changes import CatalogueChanged, LedgerChanged
from catalogue_app.services.context import AppContext
from catalogue_app.services.editing import CatalogueEditor
from catalogue_app.services.editing.history import history_of
from catalogue_app.services.editing.records import (
    FrameworkRecord,
    Kind,
    LotRecord,
    ProductRecord,
    SupplierRecord,
)
from catalogue_app.services.ledger.commands import PurchaseService
from catalogue_app.services.notices import NoticeService

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ocds"
CF = FIXTURES / "contracts-finder-2025-01-20_23.json"
BEDS_AWARD = "ocds-b5fd17-070f4662-2e9c-40b0-8fa4-4b435f3ccae4"
FRAMEWORK = "ocds-r6ebe6-9af22e2f-5307-4e98-bff6-1ebffbff343d"
FIRST_STAGE = FIXTURES / "frameworks" / "nhs-nss-flu-vaccine-framework-first-stage.json"
POLICE = FIXTURES / "police" / "call-offs.json"
EDITED = FIXTURES / "police" / "call-offs-edited.json"
BEDS_CALL_OFF = "ocds-r6ebe6-7c1e0b52-0c7a-4d8e-9a54-5b0f3c1a2d01"
# codes from the ocid, short enough for the audit log: the publisher's prefix and a digest
VACCINE_PRODUCT = "OCDS-R6EBE6-7C1-8C5261B5"  # award 1, item 38204627
DOCKING_PRODUCT = "OCDS-R6EBE6-7C1-7D20DB27"  # award 2
REFERENCE = "OCDS-R6EBE6-BD35EBB6"  # the framework's
ONE_YMCA = "307549"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture
def ctx(db):
    return AppContext(db, actor="tester", clock=lambda: NOW)


@pytest.fixture
def notices(ctx):
    return NoticeService(ctx)


def events(db) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(m.AuditEvent)) or 0


def notice_purchases(db) -> list[tuple[str, str, str, Decimal, int, date, str, str | None]]:
    """(ocid, buyer, product, unit price, quantity, order date, route, url) of each."""
    with db.reading() as s:
        rows = s.execute(
            select(
                NoticePurchase.ocid,
                func.coalesce(m.Force.code, m.Collaboration.code),
                m.Product.code,
                m.Purchase.unit_price,
                m.Purchase.quantity,
                m.Purchase.order_date,
                func.coalesce(m.Framework.reference + " lot " + m.Lot.number, "off-framework"),
                NoticePurchase.url,
            )
            .join(m.Purchase, m.Purchase.id == NoticePurchase.purchase_id)
            .join(m.Product, m.Product.id == m.Purchase.product_id)
            .outerjoin(m.Force, m.Force.id == m.Purchase.buyer_force_id)
            .outerjoin(m.Collaboration, m.Collaboration.id == m.Purchase.buyer_collaboration_id)
            .outerjoin(m.Lot, m.Lot.id == m.Purchase.lot_id)
            .outerjoin(m.Framework, m.Framework.id == m.Lot.framework_id)
            .order_by(m.Product.code)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_police_award_becomes_one_purchase_from_its_notice(notices, ctx, db):
    (report,) = notices.import_paths([CF]).files
    assert report.outcome.purchases_added == 1
    assert report.frameworks == 3  # councils' frameworks, by title: listed, not catalogued
    assert "framework" not in report.outcome.added
    assert report.outcome.added["supplier"] == 1
    (purchase,) = notice_purchases(db)
    code = "OCDS-B5FD17-070-FB7DEA5C"
    assert purchase == (
        BEDS_AWARD,
        "bedfordshire",
        code,
        Decimal("1018044.14"),
        1,
        date(2024, 12, 9),
        "off-framework",
        "https://www.contractsfinder.service.gov.uk/Notice/d88b957b-bbf3-4fbe-b9cb-e9c2350bb8e9",
    )
    product = CatalogueEditor(ctx).get(Kind.PRODUCT, code)
    assert isinstance(product, ProductRecord)
    assert product.tags == ("published-notice",)
    assert product.supplier == "one-ymca"
    assert product.description == f"From notice {BEDS_AWARD} (Cabinet Office, 23 Jan 2025)"
    supplier = CatalogueEditor(ctx).get(Kind.SUPPLIER, "one-ymca")
    assert isinstance(supplier, SupplierRecord)
    assert supplier.identifiers == (f"GB-CFS:{ONE_YMCA}",)
    with db.reading() as s:
        stored = s.scalar(select(m.Purchase).where(m.Purchase.order_reference == code))
        assert stored is not None
        assert stored.notes == product.description
        # the notice says where the supplier came from, and it is no invented figure
        row = s.scalar(select(m.Supplier).where(m.Supplier.code == "one-ymca"))
        assert row is not None and row.source == product.description and not row.illustrative
    detail = notices.show(BEDS_AWARD)
    assert [(c.kind, c.key) for c in detail.created] == [
        ("supplier", "one-ymca"),
        ("product", code),
        ("purchase", code),
    ]
    assert detail.created[-1].label == (
        "Bedfordshire Police: 1 × £1,018,044.14 = £1,018,044.14, ordered 9 Dec 2024"
    )


def test_importing_again_changes_nothing_in_the_catalogue_or_the_ledger(notices, db):
    notices.import_paths([CF, FIXTURES / "frameworks", POLICE])
    before = events(db), notice_purchases(db)
    summary = notices.import_paths([CF, FIXTURES / "frameworks", POLICE])
    assert all(f.new == 0 and f.outcome.added == {} for f in summary.files)
    assert (events(db), notice_purchases(db)) == before


def test_framework_example_gives_a_framework_its_lot_and_a_police_call_off_through_it(
    notices, ctx, db
):
    notices.import_paths([FIXTURES / "frameworks", POLICE])
    reference = REFERENCE
    framework = CatalogueEditor(ctx).get(Kind.FRAMEWORK, reference)
    assert framework == FrameworkRecord(
        reference=reference,
        title="Storage and Distribution of Seasonal Influenza Vaccine",
        owner="The Common Services Agency (more commonly known as NHS National Services "
        "Scotland) (‘NSS’)",
        route="multi-supplier framework",
        start_date=date(2019, 11, 13),  # the tender period's end: no contract start is given
        end_date=date(2021, 11, 2),  # 720 days later (contractPeriod.durationInDays)
        max_value=Decimal("1120000.00"),
        description=framework.description,
    )
    lot = CatalogueEditor(ctx).get(Kind.LOT, (reference, "1"))
    assert isinstance(lot, LotRecord) and lot.title == framework.title
    purchases = notice_purchases(db)
    assert [(p[1], p[2], p[3], p[4], p[5], p[6]) for p in purchases] == [
        (
            "bedfordshire",
            DOCKING_PRODUCT,
            Decimal("2500.00"),
            1,  # no priced items: the award's value, once
            date(2020, 10, 5),  # as the notice wrote it (+01:00), not moved to UTC
            f"{reference} lot 1",
        ),
        (
            "bedfordshire",
            VACCINE_PRODUCT,
            Decimal("1000.00"),
            10,  # the item's quantity and unit price
            date(2020, 10, 1),
            f"{reference} lot 1",
        ),
    ]
    with db.reading() as s:
        history = history_of(s, Kind.FRAMEWORK, reference)
    assert [(e.kind, e.action) for e in history if e.kind is Kind.FRAMEWORK] == [
        (Kind.FRAMEWORK, "create")
    ]
    assert {e.kind for e in history} == {Kind.FRAMEWORK, Kind.LOT, Kind.OFFER}
    created = {(c.kind, c.key) for c in notices.show(FRAMEWORK).created}
    assert created == {("framework", reference), ("lot", f"{reference} lot 1")}


def test_a_call_off_imported_before_its_framework_is_moved_onto_it(notices, db):
    notices.import_paths([POLICE])
    assert {p[6] for p in notice_purchases(db)} == {"off-framework"}
    (report,) = notices.import_paths([FIRST_STAGE]).files
    assert report.outcome.purchases_changed == 2
    reference = REFERENCE
    assert {p[6] for p in notice_purchases(db)} == {f"{reference} lot 1"}
    with db.reading() as s:
        actions = s.scalars(
            select(m.AuditEvent.action).where(
                m.AuditEvent.entity_type == "purchase", m.AuditEvent.occurred_at == NOW
            )
        ).all()
    assert sorted(actions) == ["edit", "edit", "import", "import"]


def test_money_in_another_currency_makes_no_purchase_and_says_so(notices, db):
    summary = notices.import_paths([POLICE])
    (report,) = summary.files
    assert report.outcome.not_recorded == 1
    assert any("EUR, not pounds" in note for note in report.outcome.notes)
    assert "1 award of police buyers not recorded" in summary.text()
    lancashire = "ocds-r6ebe6-2b9f8c11-5d3e-4c6a-8f70-1e2d3c4b5a60"
    assert all(p[0] != lancashire for p in notice_purchases(db))
    assert notices.show(lancashire).created == ()


def test_suppliers_match_by_identifier_and_a_close_name_is_only_offered(notices, ctx, db):
    editor = CatalogueEditor(ctx)
    editor.create(SupplierRecord("movianto", "Movianto Limited", "03460741"))
    (report,) = notices.import_paths([POLICE]).files
    # Movianto matched by its Companies House number; "Axon Public Safty UK" is added
    assert report.outcome.added["supplier"] == 1
    product = editor.get(Kind.PRODUCT, VACCINE_PRODUCT)
    assert isinstance(product, ProductRecord) and product.supplier == "movianto"
    suppliers = {s.name: s for s in notices.show(BEDS_CALL_OFF).suppliers}
    assert suppliers["Movianto UK"].supplier_code == "movianto"
    assert suppliers["Movianto UK"].matched_by == "identifier"
    axon = suppliers["Axon Public Safty UK"]
    assert (axon.supplier_code, axon.matched_by, axon.possible_duplicate) == (
        "axon-public-safty-uk",
        "added",
        "axon",
    )
    assert editor.get(Kind.SUPPLIER, "axon").name == "Axon Public Safety UK"  # not merged


def test_a_publishers_edit_updates_what_its_notice_created(notices, ctx, db):
    notices.import_paths([FIXTURES / "frameworks", POLICE])
    before = events(db)
    (report,) = notices.import_paths([EDITED]).files
    assert report.edited == 1
    assert report.outcome.purchases_changed >= 1
    vaccine = next(p for p in notice_purchases(db) if p[2] == VACCINE_PRODUCT)
    assert (vaccine[3], vaccine[4]) == (Decimal("950.00"), 10)
    product = CatalogueEditor(ctx).get(Kind.PRODUCT, VACCINE_PRODUCT)
    assert isinstance(product, ProductRecord) and product.list_price == Decimal("950.00")
    with db.reading() as s:
        history = history_of(s, Kind.PRODUCT, VACCINE_PRODUCT)
        purchase_id = s.scalar(
            select(NoticePurchase.purchase_id)
            .join(m.Purchase, m.Purchase.id == NoticePurchase.purchase_id)
            .join(m.Product, m.Product.id == m.Purchase.product_id)
            .where(m.Product.code == VACCINE_PRODUCT)
        )
        edit = s.scalars(
            select(m.AuditEvent).where(
                m.AuditEvent.entity_id == purchase_id, m.AuditEvent.action == "edit"
            )
        ).one()
    assert sorted(e.action for e in history if e.kind is Kind.PRODUCT) == ["create", "edit"]
    assert '"unit_price":"1000.00"' in edit.before.replace(" ", "")
    assert '"unit_price":"950.00"' in edit.after.replace(" ", "")
    assert events(db) > before
    # and the edit imported again changes nothing more
    again = events(db)
    notices.import_paths([EDITED])
    assert events(db) == again


def test_a_purchase_an_officer_voided_stays_void_when_the_publisher_edits(notices, ctx, db):
    notices.import_paths([FIXTURES / "frameworks", POLICE])
    with db.reading() as s:
        purchase_id = s.scalar(
            select(m.Purchase.id).where(m.Purchase.order_reference == VACCINE_PRODUCT)
        )
    assert purchase_id is not None
    PurchaseService(ctx).void(purchase_id, "entered twice")
    notices.import_paths([EDITED])
    stored = PurchaseService(ctx).get(purchase_id)
    assert str(stored.status) == "void"
    assert stored.unit_price == Decimal("1000.00")


def test_a_dry_run_adds_nothing_to_the_catalogue(notices, db):
    before = events(db)
    summary = notices.import_paths([FIXTURES / "frameworks", POLICE], dry_run=True)
    assert sum(f.outcome.purchases_added for f in summary.files) == 2
    assert events(db) == before
    assert notice_purchases(db) == []


def test_the_briefing_says_how_many_purchases_came_from_notices(notices, db, tmp_path):
    notices.import_paths([FIXTURES / "frameworks", POLICE])
    data = BriefingService(db).build(
        "bedfordshire", date(2020, 4, 1), date(2021, 3, 31), today=date(2026, 11, 30)
    )
    assert data.from_notices == 2
    assert data.notice_spend == Decimal("12500.00")
    path = tmp_path / "briefing.pdf"
    render_briefing(data, str(path))
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)
    assert (
        f"2 of this period's {data.purchases} purchases (£12,500.00 of the spend) were "
        "recorded from published contract notices"
    ) in text


def _package(path: Path, *releases: dict) -> Path:
    path.write_text(json.dumps({"version": "1.1", "releases": list(releases)}), encoding="utf-8")
    return path


def test_a_council_framework_named_only_in_its_title_is_added_when_police_call_off(
    notices, ctx, db, tmp_path
):
    framework = {
        "ocid": "ocds-test-council-fw",
        "id": "fw-1",
        "date": "2024-04-01T00:00:00Z",
        "tag": ["tender"],
        "buyer": {"name": "Leeds City Council"},
        "tender": {
            "title": "Vehicle Hire Framework",
            "contractPeriod": {"startDate": "2024-04-01", "endDate": "2028-03-31"},
            "value": {"amount": 500000, "currency": "GBP"},
        },
    }
    (report,) = notices.import_paths([_package(tmp_path / "fw.json", framework)]).files
    assert report.frameworks == 1  # listed as a framework notice
    assert "framework" not in report.outcome.added  # not a police framework: not catalogued
    call_off = {
        "ocid": "ocds-test-police-hire",
        "id": "co-1",
        "date": "2024-06-03T10:00:00Z",
        "tag": ["award"],
        "buyer": {"name": "West Yorkshire Police"},
        "parties": [{"id": "S1", "name": "Hire Fleet Ltd", "roles": ["supplier"]}],
        "relatedProcesses": [
            {"relationship": ["framework"], "scheme": "ocid", "identifier": "ocds-test-council-fw"}
        ],
        "awards": [
            {
                "id": "1",
                "status": "active",
                "date": "2024-06-01",
                "value": {"amount": 3600, "currency": "GBP"},
                "suppliers": [{"id": "S1", "name": "Hire Fleet Ltd"}],
                "items": [
                    {
                        "id": "1",
                        "description": "Van hire, one month",
                        "quantity": 3,
                        "unit": {"name": "month", "value": {"amount": 1200, "currency": "GBP"}},
                        "classification": {"scheme": "CPV", "id": "34136000"},
                    }
                ],
            }
        ],
    }
    (report,) = notices.import_paths([_package(tmp_path / "co.json", call_off)]).files
    assert report.outcome.added["framework"] == 1
    assert report.outcome.purchases_added == 1
    reference = "OCDS-TEST-COUNCIL-FW"  # short enough to keep whole
    framework_record = CatalogueEditor(ctx).get(Kind.FRAMEWORK, reference)
    assert isinstance(framework_record, FrameworkRecord)
    assert (framework_record.owner, framework_record.route) == (
        "Leeds City Council",
        "multi-supplier framework",
    )
    (purchase,) = notice_purchases(db)
    assert purchase[1:7] == (
        "west-yorkshire",
        "OCDS-TEST-POLIC-3E763827",
        Decimal("1200.00"),
        3,
        date(2024, 6, 1),
        f"{reference} lot 1",
    )


def test_the_summary_tells_the_open_views_what_changed(notices):
    assert notices.import_paths([POLICE], dry_run=True).changes() == []
    changes = notices.import_paths([POLICE]).changes()
    assert changes == [CatalogueChanged(unbounded=True), LedgerChanged.everything()]
    assert notices.import_paths([POLICE]).changes() == []  # nothing new the second time
