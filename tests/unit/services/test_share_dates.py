"""A joint purchase's shares carry its order date and status, and move with it: recorded,
edited, voided, restored, merged from an offline copy, and when an older database is
upgraded (migration 0014)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select

from catalogue_app.db import models as m
from catalogue_app.db.migrate import alembic_config
from catalogue_app.services.bundles import BundleService, ConflictService
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database, open_database
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService

P, S = m.Purchase, m.PurchaseShare


def out_of_step(db: Database) -> list[tuple]:
    """Every share whose date or status is not its purchase's."""
    with db.reading() as s:
        return list(
            s.execute(
                select(S.purchase_id, S.order_date, S.status, P.order_date, P.status)
                .join(P, P.id == S.purchase_id)
                .where((S.order_date != P.order_date) | (S.status != P.status))
            ).all()
        )


def dated_shares(db: Database, purchase_id: str) -> set[tuple[date, str]]:
    with db.reading() as s:
        return set(
            s.execute(select(S.order_date, S.status).where(S.purchase_id == purchase_id)).all()
        )


def joint(**changes: str) -> PurchaseDraft:
    values = {
        "buyer": "ecis",
        "product": "ATHENA",
        "framework": "ESSEX-ATHENA",
        "lot": "1",
        "quantity": "500",
        "order_date": "2026-05-01",
        "order_reference": "ECIS/SHARES/1",
        "split": "equal",
    }
    values.update(changes)
    return PurchaseDraft(**values)


def ctx_for(db: Database, actor: str = "k.jones") -> AppContext:
    return AppContext(db, actor=actor, clock=lambda: datetime(2026, 11, 30, 10, tzinfo=UTC))


def test_edits_voids_and_restores_move_a_joint_purchases_shares_with_it(db):
    service = PurchaseService(ctx_for(db))
    recorded = service.record(joint())
    assert dated_shares(db, recorded.id) == {(date(2026, 5, 1), "active")}
    assert len(service.get(recorded.id).shares) == 4

    service.edit(recorded.id, joint(order_date="2026-06-15"), expected_revision=1)
    assert dated_shares(db, recorded.id) == {(date(2026, 6, 15), "active")}
    service.void(recorded.id, "entered twice")
    assert dated_shares(db, recorded.id) == {(date(2026, 6, 15), "void")}
    service.restore(recorded.id)
    assert dated_shares(db, recorded.id) == {(date(2026, 6, 15), "active")}
    assert out_of_step(db) == []


def test_the_demonstration_history_writes_shares_in_step(db):
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(S)) > 0
    assert out_of_step(db) == []


def test_a_merged_offline_copy_keeps_every_share_in_step(db, tmp_path, monkeypatch):
    def device(name: str) -> None:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        monkeypatch.setenv("XDG_DATA_HOME", str(folder))

    device("office")
    office = PurchaseService(ctx_for(db, "office.officer"))
    edited = office.record(joint(order_reference="ECIS/SHARES/EDIT"))
    voided = office.record(joint(order_reference="ECIS/SHARES/VOID"))
    disputed = office.record(joint(order_reference="ECIS/SHARES/BOTH"))
    bundle = tmp_path / "full.catbundle"
    BundleService(ctx_for(db, "office.officer")).export(bundle, full=True)
    device("laptop")
    location = str(tmp_path / "laptop.sqlite")
    BundleService.open_copy(bundle, location, actor="laptop.officer")
    laptop_db = open_database(location)
    try:
        laptop = PurchaseService(ctx_for(laptop_db, "laptop.officer"))
        added = laptop.record(joint(order_reference="ECIS/SHARES/NEW", order_date="2026-07-02"))
        laptop.edit(
            edited.id,
            joint(order_reference="ECIS/SHARES/EDIT", order_date="2026-08-03"),
            expected_revision=1,
        )
        laptop.void(voided.id, "ordered twice")
        laptop.edit(
            disputed.id,
            joint(order_reference="ECIS/SHARES/BOTH", order_date="2026-09-04"),
            expected_revision=1,
        )
        home = tmp_path / "laptop.catbundle"
        BundleService(ctx_for(laptop_db, "laptop.officer")).export(home)
    finally:
        laptop_db.close()

    device("office")
    office.void(disputed.id, "cancelled by the supplier")
    merged = BundleService(ctx_for(db, "office.officer")).merge(home, trust_device=True)
    assert (merged.purchases_added, len(merged.conflicts)) == (1, 1)
    assert dated_shares(db, added.id) == {(date(2026, 7, 2), "active")}
    assert dated_shares(db, edited.id) == {(date(2026, 8, 3), "active")}
    assert dated_shares(db, voided.id) == {(date(2026, 5, 1), "void")}
    assert out_of_step(db) == []

    (conflict,) = ConflictService(ctx_for(db, "office.officer")).list()
    ConflictService(ctx_for(db, "office.officer")).resolve(conflict.id, "theirs")
    assert dated_shares(db, disputed.id) == {(date(2026, 9, 4), "active")}
    assert out_of_step(db) == []


def test_upgrading_from_0013_copies_each_purchases_date_and_status_onto_its_shares(
    backend_factory,
):
    location = backend_factory.new_location()
    db = open_database(location, demo=True)
    try:
        service = PurchaseService(ctx_for(db))
        with db.reading() as s:
            some = s.scalars(
                select(P.id).where(P.id.in_(select(S.purchase_id))).order_by(P.id).limit(3)
            ).all()
        for purchase_id in some:
            service.void(purchase_id, "cancelled")
        url = db.url
    finally:
        db.close()

    engine = create_engine(url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0013")
        with engine.connect() as conn:
            columns = set(conn.exec_driver_sql("SELECT * FROM purchase_shares").keys())
        assert "order_date" not in columns and "status" not in columns
    finally:
        engine.dispose()

    db = open_database(location)
    try:
        assert (db.migration.from_revision, db.migration.to_revision) == ("0013", "0014")
        assert out_of_step(db) == []
        with db.reading() as s:
            void = s.scalar(select(func.count()).select_from(S).where(S.status == "void"))
            nulls = s.scalar(
                select(func.count())
                .select_from(S)
                .where(S.order_date.is_(None) | S.status.is_(None))
            )
        assert void >= 3 and nulls == 0
        # and the revision trigger, made again, gives re-written shares the new date
        service = PurchaseService(ctx_for(db))
        service.restore(some[0])
        stored = service.get(some[0])
        assert dated_shares(db, some[0]) == {(stored.order_date, "active")}
    finally:
        db.close()


@pytest.fixture(autouse=True)
def _quiet_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
