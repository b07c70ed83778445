"""A purchase's history in plain words, and what the purchase dialog asks the ledger."""

from datetime import date
from decimal import Decimal

import pytest

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.purchases import Route
from catalogue_app.services.ledger import AuditEntry, PurchaseDraft, PurchaseService
from catalogue_app.services.ledger.advice import PurchaseAdvice
from catalogue_app.services.ledger.details import PurchaseReader
from catalogue_app.services.ledger.history import describe_entry, describe_history

NOON = "2026-11-23T12:00:00+00:00"
NAMES = {"ecis": "East Coast IT Services", "essex": "Essex Police", "kent": "Kent Police"}


def edit(before, after, actor="jsmith"):
    return AuditEntry(NOON, actor, "edit", {**before, "revision": 1}, {**after, "revision": 2})


def test_a_single_change_reads_as_one_sentence_with_money_formatted():
    entry = edit({"unit_price": "0.00"}, {"unit_price": "329.00"})
    assert describe_entry(entry, {}) == (
        "Unit price changed from £0.00 to £329.00 by jsmith on 23 Nov 2026"
    )


def test_several_changes_are_listed_without_keys_revisions_or_none():
    entry = edit(
        {"quantity": 5, "order_date": "2026-05-01", "notes": "", "buyer": "ecis"},
        {"quantity": 1200, "order_date": "2026-05-02", "notes": "urgent", "buyer": "kent"},
    )
    text = describe_entry(entry, NAMES)
    assert text == (
        "Changed by jsmith on 23 Nov 2026: order date from 1 May 2026 to 2 May 2026; "
        "buyer from East Coast IT Services to Kent Police; quantity from 5 to 1,200; "
        "notes from nothing to “urgent”"
    )
    for raw in ("revision", "None", "_", "→", "2026-05-01"):
        assert raw not in text


def test_shares_and_routes_use_names_and_plain_words():
    entry = edit(
        {"shares": {"essex": "10.00", "kent": "5.00"}, "route": "off-framework"},
        {"shares": {"essex": "7.50", "kent": "7.50"}, "route": "ESSEX-ATHENA lot 1"},
    )
    text = describe_entry(entry, NAMES)
    assert "route from off-framework to ESSEX-ATHENA lot 1" in text
    assert "split from Essex Police £10.00, Kent Police £5.00 to Essex Police £7.50" in text


def test_void_restore_record_and_import_read_as_sentences():
    entries = [
        AuditEntry(NOON, "demo", "create", None, None),
        AuditEntry(NOON, "a.clerk", "import", None, {"quantity": 1}),
        AuditEntry(NOON, "jsmith", "void", {"status": "active"}, {"void_reason": "entered twice"}),
        AuditEntry(NOON, "jsmith", "restore", {}, {"reason": "the void was undone"}),
        AuditEntry(NOON, "jsmith", "void", {}, {"void_reason": "undone"}),
        AuditEntry(NOON, "jsmith", "restore", {}, {"reason": "restored"}),
    ]
    assert describe_history(entries) == [
        "Recorded by demo on 23 Nov 2026",
        "Imported from a file by a.clerk on 23 Nov 2026",
        "Voided by jsmith on 23 Nov 2026: entered twice",
        "Restored by jsmith on 23 Nov 2026: the void was undone",
        "Voided by jsmith on 23 Nov 2026: the recording was undone",
        "Restored by jsmith on 23 Nov 2026",
    ]


TODAY = date(2026, 11, 23)


def record(db, **changes):
    values = dict(
        buyer="ecis",
        product="ATHENA",
        quantity=500,
        order_date=date(2026, 5, 1),
        order_reference="ECIS/H/1",
        framework="ESSEX-ATHENA",
        lot="1",
    )
    values.update(changes)
    return PurchaseService(db).record(PurchaseDraft(**values), "jsmith", today=TODAY)


def test_the_details_hold_every_field_the_shares_and_the_history(db):
    recorded = record(db, notes="for the pilot")
    service = PurchaseService(db)
    stored = service.get(recorded.id)
    service.edit(
        recorded.id,
        PurchaseDraft(**{**stored.draft().__dict__, "unit_price": "329.00", "split": "officers"}),
        "jsmith",
        expected_revision=stored.revision,
        today=TODAY,
    )
    service.void(recorded.id, "entered twice", "jsmith")
    d = PurchaseReader(db).details(recorded.id)
    assert (d.order_reference, d.buyer_name, d.product_code) == (
        "ECIS/H/1",
        "East Coast IT Services",
        "ATHENA",
    )
    assert d.framework_title and d.framework_title.startswith("Athena")
    assert (d.quantity, d.unit_price, d.total) == (500, Decimal("329.00"), Decimal("164500.00"))
    assert d.saving == (d.baseline_unit_price - d.unit_price) * 500
    assert d.notes == "for the pilot" and d.void_reason == "entered twice" and d.joint
    assert sum(s.amount for s in d.shares) == d.total
    assert {s.name for s in d.shares} >= {"Essex Police", "Suffolk Constabulary"}
    assert d.history[0].startswith("Recorded by jsmith on ")
    assert d.history[1].startswith("Unit price changed from £450.00 to £329.00 by jsmith on ")
    assert d.history[1].endswith("; the members' shares were recomputed")
    assert d.history[2].endswith(": entered twice") and d.history[2].startswith("Voided by")


def test_the_price_source_names_the_break_the_ceiling_or_the_list_price(db):
    advice = PurchaseAdvice(db)
    day = date(2026, 5, 1)
    ceiling = advice.price_source("ATHENA", Route("ESSEX-ATHENA", "1"), 5, day)
    assert ceiling.text == "The ceiling price of ESSEX-ATHENA lot 1"
    assert ceiling.price == Decimal("450.00")
    listed = advice.price_source("ATHENA", Route(), 5, day)
    assert (listed.text, listed.price) == ("List price (off-framework)", Decimal("480.00"))
    with pytest.raises(ValidationError):
        advice.price_source("ATHENA", Route("NO-SUCH", "1"), 5, day)


def test_a_price_break_is_named_with_its_threshold(db):
    advice = PurchaseAdvice(db)
    product, route, threshold, price = _a_price_break(db)
    source = advice.price_source(product, route, threshold, date.today())
    assert source.price == price
    assert source.text == f"From the price breaks of {route} at {threshold:,}+"
    below = advice.price_source(product, route, max(1, threshold - 1), date.today())
    assert below.price >= price


def _a_price_break(db):
    from sqlalchemy import select

    from catalogue_app.db import models as m

    with db.reading() as s:
        rows = s.execute(
            select(
                m.Product.code,
                m.Framework,
                m.Lot.number,
                m.PriceBreakRow.min_quantity,
                m.PriceBreakRow.unit_price,
                m.Offer.ceiling_unit_price,
                m.Offer.valid_from,
                m.Offer.valid_to,
            )
            .join(m.Offer, m.PriceBreakRow.offer_id == m.Offer.id)
            .join(m.Product, m.Offer.product_id == m.Product.id)
            .join(m.Lot, m.Offer.lot_id == m.Lot.id)
            .join(m.Framework, m.Lot.framework_id == m.Framework.id)
            .order_by(m.PriceBreakRow.min_quantity.desc())
        ).all()
        today = date.today()
        for code, fw, lot, qty, price, ceiling, start, end in rows:
            open_now = fw.term.is_active_on(today) and start <= today
            if open_now and (end is None or today <= end) and price < ceiling and qty > 1:
                return code, Route(fw.reference, lot), qty, price
    raise AssertionError("the reference data has no open price break")


def test_product_search_matches_name_code_and_supplier(db):
    advice = PurchaseAdvice(db)
    assert advice.find_products("athena")[0].code == "ATHENA"
    by_supplier = advice.find_products("northgate")
    assert "ATHENA" in {p.code for p in by_supplier}
    assert advice.find_products("body camera axon")[0].code == "AXON-BODY-3"
    assert advice.find_products("   ") == [] and advice.find_products("zzzqqq") == []
    assert advice.product("athena").name == "Athena"


def test_members_and_the_split_rule_of_a_stored_purchase(db):
    advice = PurchaseAdvice(db)
    members = advice.members("ecis", date(2026, 5, 1))
    assert [m.code for m in members] == ["essex", "kent", "norfolk", "suffolk"]
    assert advice.members("norfolk", date(2026, 5, 1)) == []
    service = PurchaseService(db)
    for split, expected in (("officers", "officers"), ("equal", "equal")):
        recorded = record(db, order_reference=f"ECIS/R/{split}", split=split)
        assert advice.split_rule(service.get(recorded.id)) == expected
    custom = record(
        db,
        order_reference="ECIS/R/custom",
        split="custom:essex=225000.00,kent=0,norfolk=0,suffolk=0",
    )
    assert advice.split_rule(service.get(custom.id)).startswith("custom:essex=225000.00")
    force = record(db, buyer="norfolk", order_reference="NOR/R/1")
    assert advice.split_rule(service.get(force.id)) is None


def test_cautions_name_a_zero_price_an_unusual_quantity_headroom_and_a_duplicate(db):
    advice = PurchaseAdvice(db)
    service = PurchaseService(db)
    plain = PurchaseDraft("ecis", "ATHENA", 500, date(2026, 5, 1), "ECIS/C/1", "ESSEX-ATHENA", "1")
    assert advice.cautions(plain, service.preview(plain, today=TODAY)) == []
    record(db, order_reference="ECIS/C/1")
    huge = PurchaseDraft(
        "ecis",
        "ATHENA",
        10_000_000,
        date(2026, 5, 1),
        "ECIS/C/1",
        "ESSEX-ATHENA",
        "1",
        unit_price="0",
    )
    kinds = {c.kind: c.message for c in advice.cautions(huge, service.preview(huge, today=TODAY))}
    assert set(kinds) == {"duplicate-reference", "zero-price", "unusual-quantity"}
    assert "East Coast IT Services already has an active purchase" in kinds["duplicate-reference"]
    assert "£0.00" in kinds["zero-price"] and "£4,800,000,000.00" in kinds["zero-price"]
    assert "more than 10 times" in kinds["unusual-quantity"]
    costly = PurchaseDraft(
        "ecis", "ATHENA", 1_000_000, date(2026, 5, 1), "ECIS/C/2", "ESSEX-ATHENA", "1"
    )
    preview = service.preview(costly, today=TODAY)
    message = {c.kind: c.message for c in advice.cautions(costly, preview)}["headroom"]
    assert f"The total {format_gbp(preview.total)} is more than framework ESSEX-ATHENA" in message
    assert "£150,000,000.00 ceiling" in message and "is left" in message
    # the purchase being edited is not its own duplicate
    stored = service.get(record(db, order_reference="ECIS/C/3").id)
    again = stored.draft()
    assert advice.cautions(again, service.preview(again, today=TODAY)) == []
