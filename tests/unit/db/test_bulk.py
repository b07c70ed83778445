from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text

from catalogue_app.db import models as m
from catalogue_app.db.bulk import BulkInsert, scaled


def _purchase(key: str, reference: str, force_id: int, product_id: int) -> dict:
    return {
        "id": key,
        "order_reference": reference,
        "buyer_force_id": force_id,
        "buyer_collaboration_id": None,
        "product_id": product_id,
        "lot_id": None,
        "quantity": 3,
        "unit_price": Decimal("1234.56"),
        "baseline_unit_price": Decimal("1300.10"),
        "order_date": date(2025, 2, 28),
        "recorded_by": "bulk",
        "recorded_at": datetime(2025, 3, 1, 9, 30, 15, 250, tzinfo=UTC),
    }


def test_bulk_rows_land_exactly_as_a_core_insert_lands_them(db):
    table = m.Purchase.__table__
    with db.transaction() as s:
        force_id = s.scalar(select(m.Force.id).order_by(m.Force.id).limit(1))
        product_id = s.scalar(select(m.Product.id).order_by(m.Product.id).limit(1))
        core = _purchase("00000000-0000-4000-8000-000000000001", "BULK/1", force_id, product_id)
        bulk = _purchase("00000000-0000-4000-8000-000000000002", "BULK/2", force_id, product_id)
        s.execute(insert(table), [core])
        out = BulkInsert(s, table, list(bulk))
        out.write(out.tuples([bulk]))
    with db.transaction() as s:
        stored = {
            row[0]: row[1:]
            for row in s.execute(
                text(
                    "SELECT order_reference, unit_price, baseline_unit_price, order_date, "
                    "recorded_at, status, notes, revision, reference_repeat FROM purchases "
                    "WHERE recorded_by = 'bulk'"
                )
            )
        }
        read = s.execute(
            select(m.Purchase.unit_price, m.Purchase.order_date, m.Purchase.recorded_at).where(
                m.Purchase.order_reference == "BULK/2"
            )
        ).one()
    # the same stored values, byte for byte, the constant defaults included
    assert stored["BULK/1"] == stored["BULK/2"]
    assert stored["BULK/2"][0] == 123456  # whole pence
    assert stored["BULK/2"][4:] == ("active", "", 1, 0)
    assert tuple(read) == (
        Decimal("1234.56"),
        date(2025, 2, 28),
        datetime(2025, 3, 1, 9, 30, 15, 250, tzinfo=UTC),
    )


def test_a_column_whose_default_is_computed_needs_a_value(db):
    with db.transaction() as s, pytest.raises(ValueError, match="purchases.id"):
        BulkInsert(s, m.Purchase.__table__, ["order_reference", "recorded_at"])


@pytest.mark.parametrize(
    ("amount", "stored"),
    [(Decimal("12.30"), 1230), (Decimal("0.01"), 1), (Decimal("-4.5"), -450), (None, None)],
)
def test_amounts_are_stored_as_whole_pence(amount, stored):
    assert scaled(amount) == stored


def test_an_amount_finer_than_a_penny_is_refused():
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        scaled(Decimal("1.005"))
