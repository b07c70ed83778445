"""Office and laptop: a full bundle makes the copy, work on both sides merges back whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from catalogue_app.db import bundle_models as bm
from catalogue_app.db import models as m
from catalogue_app.services.bundles import BundleService, ConflictService, UnknownDevice
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database, open_database
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService
from catalogue_app.services.trail import AuditTrail

OFFICE_DAY = datetime(2026, 11, 30, 9, tzinfo=UTC)


class Clock:
    """The time of day, moving on a second each time anyone reads it."""

    moment = OFFICE_DAY

    @classmethod
    def now(cls) -> datetime:
        cls.moment += timedelta(seconds=1)
        return cls.moment


class Device:
    """One computer: its own data folder, so its own key."""

    def __init__(self, name: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.name, self.folder, self.monkeypatch = name, root / name, monkeypatch
        self.folder.mkdir()

    def use(self) -> None:
        self.monkeypatch.setenv("XDG_DATA_HOME", str(self.folder))

    def ctx(self, db: Database) -> AppContext:
        self.use()
        return AppContext(db, actor=f"{self.name}.officer", clock=Clock.now)


def draft(reference: str, **changes: str) -> PurchaseDraft:
    values = {
        "buyer": "norfolk",
        "product": "ATHENA",
        "quantity": "3",
        "order_date": "2026-10-01",
        "order_reference": reference,
    }
    values.update(changes)
    return PurchaseDraft(**values)


def ledger(db: Database) -> list[tuple]:
    """Every purchase, row by row, with its shares: what two ledgers must agree on."""
    with db.reading() as s:
        rows = s.execute(select(m.Purchase).order_by(m.Purchase.id)).scalars().all()
        shares: dict[str, list[tuple[int, object]]] = {}
        for pid, force, amount in s.execute(
            select(m.PurchaseShare.purchase_id, m.PurchaseShare.force_id, m.PurchaseShare.amount)
        ):
            shares.setdefault(pid, []).append((force, amount))
        columns = [c.name for c in m.Purchase.__table__.columns if c.name != "reference_repeat"]
        return [
            (*(getattr(p, c) for c in columns), tuple(sorted(shares.get(p.id, [])))) for p in rows
        ]


def revision_ids(db: Database) -> set[str]:
    with db.reading() as s:
        landed = set(s.scalars(select(m.PurchaseRevision.id)))
        branches = set(s.scalars(select(bm.PurchaseBranch.id)))
        return landed | branches


@pytest.fixture
def office(db, tmp_path, monkeypatch):
    return db, Device("office", tmp_path, monkeypatch)


def take_offline(office_db, office, laptop, tmp_path) -> Database:
    """The laptop's copy: always an embedded file, whatever the office runs on."""
    bundle = tmp_path / "full.catbundle"
    BundleService(office.ctx(office_db)).export(bundle, full=True)
    laptop.use()
    location = str(tmp_path / "laptop.sqlite")
    BundleService.open_copy(bundle, location, actor="laptop.officer")
    return open_database(location)


@pytest.mark.parametrize(("keep", "kept_status"), [("theirs", "active"), ("mine", "void")])
def test_work_on_both_sides_merges_into_the_same_ledger_with_one_conflict(
    office, tmp_path, monkeypatch, keep, kept_status
):
    office_db, office_device = office
    laptop_device = Device("laptop", tmp_path, monkeypatch)
    before = ledger(office_db)
    laptop_db = take_offline(office_db, office_device, laptop_device, tmp_path)
    try:
        assert ledger(laptop_db) == before
        shared = before[0][0]
        service = PurchaseService(laptop_device.ctx(laptop_db))
        for n in range(20):
            service.record(draft(f"LAPTOP/{n}"))
        stored = service.get(shared)
        service.edit(
            shared,
            PurchaseDraft(
                buyer=stored.buyer,
                product=stored.product,
                quantity=str(stored.quantity + 1),
                order_date=stored.order_date.isoformat(),
                order_reference=stored.order_reference,
                unit_price=str(stored.unit_price),
                framework=stored.route.framework or "",
                lot=stored.route.lot or "",
                split="equal" if stored.shares else "",
            ),
            expected_revision=stored.revision,
        )
        office_service = PurchaseService(office_device.ctx(office_db))
        for n in range(30):
            office_service.record(draft(f"OFFICE/{n}"))
        office_service.void(shared, "ordered twice")

        # the laptop comes home: its bundle merges into the office (a new device, confirmed)
        home = tmp_path / "laptop.catbundle"
        BundleService(laptop_device.ctx(laptop_db)).export(home)
        with pytest.raises(UnknownDevice):
            BundleService(office_device.ctx(office_db)).merge(home)
        dry = BundleService(office_device.ctx(office_db)).merge(
            home, dry_run=True, trust_device=True
        )
        assert (dry.purchases_added, len(dry.conflicts)) == (20, 1)
        assert len(ledger(office_db)) == len(before) + 30  # a dry run changes nothing
        merged = BundleService(office_device.ctx(office_db)).merge(home, trust_device=True)
        assert (merged.purchases_added, merged.revisions_applied, len(merged.conflicts)) == (
            20,
            0,
            1,
        )
        assert merged.conflicts[0].kind == "void"

        # and the office's work goes to the laptop
        out = tmp_path / "office.catbundle"
        report = BundleService(office_device.ctx(office_db)).export(
            out, since=laptop_device_id(office_db)
        )
        assert report.kind == "incremental"
        back = BundleService(laptop_device.ctx(laptop_db)).merge(out)
        assert (back.purchases_added, len(back.conflicts)) == (30, 1)

        office_rows, laptop_rows = ledger(office_db), ledger(laptop_db)
        assert len(office_rows) == len(laptop_rows) == len(before) + 50
        differing = [a[0] for a, b in zip(office_rows, laptop_rows, strict=True) if a != b]
        assert differing == [shared]  # each side keeps its own version until resolved
        earlier = {b[0] for b in before}
        assert [r for r in before if r[0] != shared] == [
            r for r in office_rows if r[0] in earlier and r[0] != shared
        ]  # nothing else changed
        assert revision_ids(office_db) == revision_ids(laptop_db)
        for db_ in (office_db, laptop_db):
            (conflict,) = ConflictService(db_).list()
            assert conflict.purchase_id == shared
            assert {conflict.mine["status"], conflict.theirs["status"]} == {"void", "active"}
        assert AuditTrail(office_db).verify().ok
        assert AuditTrail(laptop_db).verify().ok

        # merging again changes nothing, either way
        again = BundleService(office_device.ctx(office_db)).merge(home)
        assert not again.changed
        assert not BundleService(laptop_device.ctx(laptop_db)).merge(out).changed
        assert ledger(office_db) == office_rows and ledger(laptop_db) == laptop_rows

        # resolving on the office travels: both ledgers become the same row by row
        (conflict,) = ConflictService(office_device.ctx(office_db)).list()
        ConflictService(office_device.ctx(office_db)).resolve(conflict.id, keep)
        assert ConflictService(office_db).list() == []
        final = tmp_path / "resolved.catbundle"
        BundleService(office_device.ctx(office_db)).export(final, since=laptop_device_id(office_db))
        settled = BundleService(laptop_device.ctx(laptop_db)).merge(final)
        assert settled.resolved_elsewhere == 1
        assert ConflictService(laptop_db).list() == []
        assert ledger(office_db) == ledger(laptop_db)
        with office_db.reading() as s:
            status = s.scalar(select(m.Purchase.status).where(m.Purchase.id == shared))
        assert status == kept_status  # the laptop's edit ("theirs") or the office's void
        assert AuditTrail(office_db).verify().ok
        assert AuditTrail(laptop_db).verify().ok
    finally:
        laptop_db.close()


def laptop_device_id(office_db: Database) -> str:
    with office_db.reading() as s:
        return s.scalars(select(bm.BundleDevice.device_id)).one()
