"""An import prices each row as of its order date, and looks the catalogue up in one batch."""

from datetime import date

import pytest
from sqlalchemy import event, insert, select

from catalogue_app.db import models as m
from catalogue_app.services.ledger import (
    LedgerExport,
    PurchaseDraft,
    PurchaseService,
    queries,
)

TODAY = date(2026, 11, 23)


@pytest.fixture
def service(db):
    return PurchaseService(db)


def imported(db, service, rows):
    service.import_rows(rows, "purchases.csv", "officer", today=TODAY)
    records = LedgerExport(db).records("norfolk")
    return {r["order_reference"]: r for r in records}


def product_id(db, code):
    with db.reading() as s:
        return s.scalar(select(m.Product.id).where(m.Product.code == code))


def test_a_rows_baseline_is_the_list_price_in_force_on_its_order_date(db, service):
    athena = product_id(db, "ATHENA")
    with db.transaction() as s:
        s.execute(
            insert(m.ProductPrice),
            [
                {"product_id": athena, "effective_from": date(2025, 1, 1), "list_price": 100},
                {"product_id": athena, "effective_from": date(2025, 7, 1), "list_price": 120},
            ],
        )
    base = {"buyer": "norfolk", "product": "ATHENA", "quantity": "2"}
    rows = [
        {**base, "order_reference": "P/1", "order_date": "2025-06-30"},
        {**base, "order_reference": "P/2", "order_date": "2025-07-01"},
        {**base, "order_reference": "P/3", "order_date": "2025-08-15", "unit_price": "90.00"},
        {
            **base,
            "order_reference": "P/4",
            "order_date": "2025-08-15",
            "framework": "ESSEX-ATHENA",
            "lot": "1",
        },
    ]
    got = imported(db, service, rows)
    # off-framework with no price given: the list price of the day is the price and baseline
    assert (got["P/1"]["unit_price"], got["P/1"]["baseline_unit_price"]) == (100, 100)
    assert (got["P/2"]["unit_price"], got["P/2"]["baseline_unit_price"]) == (120, 120)
    assert got["P/3"]["baseline_unit_price"] == 120  # a price given keeps the day's baseline
    assert got["P/4"]["baseline_unit_price"] == 120  # through a framework too


def test_a_product_without_price_versions_falls_back_to_its_list_price(db, service):
    with db.transaction() as s:
        athena = s.scalar(select(m.Product).where(m.Product.code == "ATHENA"))
        listed = athena.list_price
        s.query(m.ProductPrice).filter(m.ProductPrice.product_id == athena.id).delete()
    got = imported(
        db,
        service,
        [
            {
                "buyer": "norfolk",
                "product": "ATHENA",
                "quantity": "1",
                "order_reference": "F/1",
                "order_date": "2025-06-30",
            }
        ],
    )
    assert got["F/1"]["baseline_unit_price"] == listed


def test_a_row_is_priced_by_the_offer_version_that_covers_its_date(db, service):
    draft = PurchaseDraft(
        "norfolk", "ATHENA", 1, "2025-06-01", "X", framework="ESSEX-ATHENA", lot="1"
    )
    before = service.preview(draft, today=TODAY).unit_price
    with db.transaction() as s:
        offer = s.scalar(
            select(m.Offer)
            .join(m.Lot)
            .join(m.Framework)
            .join(m.Product)
            .where(
                m.Framework.reference == "ESSEX-ATHENA",
                m.Lot.number == "1",
                m.Product.code == "ATHENA",
            )
        )
        offer.valid_to = date(2025, 8, 31)
        s.add(
            m.Offer(
                lot_id=offer.lot_id,
                product_id=offer.product_id,
                ceiling_unit_price=before - 7,
                valid_from=date(2025, 9, 1),
            )
        )
    base = {
        "buyer": "norfolk",
        "product": "ATHENA",
        "framework": "ESSEX-ATHENA",
        "lot": "1",
        "quantity": "1",
    }
    got = imported(
        db,
        service,
        [
            {**base, "order_reference": "O/1", "order_date": "2025-08-31"},
            {**base, "order_reference": "O/2", "order_date": "2025-09-01"},
        ],
    )
    assert got["O/1"]["unit_price"] == before
    assert got["O/2"]["unit_price"] == before - 7


def statements(db, service, rows):
    seen = []

    def count(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        service.import_rows(rows, "purchases.csv", "officer", today=TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_catalogue_is_looked_up_in_batches_not_once_a_row(db, service):
    def rows(prefix, n):
        return [
            {
                "buyer": "norfolk",
                "product": "ATHENA",
                "framework": "ESSEX-ATHENA",
                "lot": "1",
                "quantity": str(1 + i % 9),
                "order_date": f"2025-0{1 + i % 9}-15",
                "order_reference": f"{prefix}/{i}",
            }
            for i in range(n)
        ]

    few, many = statements(db, service, rows("A", 20)), statements(db, service, rows("B", 400))
    assert many == few


def test_without_the_days_prices_the_baseline_test_would_fail(db, service, monkeypatch):
    # every row priced at the product's current list price, whatever its order date
    monkeypatch.setattr(
        queries.Lookups, "list_price_on", lambda self, product, day: product.list_price
    )
    with pytest.raises(AssertionError):
        test_a_rows_baseline_is_the_list_price_in_force_on_its_order_date(db, service)
