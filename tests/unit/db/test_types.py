from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, func, insert, select
from sqlalchemy.exc import StatementError

from catalogue_app.db.types import Money, UTCDateTime

metadata = MetaData()
ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", Money()),
    Column("at", UTCDateTime()),
)


@pytest.fixture(scope="module")
def engine():
    eng = create_engine("sqlite://")
    metadata.create_all(eng)
    yield eng
    eng.dispose()


@settings(max_examples=200)
@given(pence=st.integers(min_value=-(10**15), max_value=10**15))
def test_money_round_trips_exactly(engine, pence):
    amount = Decimal(pence) / 100
    with engine.begin() as conn:
        row_id = conn.execute(insert(ledger).values(amount=amount)).inserted_primary_key[0]
        back = conn.scalar(select(ledger.c.amount).where(ledger.c.id == row_id))
    assert back == amount
    assert isinstance(back, Decimal)


def test_money_sums_exactly_in_sql(engine):
    # 0.1 + 0.2 is not 0.3 in binary floating point; in pence it is.
    with engine.begin() as conn:
        conn.execute(ledger.delete())
        conn.execute(insert(ledger), [{"amount": Decimal("0.10")}, {"amount": Decimal("0.20")}])
        assert conn.scalar(select(func.sum(ledger.c.amount))) == Decimal("0.30")


def test_money_refuses_floats_and_fractions_of_a_penny(engine):
    with engine.begin() as conn, pytest.raises(StatementError, match="float"):
        conn.execute(insert(ledger).values(amount=0.1))
    with engine.begin() as conn, pytest.raises(StatementError, match="decimal places"):
        conn.execute(insert(ledger).values(amount=Decimal("0.001")))


def test_timestamps_come_back_aware_in_utc(engine):
    local = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=1)))
    with engine.begin() as conn:
        row_id = conn.execute(insert(ledger).values(at=local)).inserted_primary_key[0]
        back = conn.scalar(select(ledger.c.at).where(ledger.c.id == row_id))
    assert back == local
    assert back.tzinfo == UTC
    with engine.begin() as conn, pytest.raises(StatementError, match="time zone"):
        conn.execute(insert(ledger).values(at=datetime(2026, 1, 1)))
