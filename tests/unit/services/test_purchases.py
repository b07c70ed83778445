import csv
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.domain.pricing import PriceBreak, unit_price_for_quantity
from catalogue_app.domain.purchases import Route
from catalogue_app.interchange.purchases import TEMPLATE_COLUMNS
from catalogue_app.services.catalogue import CatalogueService
from catalogue_app.services.ledger import (
    DuplicateReferenceError,
    ImportRejected,
    PurchaseDraft,
    PurchaseService,
    StaleRevisionError,
)

TODAY = date(2026, 11, 23)


@pytest.fixture
def service(db):
    return PurchaseService(db)


def athena(**changes):
    values = dict(
        buyer="ecis",
        product="ATHENA",
        quantity=500,
        order_date="2026-05-01",
        order_reference="ECIS/T/1",
        framework="ESSEX-ATHENA",
        lot="1",
    )
    values.update(changes)
    return PurchaseDraft(**values)


def ledger_count(db, *where):
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(m.Purchase).where(*where))


def test_a_joint_purchase_is_priced_from_the_breaks_split_and_audited(db, service):
    recorded = service.record(athena(), "officer.a", today=TODAY)
    assert recorded.route == Route("ESSEX-ATHENA", "1")
    day = date(2026, 5, 1)
    offer = next(
        o
        for o in CatalogueService(db).get_product("ATHENA").offers
        if o.framework == "ESSEX-ATHENA"
        and o.valid_from <= day
        and (o.valid_to is None or day <= o.valid_to)
    )
    expected = unit_price_for_quantity(
        offer.ceiling_unit_price,
        [PriceBreak(b.min_quantity, b.unit_price) for b in offer.price_breaks],
        500,
    )
    assert recorded.unit_price == expected < Decimal("480.00")
    assert not recorded.unit_price_overridden
    assert recorded.total == recorded.unit_price * 500
    assert {s.force for s in recorded.shares} == {"essex", "kent", "norfolk", "suffolk"}
    assert sum(s.amount for s in recorded.shares) == recorded.total
    assert recorded.saving == (Decimal("480.00") - recorded.unit_price) * 500
    with db.transaction() as s:
        event = s.scalar(select(m.AuditEvent).where(m.AuditEvent.entity_id == recorded.id))
        assert event.actor == "officer.a" and event.action == "create"
        assert json.loads(event.after)["quantity"] == 500
        assert event.occurred_at.tzinfo is not None


def test_an_overridden_unit_price_is_kept_and_flagged(service):
    recorded = service.record(athena(unit_price="400.00"), "officer.a", today=TODAY)
    assert recorded.unit_price == Decimal("400.00") and recorded.unit_price_overridden


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "more than zero"),
        ({"unit_price": "-1"}, "unit_price", "must not be negative"),
        ({"unit_price": "1.001"}, "unit_price", "fractions of a penny"),
        ({"baseline_unit_price": "abc"}, "baseline_unit_price", "not an amount"),
        ({"order_date": "2026-11-24"}, "order_date", "in the future"),
        ({"order_date": "2009-01-01"}, "framework", "had not started"),
        (
            {"framework": "NPIA-NBAF", "lot": "1", "order_date": "2020-01-01"},
            "framework",
            "had expired",
        ),
        ({"framework": "RM0000"}, "framework", "no framework has the reference"),
        ({"lot": "99"}, "lot", "has no lot “99”"),
        ({"product": "HAIX-BLACK-EAGLE"}, "lot", "does not offer HAIX-BLACK-EAGLE"),
        ({"buyer": "gotham"}, "buyer", "no force or collaboration"),
        ({"product": "NOPE"}, "product", "no product has the code"),
        ({"order_reference": " "}, "order_reference", "missing"),
        ({"buyer": "norfolk", "split": "equal"}, "split", "only a collaboration"),
        ({"split": "custom:kent=10%"}, "split", "add up to 100"),
    ],
)
def test_every_rule_names_its_field_and_nothing_is_written(db, service, changes, field, message):
    before = ledger_count(db)
    with pytest.raises(ValidationError, match=message) as info:
        service.record(athena(**changes), "officer.a", today=TODAY)
    assert info.value.field == field
    assert ledger_count(db) == before


def test_a_reused_order_reference_is_refused_until_the_first_is_voided(db, service):
    first = service.record(athena(), "officer.a", today=TODAY)
    with pytest.raises(DuplicateReferenceError, match="was already used by ecis"):
        service.record(athena(), "officer.a", today=TODAY)
    service.void(first.id, "entered with the wrong quantity", "officer.a")
    again = service.record(athena(quantity=600), "officer.a", today=TODAY)
    assert again.id != first.id and again.quantity == 600
    with pytest.raises(DuplicateReferenceError, match="was already used by ecis"):
        service.restore(first.id, "officer.a")


def test_off_framework_is_priced_at_list_price(service):
    recorded = service.record(
        athena(buyer="norfolk", framework=None, lot=None, quantity=3), "officer.a", today=TODAY
    )
    assert recorded.route.is_off_framework and recorded.unit_price == Decimal("480.00")
    assert recorded.saving == 0 and recorded.shares == []


def test_void_needs_a_reason_keeps_the_row_and_audits(db, service):
    recorded = service.record(athena(), "officer.a", today=TODAY)
    with pytest.raises(ValidationError, match="give a reason"):
        service.void(recorded.id, "  ", "officer.b")
    service.void(recorded.id, "entered twice", "officer.b")
    with db.transaction() as s:
        purchase = s.get(m.Purchase, recorded.id)
        assert purchase.status == "void" and purchase.void_reason == "entered twice"
        assert purchase.revision == 2
        actions = s.scalars(
            select(m.AuditEvent.action)
            .where(m.AuditEvent.entity_id == recorded.id)
            .order_by(m.AuditEvent.id)
        ).all()
    assert actions == ["create", "void"]
    with pytest.raises(ValidationError, match="already void"):
        service.void(recorded.id, "again", "officer.b")
    with pytest.raises(NotFoundError):
        service.void("00000000-0000-4000-8000-000000000000", "x", "officer.b")


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in TEMPLATE_COLUMNS})


def good_row(n):
    return {
        "order_reference": f"NOR/IMP/{n}",
        "buyer": "norfolk",
        "product": "ATHENA",
        "framework": "ESSEX-ATHENA",
        "lot": "1",
        "quantity": str(10 + n),
        "order_date": "2025-06-01",
    }


def test_import_lands_whole_and_twice_adds_nothing(db, service, tmp_path):
    path = tmp_path / "purchases.csv"
    write_csv(path, [good_row(n) for n in range(50)])
    before = ledger_count(db)
    report = service.import_file(path, "officer.a", today=TODAY)
    assert (report.rows, report.imported, report.already_present) == (50, 50, 0)
    assert ledger_count(db) == before + 50
    again = service.import_file(path, "officer.a", today=TODAY)
    assert (again.imported, again.already_present) == (0, 50)
    assert ledger_count(db) == before + 50


def test_one_bad_row_in_a_thousand_refuses_the_whole_file_and_names_every_bad_row(
    db, service, tmp_path
):
    rows = [good_row(n) for n in range(1000)]
    rows[417]["quantity"] = "-2"
    rows[901]["order_date"] = "31/02/2025"
    path = tmp_path / "purchases.csv"
    write_csv(path, rows)
    before = ledger_count(db)
    with pytest.raises(ImportRejected) as info:
        service.import_file(path, "officer.a", today=TODAY)
    errors = info.value.errors
    assert [(e.row, e.column) for e in errors] == [(419, "quantity"), (903, "order_date")]
    assert "purchases.csv" in str(info.value) and "row 419" in str(info.value)
    assert "purchases.csv, row 903, column “order_date”" in info.value.report()
    assert ledger_count(db) == before


def test_import_with_a_missing_column_is_refused(service, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("order_reference,buyer\nX,norfolk\n")
    with pytest.raises(ImportRejected, match="column “product”: the column is missing"):
        service.import_file(path, "officer.a", today=TODAY)


def test_import_refuses_unknown_file_types(service, tmp_path):
    path = tmp_path / "purchases.txt"
    path.write_text("hello")
    with pytest.raises(Exception, match="only .csv and .xlsx"):
        service.import_file(path, "officer.a", today=TODAY)


def test_an_edit_makes_a_new_revision_and_keeps_the_old_values(db, service):
    recorded = service.record(
        athena(buyer="norfolk", framework=None, lot=None, quantity=3), "officer.a", today=TODAY
    )
    stored = service.get(recorded.id)
    assert stored.revision == 1
    draft = replace(stored.draft(), quantity=5, notes="corrected")
    edited = service.edit(recorded.id, draft, "officer.b", expected_revision=1, today=TODAY)
    assert edited.total == Decimal("480.00") * 5
    now = service.get(recorded.id)
    assert (now.revision, now.quantity, now.notes) == (2, 5, "corrected")
    with db.transaction() as s:
        event = s.scalar(
            select(m.AuditEvent).where(
                m.AuditEvent.entity_id == recorded.id, m.AuditEvent.action == "edit"
            )
        )
    assert json.loads(event.before)["quantity"] == 3 and json.loads(event.after)["quantity"] == 5
    assert event.actor == "officer.b"


def test_a_concurrent_edit_is_refused_not_lost(service):
    recorded = service.record(
        athena(buyer="norfolk", framework=None, lot=None, quantity=3), "officer.a", today=TODAY
    )
    first = service.get(recorded.id)
    second = service.get(recorded.id)  # another window opened at the same time
    service.edit(
        recorded.id,
        replace(first.draft(), quantity=4),
        "officer.a",
        expected_revision=first.revision,
        today=TODAY,
    )
    with pytest.raises(StaleRevisionError, match="changed by someone else"):
        service.edit(
            recorded.id,
            replace(second.draft(), quantity=9),
            "officer.b",
            expected_revision=second.revision,
            today=TODAY,
        )
    assert service.get(recorded.id).quantity == 4


def test_editing_a_joint_purchase_splits_it_again(db, service):
    recorded = service.record(athena(), "officer.a", today=TODAY)
    stored = service.get(recorded.id)
    draft = replace(stored.draft(), quantity=600, split="equal")
    edited = service.edit(recorded.id, draft, "officer.a", expected_revision=1, today=TODAY)
    assert sum(s.amount for s in edited.shares) == edited.total
    assert sum(service.get(recorded.id).shares.values()) == edited.total


def test_restore_undoes_a_void(service):
    recorded = service.record(athena(), "officer.a", today=TODAY)
    service.void(recorded.id, "undone", "officer.a")
    service.restore(recorded.id, "officer.a", "redone")
    again = service.get(recorded.id)
    assert again.status == "active" and again.void_reason is None and again.revision == 3
