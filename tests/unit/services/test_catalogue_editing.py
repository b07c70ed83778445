"""Catalogue edits: create, edit, withdraw, price versions, audit history, undo and redo."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.domain.pricing import PriceBreak
from catalogue_app.services.context import AppContext
from catalogue_app.services.editing import (
    CatalogueEditor,
    CatalogueHistory,
    Kind,
    OfferRecord,
    ProductRecord,
    RecordInvalid,
    StaleRecordError,
    SupplierRecord,
    parse_record,
    record_values,
)
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService

TODAY = date(2026, 11, 30)


@pytest.fixture
def ctx(db):
    return AppContext(db, actor="cm.jones", clock=lambda: datetime(2026, 11, 30, 10, tzinfo=UTC))


@pytest.fixture
def editor(ctx):
    return CatalogueEditor(ctx)


def _product(**changes) -> ProductRecord:
    base = ProductRecord(
        code="BWC-X1",
        name="Body-worn camera X1",
        category="35125300-2",
        supplier="motorola-solutions",
        status="approved",
        unit="camera",
        list_price=Decimal("900.00"),
        price_from=date(2026, 1, 1),
        tags=("video",),
    )
    return replace(base, **changes)


def _audit_count(db, kind: str) -> int:
    with db.reading() as s:
        return s.scalar(
            select(func.count()).select_from(m.AuditEvent).where(m.AuditEvent.entity_type == kind)
        )


def test_create_then_edit_is_audited_and_read_back(editor, db):
    created = editor.create(_product())
    assert created.changes[0].is_new
    assert editor.get(Kind.PRODUCT, "BWC-X1") == _product()
    edited = editor.edit(_product(status="champion"), expected=_product())
    assert edited.notice.touches_product("BWC-X1")
    assert editor.get(Kind.PRODUCT, "BWC-X1").status == "champion"
    entries = CatalogueHistory(db).history(Kind.PRODUCT, "BWC-X1")
    assert [e.action for e in entries] == ["create", "edit"]
    assert entries[1].actor == "cm.jones"
    assert entries[1].summary == "Changed product BWC-X1: status approved → champion"


def test_a_second_create_with_the_same_code_is_refused(editor):
    editor.create(_product())
    with pytest.raises(ValidationError, match="exists already"):
        editor.create(_product(name="Another"))


def test_an_edit_over_someone_elses_is_refused_and_changes_nothing(editor):
    editor.create(_product())
    editor.edit(_product(name="Renamed by someone else"))
    with pytest.raises(StaleRecordError, match="changed by someone else"):
        editor.edit(_product(unit="kit"), expected=_product())
    assert editor.get(Kind.PRODUCT, "BWC-X1").unit == "camera"


def test_unknown_references_name_their_field(editor):
    with pytest.raises(RecordInvalid) as caught:
        editor.create(_product(supplier="no-such-supplier"))
    assert caught.value.field == "supplier"
    with pytest.raises(RecordInvalid) as caught:
        editor.create(_product(category="99999999-9"))
    assert caught.value.field == "category"


def test_a_cpv_code_outside_the_seeded_categories_is_added_from_the_cpv_list(editor, db):
    editor.create(_product(category="30213100"))  # portable computers, without check digit
    assert editor.get(Kind.PRODUCT, "BWC-X1").category == "30213100-6"


def test_parse_record_lists_every_problem_by_field():
    with pytest.raises(RecordInvalid) as caught:
        parse_record(
            Kind.PRODUCT,
            {"code": "", "name": "N", "list_price": "12.345", "price_from": "31/12/2026"},
        )
    fields = {p.field for p in caught.value.problems}
    assert {"code", "list_price", "price_from", "category", "supplier"} <= fields


def test_record_values_round_trip_through_parse_record(editor):
    editor.create(_product())
    stored = editor.get(Kind.PRODUCT, "BWC-X1")
    assert parse_record(Kind.PRODUCT, record_values(stored)) == stored


def test_a_new_list_price_is_a_version_from_its_day(editor, db):
    editor.create(_product())
    editor.edit(_product(list_price=Decimal("950.00"), price_from=date(2026, 12, 1)))
    prices = CatalogueHistory(db).prices("BWC-X1")
    assert [(v.effective_from, v.list_price) for v in prices.list_prices] == [
        (date(2026, 1, 1), Decimal("900.00")),
        (date(2026, 12, 1), Decimal("950.00")),
    ]
    assert prices.list_prices[0].until == date(2026, 11, 30)
    assert prices.list_price_on(date(2026, 6, 1)) == Decimal("900.00")
    # today (30 Nov) the old price is still in force
    assert editor.get(Kind.PRODUCT, "BWC-X1").list_price == Decimal("900.00")


def test_undo_of_a_price_change_removes_the_version_and_redo_puts_it_back(editor, db):
    editor.create(_product())
    change = editor.edit(_product(list_price=Decimal("880.00"), price_from=date(2026, 11, 1)))
    assert editor.get(Kind.PRODUCT, "BWC-X1").list_price == Decimal("880.00")
    editor.undo(change)
    assert editor.get(Kind.PRODUCT, "BWC-X1").list_price == Decimal("900.00")
    assert len(CatalogueHistory(db).prices("BWC-X1").list_prices) == 1
    editor.redo(change)
    assert editor.get(Kind.PRODUCT, "BWC-X1").list_price == Decimal("880.00")
    actions = [e.action for e in CatalogueHistory(db).history(Kind.PRODUCT, "BWC-X1")]
    assert actions == ["create", "edit", "undo", "redo"]


def test_undo_of_a_create_removes_an_unused_record_only(editor, ctx):
    created = editor.create(_product())
    editor.undo(created)
    with pytest.raises(NotFoundError):
        editor.get(Kind.PRODUCT, "BWC-X1")
    created = editor.create(_product())
    PurchaseService(ctx).record(
        PurchaseDraft(
            buyer="kent",
            product="BWC-X1",
            quantity="3",
            order_date="2026-11-02",
            order_reference="K-1",
        )
    )
    with pytest.raises(ValidationError, match="withdraw it instead"):
        editor.undo(created)


def test_withdraw_and_reinstate(editor, db):
    editor.create(_product())
    editor.withdraw(Kind.PRODUCT, "BWC-X1")
    assert editor.get(Kind.PRODUCT, "BWC-X1").status == "withdrawn"
    with pytest.raises(ValidationError, match="withdrawn already"):
        editor.withdraw(Kind.PRODUCT, "BWC-X1")
    editor.reinstate(Kind.PRODUCT, "BWC-X1")
    assert editor.get(Kind.PRODUCT, "BWC-X1").status == "approved"


def test_supplier_suspension_has_a_reason_and_a_day(editor):
    editor.create(SupplierRecord("acme-ltd", "Acme Ltd", companies_house_number="01234567"))
    with pytest.raises(ValidationError, match="say why"):
        editor.suspend("acme-ltd", reason=" ")
    result = editor.suspend("acme-ltd", reason="Under investigation", since=date(2026, 11, 2))
    assert result.notice.unbounded
    stored = editor.get(Kind.SUPPLIER, "acme-ltd")
    assert (stored.status, stored.status_reason, stored.status_since) == (
        "suspended",
        "Under investigation",
        date(2026, 11, 2),
    )
    editor.reinstate(Kind.SUPPLIER, "acme-ltd")
    assert editor.get(Kind.SUPPLIER, "acme-ltd").status == "active"


def test_an_identifier_belongs_to_one_supplier(editor):
    editor.create(SupplierRecord("acme-ltd", "Acme Ltd", identifiers=("GB-CFS:12345",)))
    with pytest.raises(RecordInvalid, match="already identifies supplier acme-ltd"):
        editor.create(SupplierRecord("acme-2", "Acme Two", identifiers=("GB-CFS:12345",)))


def test_new_offer_prices_close_the_version_before_and_purchases_keep_theirs(editor, ctx):
    editor.create(_product())
    fw, lot = _a_lot(ctx)
    editor.set_offer_prices(
        fw,
        lot,
        "BWC-X1",
        valid_from=date(2026, 1, 1),
        ceiling=Decimal("450.00"),
        breaks=[PriceBreak(1000, Decimal("440.00")), PriceBreak(3000, Decimal("425.00"))],
    )
    purchases = PurchaseService(ctx)
    old = purchases.record(
        PurchaseDraft(
            buyer="kent",
            product="BWC-X1",
            framework=fw,
            lot=lot,
            quantity="1000",
            order_date="2026-10-01",
            order_reference="K-OLD",
        )
    )
    assert old.unit_price == Decimal("440.00")
    result = editor.set_offer_prices(
        fw,
        lot,
        "BWC-X1",
        valid_from=date(2026, 11, 1),
        ceiling=Decimal("430.00"),
    )
    assert [c.action for c in result.changes] == ["edit", "create"]
    versions = editor.offer_versions(fw, lot, "BWC-X1")
    assert [(v.valid_from, v.valid_to) for v in versions] == [
        (date(2026, 1, 1), date(2026, 10, 31)),
        (date(2026, 11, 1), None),
    ]
    again = purchases.preview(
        PurchaseDraft(
            buyer="kent",
            product="BWC-X1",
            framework=fw,
            lot=lot,
            quantity="1000",
            order_date="2026-10-01",
            order_reference="K-OLD-2",
        )
    )
    assert again.unit_price == Decimal("440.00")
    new = purchases.record(
        PurchaseDraft(
            buyer="kent",
            product="BWC-X1",
            framework=fw,
            lot=lot,
            quantity="1000",
            order_date="2026-11-20",
            order_reference="K-NEW",
        )
    )
    assert new.unit_price == Decimal("430.00")
    assert purchases.get(old.id).unit_price == Decimal("440.00")
    editor.undo(result)
    assert [(v.valid_from, v.valid_to) for v in editor.offer_versions(fw, lot, "BWC-X1")] == [
        (date(2026, 1, 1), None)
    ]


def test_overlapping_offer_versions_are_refused(editor, ctx):
    editor.create(_product())
    fw, lot = _a_lot(ctx)
    editor.create(OfferRecord(fw, lot, "BWC-X1", date(2026, 1, 1), Decimal("450.00")))
    with pytest.raises(RecordInvalid, match="overlap"):
        editor.create(OfferRecord(fw, lot, "BWC-X1", date(2026, 6, 1), Decimal("440.00")))


def test_apply_is_all_or_nothing_and_a_second_apply_changes_nothing(editor, db):
    good = _product()
    bad = _product(code="BWC-X2", supplier="nobody")
    with pytest.raises(RecordInvalid):
        editor.apply([good, bad])
    assert editor.find(Kind.PRODUCT, "BWC-X1") is None
    dry = editor.apply([good], dry_run=True)
    assert dry.counts() == {"added": 1, "changed": 0, "withdrawn": 0}
    assert editor.find(Kind.PRODUCT, "BWC-X1") is None
    assert editor.apply([good]).counts()["added"] == 1
    before = _audit_count(db, "product")
    assert not editor.apply([good]).changed
    assert _audit_count(db, "product") == before


def test_consequences_count_recent_purchases_and_offers(editor, ctx):
    with ctx.db.reading() as s:
        code = s.scalar(
            select(m.Product.code)
            .join(m.Purchase, m.Purchase.product_id == m.Product.id)
            .where(m.Purchase.order_date >= date(2025, 12, 1), m.Purchase.status == "active")
            .limit(1)
        )
    found = editor.consequences(Kind.PRODUCT, code)
    assert found.recent_purchases > 0
    assert "in the last 12 months" in found.sentence()


def _a_lot(ctx) -> tuple[str, str]:
    """A lot of a framework open in 2026."""
    with ctx.db.reading() as s:
        ref, number = s.execute(
            select(m.Framework.reference, m.Lot.number)
            .join(m.Lot)
            .where(m.Framework.start_date <= date(2026, 1, 1), m.Framework.end_date >= TODAY)
            .order_by(m.Framework.reference, m.Lot.number)
            .limit(1)
        ).one()
    return ref, number
