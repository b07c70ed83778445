"""A damaged, truncated or tampered bundle is refused whole, and the database is unchanged."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.interchange.bundle import (
    MANIFEST,
    SIGNATURE,
    BundleReader,
    BundleRefused,
    encode,
)
from catalogue_app.interchange.device import DeviceKey
from catalogue_app.services.bundles import BundleService, UnknownDevice
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database, open_database
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService

START = datetime(2026, 11, 30, 9, tzinfo=UTC)


class Clock:
    moment = START

    @classmethod
    def now(cls) -> datetime:
        cls.moment += timedelta(seconds=1)
        return cls.moment


@pytest.fixture
def sides(db, tmp_path, monkeypatch):
    """(office database, a bundle of the laptop's work, a function switching device)."""

    def use(name: str) -> AppContext:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        monkeypatch.setenv("XDG_DATA_HOME", str(folder))
        return AppContext(db, actor=f"{name}.officer", clock=Clock.now)

    use("office")
    full = tmp_path / "full.catbundle"
    BundleService(AppContext(db, clock=Clock.now)).export(full, full=True)
    use("laptop")
    location = str(tmp_path / "laptop.sqlite")
    BundleService.open_copy(full, location, actor="laptop.officer")
    laptop = open_database(location)
    try:
        service = PurchaseService(AppContext(laptop, actor="laptop.officer", clock=Clock.now))
        for n in range(3):
            service.record(
                PurchaseDraft(
                    buyer="norfolk",
                    product="ATHENA",
                    quantity="2",
                    order_date="2026-10-01",
                    order_reference=f"TRIP/{n}",
                )
            )
        work = tmp_path / "laptop.catbundle"
        BundleService(AppContext(laptop, clock=Clock.now)).export(work)
    finally:
        laptop.close()
    use("office")
    return db, work


def state(db: Database) -> tuple[int, int, int]:
    with db.reading() as s:
        return (
            s.scalar(select(func.count()).select_from(m.Purchase)) or 0,
            s.scalar(select(func.count()).select_from(m.PurchaseRevision)) or 0,
            s.scalar(select(func.count()).select_from(m.AuditEvent)) or 0,
        )


def rewrite(
    source: Path,
    target: Path,
    change: Callable[[dict[str, bytes]], None],
) -> Path:
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    change(entries)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in entries.items():
            out.writestr(name, data)
    return target


def resign(entries: dict[str, bytes], key: DeviceKey, **manifest_changes: object) -> None:
    """Recompute the manifest's hashes for the parts as they now are and sign it anew."""
    import hashlib

    manifest = json.loads(entries[MANIFEST])
    for part, entry in manifest["contents"].items():
        data = entries[f"{part}.jsonl"]
        entry.update(
            sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), rows=data.count(b"\n")
        )
    manifest["device"].update(id=key.device_id, public_key=key.public_text)
    manifest.update(manifest_changes)
    raw = json.dumps(manifest, sort_keys=True, indent=1).encode()
    entries[MANIFEST] = raw
    entries[SIGNATURE] = key.sign(raw).encode()


def flip_byte(part: str) -> Callable[[dict[str, bytes]], None]:
    def change(entries: dict[str, bytes]) -> None:
        data = bytearray(entries[part] or b"{}")  # an empty part gains a byte
        at = len(data) // 2
        data[at] = ord("7") if data[at] != ord("7") else ord("8")
        entries[part] = bytes(data)

    return change


@pytest.mark.parametrize(
    "part", ["revisions.jsonl", "audit.jsonl", "notices.jsonl", MANIFEST, SIGNATURE]
)
def test_one_changed_byte_in_any_part_is_refused_and_nothing_changes(sides, tmp_path, part):
    db, work = sides
    before = state(db)
    tampered = rewrite(work, tmp_path / "tampered.catbundle", flip_byte(part))
    with pytest.raises(BundleRefused) as refused:
        BundleService(db).merge(tampered, trust_device=True)
    assert "nothing was changed" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert state(db) == before


def test_a_missing_part_is_refused(sides, tmp_path):
    db, work = sides
    before = state(db)
    tampered = rewrite(
        work, tmp_path / "short.catbundle", lambda entries: entries.pop("revisions.jsonl")
    )
    with pytest.raises(BundleRefused, match="its revisions part is missing"):
        BundleService(db).merge(tampered, trust_device=True)
    assert state(db) == before


def test_a_truncated_file_is_refused(sides, tmp_path):
    db, work = sides
    before = state(db)
    cut = tmp_path / "cut.catbundle"
    cut.write_bytes(work.read_bytes()[: work.stat().st_size // 2])
    with pytest.raises(BundleRefused, match="not a complete bundle"):
        BundleService(db).merge(cut, trust_device=True)
    assert state(db) == before


def test_a_bundle_re_signed_by_an_unknown_device_needs_the_device_confirmed(sides, tmp_path):
    db, work = sides
    stranger = DeviceKey(Ed25519PrivateKey.generate())

    def change(entries: dict[str, bytes]) -> None:
        lines = entries["revisions.jsonl"].splitlines(keepends=True)
        first = json.loads(lines[0])
        first["quantity"] = 2000
        entries["revisions.jsonl"] = b"".join([encode(first), *lines[1:]])
        resign(entries, stranger)

    forged = rewrite(work, tmp_path / "forged.catbundle", change)
    before = state(db)
    with pytest.raises(UnknownDevice, match="has not seen before") as refused:
        BundleService(db).merge(forged)
    assert stranger.device_id in str(refused.value)
    assert state(db) == before
    report = BundleService(db).merge(forged, trust_device=True)
    assert report.new_device and report.purchases_added == 3
    assert state(db)[0] == before[0] + 3


def test_a_bundle_from_a_newer_format_version_is_refused(sides, tmp_path):
    db, work = sides
    key = DeviceKey(Ed25519PrivateKey.generate())
    newer = rewrite(
        work, tmp_path / "newer.catbundle", lambda entries: resign(entries, key, version=2)
    )
    before = state(db)
    with pytest.raises(BundleRefused, match="newer version of the app"):
        BundleService(db).merge(newer, trust_device=True)
    assert state(db) == before


def test_a_bundle_that_unpacks_far_beyond_its_size_is_refused_before_it_is_read(tmp_path):
    bomb = tmp_path / "bomb.catbundle"
    key = DeviceKey(Ed25519PrivateKey.generate())
    entries = {"revisions.jsonl": b"\n" * (50 * 1024 * 1024)}
    manifest = {
        "format": "catalogue-bundle",
        "version": 1,
        "bundle_id": "x",
        "kind": "incremental",
        "made_at": START.isoformat(),
        "database": {"id": "d"},
        "device": {},
        "contents": {"revisions": {}},
    }
    entries[MANIFEST] = json.dumps(manifest).encode()
    resign(entries, key)
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in entries.items():
            out.writestr(name, data)
    with pytest.raises(BundleRefused, match="unpacks to far more"):
        BundleReader(bomb)


def test_not_a_bundle_is_refused_with_a_sentence(tmp_path):
    other = tmp_path / "notes.catbundle"
    other.write_text("shopping list", encoding="utf-8")
    with pytest.raises(BundleRefused, match="not a complete bundle"):
        BundleReader(other)
    with pytest.raises(BundleRefused, match="does not exist"):
        BundleReader(tmp_path / "missing.catbundle")
