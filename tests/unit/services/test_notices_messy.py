"""Messy real-world data: every case is a warning on its release, and no release is lost."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from catalogue_app.db.notice_models import NoticeRelease
from catalogue_app.services.context import AppContext
from catalogue_app.services.notices import NoticeService

MESSY = Path(__file__).parents[2] / "fixtures" / "ocds" / "messy"


@pytest.fixture
def notices(db):
    now = datetime(2026, 11, 30, tzinfo=UTC)
    return NoticeService(AppContext(db, actor="tester", clock=lambda: now))


def raw_warnings(db, ocid):
    with db.reading() as session:
        return [
            w
            for text in session.scalars(
                select(NoticeRelease.warnings).where(NoticeRelease.ocid == ocid)
            )
            for w in __import__("json").loads(text)
        ]


@pytest.mark.parametrize(
    ("name", "ocid", "warning"),
    [
        ("missing-ids.json", "ocds-test-missing-1", "the release has no id"),
        ("missing-ids.json", "ocds-test-missing-2", "the release has no date"),
        ("missing-ids.json", "", "the release has no ocid"),
        ("missing-currency.json", "ocds-test-currency", "has no currency"),
        ("amount-000-and-nan.json", "ocds-test-zeros", "was written as 000"),
        ("amount-000-and-nan.json", "ocds-test-nan", "was NaN, which is not a number"),
        ("infinity.json", "ocds-test-inf", "was -Infinity, which is not a number"),
        ("duplicate-ids.json", "ocds-test-dups", "more than one entry with id A1"),
        ("orphan-reference.json", "ocds-test-orphan", "names Ghost Supplies, which is not among"),
        ("windows-1252.json", "ocds-test-cp1252", "not UTF-8 as JSON requires"),
        ("record-package.json", "ocds-test-record-2", "its compiled release was imported"),
    ],
)
def test_each_messy_case_is_a_warning_and_the_release_is_kept(notices, db, name, ocid, warning):
    (report,) = notices.import_paths([MESSY / name]).files
    assert report.refused is None
    assert report.read == report.new
    assert any(warning in w for w in raw_warnings(db, ocid)), raw_warnings(db, ocid)
    if ocid:
        assert any(warning in w for w in notices.show(ocid).row.warnings)


def test_a_package_without_releases_is_noted_not_refused(notices):
    (report,) = notices.import_paths([MESSY / "no-releases.json"]).files
    assert report.refused is None and report.read == 0
    assert report.notes == ["the package has no releases or records"]


def test_money_keeps_its_currency(notices):
    notices.import_paths([MESSY / "euro.json", MESSY / "missing-currency.json"])
    euro = notices.show("ocds-test-euro").row
    assert (euro.value, euro.currency) == (Decimal("5000.00"), "EUR")
    unknown = notices.show("ocds-test-currency").row
    assert (unknown.value, unknown.currency) == (Decimal("1200.00"), None)


def test_the_whole_messy_folder_imports_without_losing_a_release(notices, db):
    summary = notices.import_paths([MESSY])
    assert not summary.refused
    read = sum(f.read for f in summary.files)
    with db.reading() as session:
        kept = len(session.scalars(select(NoticeRelease.id)).all())
    # the gzipped lines repeat two releases of the plain file: kept once
    assert kept == read - 2
