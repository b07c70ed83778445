"""Importing notices: the raw layer, compiling, buyers, frameworks and call-offs."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalogue_app.db.notice_models import Notice, NoticeRelease
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.services.context import AppContext
from catalogue_app.services.notices import NoticeQuery, NoticeService

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ocds"
CF = FIXTURES / "contracts-finder-2025-01-20_23.json"
FRAMEWORK = "ocds-r6ebe6-9af22e2f-5307-4e98-bff6-1ebffbff343d"
CALL_OFF = "ocds-r6ebe6-95f19d21-d066-4931-a431-071211033960"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture
def notices(db):
    return NoticeService(AppContext(db, actor="tester", clock=lambda: NOW))


def counts(db):
    with db.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(NoticeRelease)),
            session.scalar(select(func.count()).select_from(Notice)),
        )


def test_contracts_finder_package_imports_and_matches_police_buyers(notices, db):
    summary = notices.import_paths([CF])
    (report,) = summary.files
    assert (report.read, report.new, report.unchanged, report.refused) == (100, 100, 0, None)
    assert report.processes == 94
    police = {r.buyer: r for r in notices.list(NoticeQuery()) if r.buyer}
    assert set(police) == {"bedfordshire", "metropolitan", "lancashire"}
    beds = police["bedfordshire"]
    assert beds.buyer_name == "The Police and Crime Commissioner for Bedfordshire,"
    assert (beds.value, beds.currency) == (Decimal("1018044.14"), "GBP")
    assert police["metropolitan"].buyer_name == "Mayor's Office for Policing and Crime"
    assert [r.ocid for r in notices.list(NoticeQuery(buyer="lancashire"))] == [
        police["lancashire"].ocid
    ]
    assert counts(db) == (100, 94)


def test_importing_the_same_package_again_changes_nothing(notices, db):
    notices.import_paths([CF])
    with db.reading() as session:
        before = session.execute(select(Notice.ocid, Notice.compiled)).all()
    (again,) = notices.import_paths([CF]).files
    assert (again.read, again.new, again.unchanged, again.processes) == (100, 0, 100, 0)
    with db.reading() as session:
        assert session.execute(select(Notice.ocid, Notice.compiled)).all() == before
    assert counts(db) == (100, 94)


def test_framework_example_gives_a_framework_with_its_call_off(notices):
    notices.import_paths([FIXTURES / "frameworks"])
    framework = notices.show(FRAMEWORK)
    assert framework.row.kind == "framework"
    assert framework.row.value == Decimal("1120000.00")
    assert framework.call_offs == (
        (CALL_OFF, "Receipt and storage of 10 pallets of seasonal flu vaccine"),
    )
    call_off = notices.show(CALL_OFF)
    assert call_off.row.kind == "call-off"
    assert call_off.framework_ocid == FRAMEWORK
    assert call_off.framework_title == "Storage and Distribution of Seasonal Influenza Vaccine"
    assert (call_off.row.value, call_off.row.currency) == (Decimal("10000.00"), "GBP")


def test_call_off_signals_in_uk_procurement_method_details(notices):
    notices.import_paths([CF])
    call_offs = notices.list(NoticeQuery(kind="call-off"))
    assert len(call_offs) == 10
    frameworks = notices.list(NoticeQuery(kind="framework"))
    assert frameworks and all("call" not in r.title.lower() for r in frameworks)


def test_a_release_edited_by_the_publisher_is_kept_and_flagged(notices, db):
    notices.import_paths([FIXTURES / "edited-before.json"])
    (report,) = notices.import_paths([FIXTURES / "edited-after.json"]).files
    assert (report.new, report.edited) == (1, 1)
    detail = notices.show("ocds-test-edited")
    assert detail.row.title == "Body armour call-off (corrected)"
    assert [r.edited for r in detail.releases] == [False, True]
    assert any("edited by the publisher" in w for w in detail.releases[1].warnings)
    assert counts(db) == (2, 1)


def test_releases_are_ordered_by_their_utc_dates(notices):
    notices.import_paths([FIXTURES / "messy" / "time-zones.json"])
    detail = notices.show("ocds-test-zones")
    # 10:30+01:00 is 09:30 UTC, before 10:00Z, although its text sorts after it
    assert detail.row.title == "Late title"
    assert [r.release_id for r in detail.releases] == ["early", "late"]


def test_a_file_that_is_not_ocds_is_refused_and_changes_nothing(notices, db):
    before = counts(db)
    summary = notices.import_paths([FIXTURES / "not-ocds.json", FIXTURES / "edited-before.json"])
    refused, imported = summary.files
    assert refused.refused.startswith("The file not-ocds.json is not OCDS")
    assert imported.new == 1
    assert counts(db) == (before[0] + 1, before[1] + 1)


def test_a_damaged_file_lands_whole_or_not_at_all(notices, db, tmp_path):
    text = CF.read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[: int(len(text) * 0.8)], encoding="utf-8")
    with pytest.raises(Exception, match="breaks off"):
        notices.import_paths([cut])
    assert counts(db) == (0, 0)


def test_a_dry_run_reports_but_keeps_nothing(notices, db):
    (report,) = notices.import_paths([CF], dry_run=True).files
    assert report.new == 100
    assert counts(db) == (0, 0)


def test_list_filters_and_refuses_an_unknown_kind(notices):
    notices.import_paths([CF, FIXTURES / "frameworks"])
    assert len(notices.list(NoticeQuery())) == 96
    assert all(r.buyer is None for r in notices.list(NoticeQuery(buyer="other")))
    assert notices.list(NoticeQuery(since=date(2025, 1, 1))) and all(
        r.date >= date(2025, 1, 1) for r in notices.list(NoticeQuery(since=date(2025, 1, 1)))
    )
    assert [r.ocid for r in notices.list(NoticeQuery(text="influenza storage"))] == [FRAMEWORK]
    with pytest.raises(ValidationError, match="not a kind of notice"):
        notices.list(NoticeQuery(kind="auction"))


def test_show_names_an_unknown_ocid(notices):
    with pytest.raises(NotFoundError, match="ocds-nowhere"):
        notices.show("ocds-nowhere")


def test_suppliers_are_matched_by_identifier_then_name(notices, db, tmp_path):
    from catalogue_app.db import models as m

    with db.transaction() as session:
        supplier = session.scalars(select(m.Supplier).order_by(m.Supplier.id)).first()
        supplier.companies_house_number = "01234567"
        code, name = supplier.code, supplier.name
        other = session.scalars(select(m.Supplier).order_by(m.Supplier.id.desc())).first()
        other_code, other_name = other.code, other.name

    def release(ocid, parties):
        return {
            "ocid": ocid,
            "id": "1",
            "date": "2025-01-01T00:00:00Z",
            "tag": ["award"],
            "parties": parties,
        }

    package = {
        "releases": [
            release(
                "ocds-s-1",
                [{"id": "GB-COH-1234567", "name": "Another name", "roles": ["supplier"]}],
            ),
            release(
                "ocds-s-2",
                [{"id": "x", "name": f"{other_name.upper()} LIMITED", "roles": ["supplier"]}],
            ),
            release("ocds-s-3", [{"id": "y", "name": other_name + "s", "roles": ["supplier"]}]),
            release("ocds-s-4", [{"id": "z", "name": "Nobody We Know", "roles": ["supplier"]}]),
        ]
    }
    path = tmp_path / "suppliers.json"
    path.write_text(json.dumps(package))
    notices.import_paths([path])
    found = {
        o: notices.show(o).suppliers[0] for o in ("ocds-s-1", "ocds-s-2", "ocds-s-3", "ocds-s-4")
    }
    assert (found["ocds-s-1"].supplier_code, found["ocds-s-1"].matched_by) == (code, "identifier")
    assert found["ocds-s-1"].identifier == "GB-COH 01234567"
    assert (found["ocds-s-2"].supplier_code, found["ocds-s-2"].matched_by) == (other_code, "name")
    assert found["ocds-s-3"].supplier_code is None
    assert found["ocds-s-3"].possible_duplicate == other_code
    assert found["ocds-s-4"].supplier_code is None and found["ocds-s-4"].possible_duplicate is None
    assert name
