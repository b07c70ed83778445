"""Taking the ledger offline and merging it back: bundles, watermarks and conflicts.

A **full** bundle carries the catalogue, the notices, the ledger (all of it, or
one buyer's) with every purchase revision, and the whole audit trail; opened
as a new database it is a working offline copy. An **incremental** bundle
carries only what the receiver lacks: every purchase revision and audit event
past the receiver's watermark (the last place it holds in each origin's
sequence, as it stated in its own last bundle).

Merging verifies the bundle whole first, then in one transaction:

- copies the audit events it lacks, each chain as it was (so ``audit verify``
  still holds), and applies the catalogue edits among them (a record changed
  here later than there keeps this side's values);
- adds the notice releases it lacks (by their hash);
- lands every purchase revision it lacks: a new purchase is inserted, a later
  revision that follows the one held here is applied (the database's trigger
  does it), and one that follows a revision this side has already replaced —
  the same purchase changed on both sides — becomes a recorded conflict with
  the other side's revision kept whole as a branch, never an overwrite. So is
  one buyer's order reference recorded on both sides for different purchases.

Everything is keyed by ids made without coordination (UUIDv7) and by each
origin's own sequence, so merging the same bundle again finds everything
present and changes nothing, and merging A into B and B into A leaves both
with the same ledger. Catalogue records travel by their codes, never by this
database's internal numbers.

Resolving a conflict (keep mine, theirs or both) writes a revision with the
action ``resolve`` and an audit event; that revision travels in the next bundle
and closes the same conflict on the other side.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    Date,
    DateTime,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from uuid6 import uuid7

from catalogue_app.db import bundle_models as bm
from catalogue_app.db import models as m
from catalogue_app.db import notice_models as nm
from catalogue_app.db.revisions import STATE
from catalogue_app.db.types import ScaledDecimal, UTCDateTime
from catalogue_app.domain.errors import CatalogueError, ValidationError
from catalogue_app.domain.money import format_gbp
from catalogue_app.interchange.atomic import atomic_path
from catalogue_app.interchange.bundle import (
    SUFFIX,
    BundleReader,
    BundleRefused,
    BundleWriter,
    Manifest,
)
from catalogue_app.interchange.device import device_key, device_name
from catalogue_app.services.audit import AuditWriter, chain_name, event_hash
from catalogue_app.services.changes import LedgerChanged
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database, open_database
from catalogue_app.services.editing import Kind, parse_record
from catalogue_app.services.editing import store as catalogue_store
from catalogue_app.services.ledger import queries
from catalogue_app.services.ledger.revisions import next_sequence, shares_json

P = m.Purchase
R = m.PurchaseRevision
C = bm.PurchaseConflict
B = bm.PurchaseBranch

BATCH = 4000
MERGE_CACHE_KB = 48 * 1024  # SQLite's page cache while merging (its default is 2 MB)
# The catalogue as a full bundle carries it, in the order its rows can be inserted.
CATALOGUE_TABLES = (
    "regions",
    "forces",
    "collaborations",
    "collaboration_members",
    "suppliers",
    "supplier_identifiers",
    "categories",
    "products",
    "product_prices",
    "frameworks",
    "lots",
    "lot_suppliers",
    "offers",
    "price_breaks",
    "savings_targets",
)
NOTICE_TABLES = ("notice_releases", "notices", "notice_suppliers", "notice_records")
CATALOGUE_KINDS = frozenset(k.value for k in Kind)
RESOLVE = "resolve"
KEEP = ("mine", "theirs", "both")

Progress = Callable[[str, int, int], None]  # (what, done, of)


def _no_progress(what: str, done: int, of: int) -> None:
    return None


class UnknownDevice(BundleRefused):
    """The bundle was signed by a device this database has not been told to trust."""


class ConflictNotFound(CatalogueError):
    """No conflict has the id given."""


# -- reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportReport:
    path: str
    kind: str
    buyer: str | None
    purchases: int
    revisions: int
    audit_events: int
    notices: int
    catalogue_rows: int
    since: str | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ConflictLine:
    """One conflict as the list shows it: the two versions side by side."""

    id: str
    purchase_id: str
    kind: str
    order_reference: str
    buyer: str
    mine: dict[str, Any]
    theirs: dict[str, Any]
    theirs_device: str
    detected_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None

    @property
    def description(self) -> str:
        return {
            "edit": "changed on both sides",
            "void": "voided on one side and changed on the other",
            "reference": "order reference recorded on both sides for different purchases",
        }.get(self.kind, self.kind)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "purchase_id": self.purchase_id,
            "kind": self.kind,
            "description": self.description,
            "order_reference": self.order_reference,
            "buyer": self.buyer,
            "mine": self.mine,
            "theirs": self.theirs,
            "theirs_device": self.theirs_device,
            "detected_at": self.detected_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolution": self.resolution,
        }


@dataclass
class MergeReport:
    bundle: str
    device_id: str
    device_name: str
    made_at: datetime
    kind: str
    dry_run: bool = False
    new_device: bool = False
    purchases_added: int = 0
    revisions_applied: int = 0
    already_present: int = 0
    conflicts: list[ConflictLine] = field(default_factory=list)
    resolved_elsewhere: int = 0
    audit_events_added: int = 0
    catalogue_changes: int = 0
    notices_added: int = 0
    purchase_ids: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(
            self.purchases_added
            or self.revisions_applied
            or self.conflicts
            or self.resolved_elsewhere
            or self.audit_events_added
            or self.catalogue_changes
            or self.notices_added
        )

    def notice(self) -> LedgerChanged:
        return LedgerChanged.everything() if self.changed else LedgerChanged()

    def summary(self) -> dict[str, int]:
        return {
            "purchases_added": self.purchases_added,
            "revisions_applied": self.revisions_applied,
            "already_present": self.already_present,
            "conflicts": len(self.conflicts),
            "resolved_elsewhere": self.resolved_elsewhere,
            "audit_events_added": self.audit_events_added,
            "catalogue_changes": self.catalogue_changes,
            "notices_added": self.notices_added,
        }

    def sentence(self) -> str:
        verb = "would add" if self.dry_run else "added"
        if not self.changed:
            return f"{self.bundle}: nothing to merge, this database holds all of it already"
        parts = [
            f"{self.purchases_added:,} new purchase{_s(self.purchases_added)}",
            f"{self.revisions_applied:,} change{_s(self.revisions_applied)} to purchases held here",
            f"{len(self.conflicts):,} conflict{_s(len(self.conflicts))}",
        ]
        if self.catalogue_changes:
            parts.append(f"{self.catalogue_changes:,} catalogue change{_s(self.catalogue_changes)}")
        if self.notices_added:
            parts.append(f"{self.notices_added:,} notice release{_s(self.notices_added)}")
        return f"{self.bundle} from {self.device_name}: {verb} " + ", ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "bundle": self.bundle,
            "device": {"id": self.device_id, "name": self.device_name, "new": self.new_device},
            "made_at": self.made_at.isoformat(),
            "kind": self.kind,
            "dry_run": self.dry_run,
            "changed": self.changed,
            **self.summary(),
            "conflict_list": [c.as_json() for c in self.conflicts],
        }


@dataclass(frozen=True)
class OfflineStatus:
    """What the status bar says of an offline copy."""

    copied_at: datetime | None
    copied_from: str | None
    unmerged: int

    @property
    def is_copy(self) -> bool:
        return self.copied_at is not None


def _s(n: int) -> str:
    return "" if n == 1 else "s"


class _DryRun(Exception):
    pass


# -- catalogue codes ----------------------------------------------------------------------


class Codes:
    """This database's catalogue numbers and the codes a bundle names them by."""

    def __init__(self, s: Session) -> None:
        self.forces = dict(s.execute(select(m.Force.id, m.Force.code)).all())
        self.collaborations = dict(
            s.execute(select(m.Collaboration.id, m.Collaboration.code)).all()
        )
        self.products = dict(s.execute(select(m.Product.id, m.Product.code)).all())
        self.lots = {
            lot: (fw, number)
            for lot, fw, number in s.execute(
                select(m.Lot.id, m.Framework.reference, m.Lot.number).join(m.Framework)
            )
        }
        self.force_ids = {c: i for i, c in self.forces.items()}
        self.collaboration_ids = {c: i for i, c in self.collaborations.items()}
        self.product_ids = {c: i for i, c in self.products.items()}
        self.lot_ids = {key: i for i, key in self.lots.items()}

    def coded(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        """A revision row (this database's numbers) as a bundle carries it (codes)."""
        force, collaboration = row["buyer_force_id"], row["buyer_collaboration_id"]
        lot = row["lot_id"]
        return {
            "id": row["id"],
            "purchase_id": row["purchase_id"],
            "number": row["number"],
            "replaces": row["replaces"],
            "origin": row["origin"],
            "origin_seq": row["origin_seq"],
            "action": row["action"],
            "recorded_by": row["recorded_by"],
            "recorded_at": row["recorded_at"],
            "order_reference": row["order_reference"],
            "buyer": self.forces[force]
            if force is not None
            else self.collaborations[collaboration],
            "buyer_kind": "force" if force is not None else "collaboration",
            "product": self.products[row["product_id"]],
            "lot": list(self.lots[lot]) if lot is not None else None,
            "quantity": row["quantity"],
            "unit_price": row["unit_price"],
            "baseline_unit_price": row["baseline_unit_price"],
            "order_date": row["order_date"],
            "status": row["status"],
            "void_reason": row["void_reason"],
            "notes": row["notes"],
            "shares": {
                self.forces[int(force_id)]: int(pence)
                for force_id, pence in json.loads(row["shares"] or "{}").items()
            },
        }

    def local(self, r: Mapping[str, Any]) -> tuple[dict[str, Any], dict[int, Decimal]]:
        """A bundle's revision as this database's state values and member shares."""
        try:
            if r["buyer_kind"] == "force":
                force, collaboration = self.force_ids[r["buyer"]], None
            else:
                force, collaboration = None, self.collaboration_ids[r["buyer"]]
            product = self.product_ids[r["product"]]
            lot = self.lot_ids[tuple(r["lot"])] if r["lot"] else None
            shares = {self.force_ids[c]: Decimal(p) / 100 for c, p in r["shares"].items()}
        except KeyError as exc:
            raise BundleRefused(
                f"purchase {r['order_reference']} in the bundle names {exc.args[0]}, which this "
                "database's catalogue does not hold; merge the catalogue change first, "
                "nothing was changed"
            ) from None
        values = {
            "order_reference": r["order_reference"],
            "buyer_force_id": force,
            "buyer_collaboration_id": collaboration,
            "product_id": product,
            "lot_id": lot,
            "quantity": int(r["quantity"]),
            "unit_price": Decimal(r["unit_price"]),
            "baseline_unit_price": Decimal(r["baseline_unit_price"]),
            "order_date": date.fromisoformat(r["order_date"]),
            "status": r["status"],
            "void_reason": r["void_reason"],
            "notes": r["notes"] or "",
        }
        return values, shares


def _plain_version(r: Mapping[str, Any]) -> dict[str, Any]:
    """A bundle revision as a person compares it (money as £, the route as text)."""
    lot = r.get("lot")
    return {
        "order_reference": r["order_reference"],
        "buyer": r["buyer"],
        "product": r["product"],
        "route": f"{lot[0]} lot {lot[1]}" if lot else "off-framework",
        "quantity": int(r["quantity"]),
        "unit_price": format_gbp(Decimal(str(r["unit_price"]))),
        "order_date": str(r["order_date"]),
        "status": r["status"],
        "void_reason": r.get("void_reason") or "",
        "notes": r.get("notes") or "",
        "revision": int(r["number"]),
        "recorded_by": r["recorded_by"],
    }


# -- table rows ---------------------------------------------------------------------------


def _table(name: str) -> Table:
    return m.Base.metadata.tables[name]


def _decoders(table: Table) -> dict[str, Callable[[Any], Any]]:
    out: dict[str, Callable[[Any], Any]] = {}
    for column in table.columns:
        kind = column.type
        if isinstance(kind, ScaledDecimal):
            out[column.name] = Decimal
        elif isinstance(kind, UTCDateTime | DateTime):
            out[column.name] = datetime.fromisoformat
        elif isinstance(kind, Date):
            out[column.name] = date.fromisoformat
    return out


def _decoded(row: dict[str, Any], decoders: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    for name, decode in decoders.items():
        value = row.get(name)
        if value is not None:
            row[name] = decode(value)
    return row


def _audit_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {k: row[k] for k in (
        "chain", "seq", "prev_hash", "hash", "occurred_at", "actor", "action",
        "entity_type", "entity_id", "before", "after",
    )}  # fmt: skip


# -- watermarks ---------------------------------------------------------------------------


def holdings(s: Session) -> dict[str, dict[str, int]]:
    """This database's watermark: the last place it holds in every origin's sequence."""
    return {
        "revisions": {
            str(o): int(n)
            for o, n in s.execute(select(R.origin, func.max(R.origin_seq)).group_by(R.origin))
        },
        "audit": {
            str(c): int(n or 0)
            for c, n in s.execute(
                select(m.AuditEvent.chain, func.max(m.AuditEvent.seq))
                .where(m.AuditEvent.chain.is_not(None))
                .group_by(m.AuditEvent.chain)
            )
        },
    }


def _past(column: Any, seq_column: Any, marks: Mapping[str, int]) -> Any:
    """Rows past ``marks``: later in a known origin's sequence, or of an unknown origin."""
    if not marks:
        return text("1 = 1")
    return or_(
        column.not_in(list(marks)),
        *(and_(column == o, seq_column > n) for o, n in marks.items()),
    )


def identity(s: Session) -> bm.DatabaseIdentity:
    found = s.scalars(select(bm.DatabaseIdentity).limit(1)).first()
    if found is None:  # a database whose identity row was lost: give it one now
        found = bm.DatabaseIdentity(id=str(uuid7()), created_at=datetime.now(UTC))
        s.add(found)
        s.flush()
    return found


# -- the service --------------------------------------------------------------------------


class BundleService:
    def __init__(self, source: Database | AppContext) -> None:
        self.context = source if isinstance(source, AppContext) else AppContext(source)
        self.db = self.context.db

    # -- exporting ----------------------------------------------------------------------

    def export(
        self,
        out: str | Path,
        *,
        buyer: str | None = None,
        since: str | None = None,
        full: bool | None = None,
        overwrite: bool = False,
        protected: Iterable[Path] = (),
        progress: Progress = _no_progress,
    ) -> ExportReport:
        """Write a bundle to ``out``: full (a working offline copy) or incremental (what
        the device ``since`` lacks). Neither named: a copy opened from a bundle sends
        what its source lacks; any other database writes a full bundle."""
        with self.db.reading() as s:
            assumes: dict[str, dict[str, int]] = {"revisions": {}, "audit": {}}
            since_device = None
            if since is not None and full:
                raise ValidationError("give either --since or --full, not both")
            if since is None and not full:
                me = identity(s)
                if me.copied_from is not None:
                    since = me.copied_from
            if since is not None:
                device = self._device(s, since)
                since_device = device.device_id
                assumes = _watermark_of(device.holds)
            kind = "incremental" if since_device is not None else "full"
            codes = Codes(s)
            buyer_filter = self._buyer_filter(s, buyer) if buyer else None
            holds = holdings(s)
            me = identity(s)
            key = device_key()
            counts: dict[str, int] = {}
            with atomic_path(out, overwrite=overwrite, protected=protected) as temporary:
                writer = BundleWriter(temporary)
                try:
                    if kind == "full":
                        with writer.part("tables") as part:
                            for name in CATALOGUE_TABLES:
                                for row in s.execute(select(_table(name))).mappings():
                                    part.write({"table": name, "row": dict(row)})
                            counts["catalogue_rows"] = part.rows
                    with writer.part("audit") as part:
                        events = m.AuditEvent.__table__
                        query = (
                            select(events)
                            .where(
                                m.AuditEvent.chain.is_not(None),
                                _past(m.AuditEvent.chain, m.AuditEvent.seq, assumes["audit"]),
                            )
                            .order_by(m.AuditEvent.chain, m.AuditEvent.seq)
                            .execution_options(yield_per=5000)
                        )
                        for row in s.execute(query).mappings():
                            part.write(_audit_row(row))
                            if part.rows % 20000 == 0:
                                progress("audit events", part.rows, 0)
                        counts["audit_events"] = part.rows
                    purchases: set[str] = set()
                    with writer.part("revisions") as part:
                        where = [_past(R.origin, R.origin_seq, assumes["revisions"])]
                        if buyer_filter is not None:
                            where.append(R.purchase_id.in_(buyer_filter))
                        query = (
                            select(R.__table__)
                            .where(*where)
                            .order_by(R.purchase_id, R.number)
                            .execution_options(yield_per=5000)
                        )
                        for row in s.execute(query).mappings():
                            part.write(codes.coded(row))
                            purchases.add(row["purchase_id"])
                            if part.rows % 20000 == 0:
                                progress("purchase revisions", part.rows, 0)
                        counts["revisions"] = part.rows
                    with writer.part("notices") as part:
                        self._write_notices(s, part, kind, since_device)
                        counts["notices"] = part.rows
                    writer.finish(
                        {
                            "bundle_id": str(uuid7()),
                            "kind": kind,
                            "made_at": self.context.now(),
                            "made_by": self.context.actor,
                            "device": {"name": device_name()},
                            "database": {"id": me.id, "description": self.db.description},
                            "buyer": buyer,
                            "since_device": since_device,
                            "assumes": assumes,
                            "holds": holds,
                            "ranges": _ranges(s, assumes),
                        },
                        key,
                    )
                except BaseException:
                    writer.abandon()
                    raise
        return ExportReport(
            str(out),
            kind,
            buyer,
            len(purchases),
            counts["revisions"],
            counts["audit_events"],
            counts["notices"],
            counts.get("catalogue_rows", 0),
            since_device,
        )

    def _write_notices(self, s: Session, part: Any, kind: str, since: str | None) -> None:
        if kind == "full":
            for name in (*NOTICE_TABLES, "notice_purchases"):
                for row in s.execute(select(_table(name))).mappings():
                    part.write({"table": name, "row": dict(row)})
            return
        device = s.get(bm.BundleDevice, since)
        after = (device.last_merged_at if device else None) or datetime(2000, 1, 1, tzinfo=UTC)
        releases = _table("notice_releases")
        query = select(releases).where(nm.NoticeRelease.imported_at >= after - timedelta(days=1))
        for row in s.execute(query).mappings():
            part.write({"table": "notice_releases", "row": dict(row)})

    @staticmethod
    def _device(s: Session, text_: str) -> bm.BundleDevice:
        found = s.get(bm.BundleDevice, text_)
        if found is None:
            matches = list(
                s.scalars(
                    select(bm.BundleDevice).where(
                        or_(
                            bm.BundleDevice.device_id.startswith(text_),
                            func.lower(bm.BundleDevice.name) == text_.lower(),
                        )
                    )
                )
            )
            if len(matches) != 1:
                known = ", ".join(
                    f"{d.device_id} ({d.name})" for d in s.scalars(select(bm.BundleDevice))
                )
                raise ValidationError(
                    f"no device {text_} has sent a bundle here"
                    + (f"; the devices known are {known}" if known else "")
                    + "; export a full bundle with --full instead",
                    field="since",
                )
            found = matches[0]
        return found

    @staticmethod
    def _buyer_filter(s: Session, buyer: str) -> Any:
        force = s.scalar(select(m.Force.id).where(func.lower(m.Force.code) == buyer.lower()))
        if force is not None:
            return select(P.id).where(
                or_(
                    P.buyer_force_id == force,
                    P.id.in_(
                        select(m.PurchaseShare.purchase_id).where(m.PurchaseShare.force_id == force)
                    ),
                )
            )
        collaboration = s.scalar(
            select(m.Collaboration.id).where(func.lower(m.Collaboration.code) == buyer.lower())
        )
        if collaboration is None:
            raise ValidationError(f"no force or collaboration has the code {buyer}", field="buyer")
        return select(P.id).where(P.buyer_collaboration_id == collaboration)

    # -- opening a copy -------------------------------------------------------------------

    @staticmethod
    def open_copy(
        bundle: str | Path,
        location: str,
        *,
        actor: str,
        progress: Progress = _no_progress,
    ) -> MergeReport:
        """Make a new database at ``location`` from a full bundle: a working offline copy."""
        with BundleReader(bundle) as reader:
            if reader.manifest.kind != "full":
                raise BundleRefused(
                    f"{reader.name} carries only the changes since an earlier bundle; "
                    "a copy can be opened only from a full bundle (bundle export --full)"
                )
            path = Path(location)
            if "://" not in location and (path.exists() or not path.parent.is_dir()):
                raise ValidationError(
                    f"{location} exists already; give the name of a new database file"
                    if path.exists()
                    else f"the folder {path.parent} does not exist; create it first",
                    field="database",
                )
            db = open_database(location, seed_new=False)
            try:
                if not db.is_empty():
                    raise ValidationError(
                        f"{db.description} holds a catalogue already; give a new database",
                        field="database",
                    )
                ctx = AppContext(db, actor=actor)
                with db.transaction() as s:
                    for row in reader.rows("tables"):
                        table = _table(row["table"])
                        if row["table"] not in CATALOGUE_TABLES:
                            raise BundleRefused(f"{reader.name} holds an unknown table")
                        s.execute(insert(table), [_decoded(row["row"], _decoders(table))])
                    _fix_sequences(s, CATALOGUE_TABLES)
                    me = identity(s)
                    me.copied_from = reader.manifest.device_id
                    me.copied_at = reader.manifest.made_at
                    s.flush()
                report = BundleService(ctx).merge_reader(
                    reader, trust_device=True, progress=progress, copy=True
                )
            finally:
                db.close()
        return report

    # -- merging --------------------------------------------------------------------------

    def merge(
        self,
        bundle: str | Path,
        *,
        dry_run: bool = False,
        trust_device: bool = False,
        progress: Progress = _no_progress,
    ) -> MergeReport:
        """Merge ``bundle`` into this database (see the module docstring); with ``dry_run``
        everything is worked out and counted, then rolled back."""
        self.db.require_writable()
        with BundleReader(bundle) as reader:
            return self.merge_reader(
                reader, dry_run=dry_run, trust_device=trust_device, progress=progress
            )

    def inspect(self, bundle: str | Path) -> Manifest:
        """The verified manifest of ``bundle`` (refused as :meth:`merge` would refuse it)."""
        with BundleReader(bundle) as reader:
            return reader.manifest

    def merge_reader(
        self,
        reader: BundleReader,
        *,
        dry_run: bool = False,
        trust_device: bool = False,
        progress: Progress = _no_progress,
        copy: bool = False,
    ) -> MergeReport:
        manifest = reader.manifest
        report = MergeReport(
            reader.name,
            manifest.device_id,
            manifest.device_name,
            manifest.made_at,
            manifest.kind,
            dry_run=dry_run,
        )
        try:
            with self.db.transaction() as s, _larger_cache(s):
                _Merge(self.context, s, reader, report, trust_device, copy, progress).run()
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return report

    # -- state ----------------------------------------------------------------------------

    def offline_status(self) -> OfflineStatus:
        """For a copy opened from a bundle: when it was made, and how many changes made
        here its source has not merged yet."""
        with self.db.reading() as s:
            me = identity(s)
            if me.copied_from is None:
                return OfflineStatus(None, None, 0)
            device = s.get(bm.BundleDevice, me.copied_from)
            marks = _watermark_of(device.holds if device else "{}")
            mine = chain_name(s)
            seen = marks["revisions"].get(mine, 0)
            unmerged = s.scalar(select(func.count()).where(R.origin == mine, R.origin_seq > seen))
            name = device.name if device else me.copied_from
            return OfflineStatus(me.copied_at, name, int(unmerged or 0))

    def merges(self) -> list[tuple[str, datetime]]:
        """(device name, when its last bundle was merged here), newest first."""
        with self.db.reading() as s:
            rows = s.execute(
                select(bm.BundleDevice.name, bm.BundleDevice.last_merged_at)
                .where(bm.BundleDevice.last_merged_at.is_not(None))
                .order_by(bm.BundleDevice.last_merged_at.desc())
            )
            return [(str(n), cast(datetime, t)) for n, t in rows]


@contextmanager
def _larger_cache(s: Session) -> Iterator[None]:
    """On SQLite, a larger page cache while a merge writes many rows into large indexes."""
    if s.get_bind().dialect.name != "sqlite":
        yield
        return
    held = s.execute(text("PRAGMA cache_size")).scalar_one()
    s.execute(text(f"PRAGMA cache_size = -{MERGE_CACHE_KB}"))
    try:
        yield
    finally:
        s.execute(text(f"PRAGMA cache_size = {int(held)}"))


def _watermark_of(raw: str | None) -> dict[str, dict[str, int]]:
    return Manifest({"holds": json.loads(raw or "{}")}).holds


def _ranges(s: Session, assumes: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    held = holdings(s)
    return {
        kind: {
            origin: [assumes[kind].get(origin, 0) + 1, last]
            for origin, last in held[kind].items()
            if last > assumes[kind].get(origin, 0)
        }
        for kind in ("revisions", "audit")
    }


def _fix_sequences(s: Session, tables: Sequence[str]) -> None:
    """On PostgreSQL, move each table's id sequence past the ids inserted as they were."""
    if s.get_bind().dialect.name != "postgresql":
        return
    for name in tables:
        if "id" in _table(name).columns:
            s.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
                )
            )


# -- one merge ----------------------------------------------------------------------------


class _Merge:
    """One bundle merged inside one open transaction."""

    def __init__(
        self,
        ctx: AppContext,
        s: Session,
        reader: BundleReader,
        report: MergeReport,
        trust_device: bool,
        copy: bool,
        progress: Progress,
    ) -> None:
        self.ctx, self.s, self.reader, self.report = ctx, s, reader, report
        self.manifest = reader.manifest
        self.trust_device, self.copy, self.progress = trust_device, copy, progress
        self.now = ctx.now()
        self.audit = AuditWriter(s, ctx.actor, self.now)
        self.codes = Codes(s)
        self.pending_resolutions: list[tuple[str, dict[str, Any]]] = []

    def run(self) -> None:
        s, manifest = self.s, self.manifest
        me = identity(s)
        if manifest.database_id == me.id and not self.copy:
            raise BundleRefused(
                f"{self.reader.name} was made from this database; there is nothing to merge"
            )
        device = s.get(bm.BundleDevice, manifest.device_id)
        if device is None:
            if not self.trust_device:
                raise UnknownDevice(
                    f"{self.reader.name} was signed by device {manifest.device_id} "
                    f"({manifest.device_name}), which this database has not seen before; "
                    "check that it is one of yours and merge again confirming the new device "
                    "(--trust-device); nothing was changed"
                )
            self.report.new_device = True
        self._check_prerequisites()
        self._merge_audit()
        self._merge_notices(links=False)
        self._merge_revisions()
        self._merge_notices(links=True)
        if not self.report.changed and device is not None and not self.report.new_device:
            stored = json.loads(device.holds or "{}")
            if stored == manifest.data.get("holds"):
                return  # the same bundle again: nothing at all changes
        self._remember(device)

    def _remember(self, device: bm.BundleDevice | None) -> None:
        s, manifest = self.s, self.manifest
        if device is None:
            device = bm.BundleDevice(
                device_id=manifest.device_id,
                name=manifest.device_name,
                public_key=manifest.public_key,
                trusted_at=self.now,
                trusted_by=self.ctx.actor,
            )
            s.add(device)
        device.holds = json.dumps(manifest.data.get("holds") or {}, sort_keys=True)
        device.last_merged_at = self.now
        if s.get(bm.BundleMerge, manifest.bundle_id) is None:
            s.add(
                bm.BundleMerge(
                    bundle_id=manifest.bundle_id,
                    device_id=manifest.device_id,
                    made_at=manifest.made_at,
                    merged_at=self.now,
                    merged_by=self.ctx.actor,
                    summary=json.dumps(self.report.summary(), sort_keys=True),
                )
            )
        self.audit.write(
            "open" if self.copy else "merge",
            [
                (
                    manifest.bundle_id,
                    None,
                    {
                        "bundle": self.reader.name,
                        "device": manifest.device_id,
                        "device_name": manifest.device_name,
                        "made_at": manifest.made_at.isoformat(),
                        "kind": manifest.kind,
                        "new_device": self.report.new_device,
                        **self.report.summary(),
                    },
                )
            ],
            entity_type="bundle",
        )
        s.flush()

    def _check_prerequisites(self) -> None:
        held = holdings(self.s)
        for kind, what in (("revisions", "purchase changes"), ("audit", "audit events")):
            for origin, needed in self.manifest.assumes[kind].items():
                have = held[kind].get(origin, 0)
                if have < needed:
                    raise BundleRefused(
                        f"{self.reader.name} follows {what} from {origin} up to number "
                        f"{needed:,}, and this database holds them only up to {have:,}; merge "
                        "the earlier bundle first or ask for a full bundle, nothing was changed"
                    )

    # -- audit events and catalogue edits ---------------------------------------------------

    def _merge_audit(self) -> None:
        s = self.s
        heads: dict[str, tuple[int, str]] = {}
        catalogue: dict[tuple[str, str], dict[str, Any]] = {}
        batch: list[dict[str, Any]] = []
        decode = _decoders(cast(Table, m.AuditEvent.__table__))

        def flush() -> None:
            if batch:
                s.execute(insert(cast(Table, m.AuditEvent.__table__)), batch)
                self.report.audit_events_added += len(batch)
                batch.clear()

        for row in self.reader.rows("audit"):
            row = _decoded(row, decode)
            chain, seq = str(row["chain"]), int(row["seq"])
            if chain not in heads:
                heads[chain] = self._head(chain)
            last, last_hash = heads[chain]
            if event_hash(row) != row["hash"]:
                raise BundleRefused(
                    f"{self.reader.name} holds audit event {seq:,} of {chain} that does not "
                    "match its own hash; nothing was changed"
                )
            if seq <= last:
                continue  # held here already (the chain's own hashes prove it is the same)
            if seq != last + 1 or row["prev_hash"] != last_hash:
                raise BundleRefused(
                    f"{self.reader.name} holds audit events of {chain} that do not continue "
                    f"this database's copy of that chain (it holds {last:,}); merge the earlier "
                    "bundle first, nothing was changed"
                )
            heads[chain] = (seq, str(row["hash"]))
            batch.append(row)
            if row["entity_type"] in CATALOGUE_KINDS:
                key = (str(row["entity_type"]), str(row["entity_id"]))
                held = catalogue.get(key)
                if held is None or row["occurred_at"] >= held["occurred_at"]:
                    catalogue[key] = row
            if len(batch) >= BATCH:
                flush()
                self.progress("audit events", self.report.audit_events_added, 0)
        flush()
        if not self.copy:
            self._apply_catalogue(catalogue)

    def _head(self, chain: str) -> tuple[int, str]:
        found = self.s.execute(
            select(m.AuditEvent.seq, m.AuditEvent.hash)
            .where(m.AuditEvent.chain == chain)
            .order_by(m.AuditEvent.seq.desc())
            .limit(1)
        ).first()
        return (int(found[0] or 0), str(found[1])) if found else (0, "0" * 64)

    def _apply_catalogue(self, latest: Mapping[tuple[str, str], dict[str, Any]]) -> None:
        """Apply each catalogue record's latest change from the bundle, unless this side
        changed the same record later."""
        s = self.s
        today = self.ctx.today()
        for (kind_name, key), row in sorted(latest.items(), key=lambda kv: kv[1]["occurred_at"]):
            local = s.scalar(
                select(func.max(m.AuditEvent.occurred_at)).where(
                    m.AuditEvent.entity_type == kind_name,
                    m.AuditEvent.entity_id == key,
                    m.AuditEvent.chain != row["chain"],
                )
            )
            if local is not None and local.replace(tzinfo=UTC) > row["occurred_at"]:
                continue
            kind = Kind(kind_name)
            after = json.loads(row["after"]) if row["after"] else None
            try:
                if after is None:
                    before = json.loads(row["before"]) if row["before"] else None
                    if before is None:
                        continue
                    record = parse_record(kind, before)
                    if catalogue_store.load(s, kind, catalogue_store.key_of(record), today):
                        catalogue_store.remove(s, record)
                else:
                    record = parse_record(kind, after)
                    current = catalogue_store.load(s, kind, catalogue_store.key_of(record), today)
                    if current == record:
                        continue
                    catalogue_store.write(s, record, today)
            except CatalogueError as exc:
                raise BundleRefused(
                    f"the change to {kind.label} {key} in {self.reader.name} cannot be applied "
                    f"here: {exc}; nothing was changed"
                ) from None
            self.report.catalogue_changes += 1
        if latest:
            self.codes = Codes(s)

    # -- notices ----------------------------------------------------------------------------

    def _merge_notices(self, *, links: bool) -> None:
        """The notice releases this database lacks (all the notice tables, for a new copy);
        with ``links``, the links between notices and the purchases now held here."""
        s = self.s
        for row in self.reader.rows("notices"):
            name = row["table"]
            if name not in (*NOTICE_TABLES, "notice_purchases"):
                raise BundleRefused(f"{self.reader.name} holds a table no bundle has")
            if links != (name == "notice_purchases"):
                continue
            if not self.copy and name not in ("notice_releases", "notice_purchases"):
                continue
            table = _table(name)
            values = _decoded(dict(row["row"]), _decoders(table))
            if name == "notice_releases":
                if s.scalar(
                    select(nm.NoticeRelease.id).where(nm.NoticeRelease.sha256 == values["sha256"])
                ):
                    continue
                if not self.copy:
                    values.pop("id", None)
                self.report.notices_added += 1
            elif name == "notice_purchases":
                if s.get(P, values["purchase_id"]) is None or s.scalar(
                    select(nm.NoticePurchase.id).where(
                        nm.NoticePurchase.ocid == values["ocid"],
                        nm.NoticePurchase.line == values["line"],
                    )
                ):
                    continue
                if not self.copy:
                    values.pop("id", None)
            s.execute(insert(table), [values])
        if self.copy:
            _fix_sequences(s, (*NOTICE_TABLES, "notice_purchases"))

    # -- purchases --------------------------------------------------------------------------

    def _merge_revisions(self) -> None:
        batch: list[dict[str, Any]] = []
        done = 0
        total = self.manifest.rows("revisions")
        for row in self.reader.rows("revisions"):
            if batch and row["purchase_id"] != batch[-1]["purchase_id"] and len(batch) >= BATCH:
                self._revision_batch(batch)
                done += len(batch)
                self.progress("purchase revisions", done, total)
                batch = []
            batch.append(row)
        if batch:
            self._revision_batch(batch)
            self.progress("purchase revisions", total, total)

    def _revision_batch(self, batch: list[dict[str, Any]]) -> None:
        s = self.s
        ids = [r["id"] for r in batch]
        purchase_ids = list({r["purchase_id"] for r in batch})
        held_ids = set(s.scalars(select(R.id).where(R.id.in_(ids))))
        branch_ids = set(s.scalars(select(B.id).where(B.id.in_(ids))))
        current = dict(s.execute(select(P.id, P.revision).where(P.id.in_(purchase_ids))).all())
        # the revisions held here of the purchases in the batch: (purchase, number) -> id
        landed: dict[tuple[str, int], str] = {}
        landed_ids: set[str] = set()
        if current:
            for rid, pid, number in s.execute(
                select(R.id, R.purchase_id, R.number).where(R.purchase_id.in_(list(current)))
            ):
                landed[(pid, number)] = rid
                landed_ids.add(rid)
        branches = {
            b.id: b
            for b in s.scalars(
                select(B).where(
                    or_(
                        B.purchase_id.in_(purchase_ids),
                        B.id.in_([r["replaces"] for r in batch if r["replaces"]]),
                    )
                )
            )
        }
        taken = self._references_taken(batch, current)

        new_purchases: list[dict[str, Any]] = []
        new_shares: list[dict[str, Any]] = []
        revisions: list[dict[str, Any]] = []
        first_of_new: dict[str, dict[str, Any]] = {}
        for r in batch:
            rid, pid, number = r["id"], r["purchase_id"], int(r["number"])
            if rid in held_ids or rid in branch_ids:
                self.report.already_present += 1
                continue
            values, shares = self.codes.local(r)
            row = self._revision_row(r, values, shares)
            if number == 1:
                if pid in current:
                    self.report.already_present += 1
                    continue
                reference = (r["buyer_kind"], r["buyer"], values["order_reference"])
                if values["status"] == "active" and reference in taken:
                    mine_pid, mine_rev = taken[reference]
                    branches[rid] = self._conflict(
                        "reference", mine_pid, mine_rev, r, theirs_purchase=pid
                    )
                    branch_ids.add(rid)
                    continue
                if values["status"] == "active":
                    taken[reference] = (pid, rid)
                new_purchases.append(
                    {
                        "id": pid,
                        **values,
                        "recorded_by": r["recorded_by"],
                        "recorded_at": datetime.fromisoformat(r["recorded_at"]),
                        "revision": 1,
                        "reference_repeat": 0,
                    }
                )
                new_shares.extend(
                    {"purchase_id": pid, "force_id": f, "amount": a, **_dated(values)}
                    for f, a in shares.items()
                )
                current[pid] = 1
                landed[(pid, 1)] = rid
                landed_ids.add(rid)
                first_of_new[pid] = r
                revisions.append(row)
                self.report.purchases_added += 1
                self.report.purchase_ids.add(pid)
                continue
            replaces = r["replaces"]
            here = current.get(pid)
            if replaces in landed_ids and here == number - 1:
                revisions.append(row)
                current[pid] = number
                landed[(pid, number)] = rid
                landed_ids.add(rid)
                if pid not in first_of_new:
                    self.report.revisions_applied += 1
                self.report.purchase_ids.add(pid)
                if r["action"] == RESOLVE:
                    self.pending_resolutions.append((pid, r))
                continue
            if replaces in landed_ids:  # this side replaced that revision too: two branches
                mine = landed.get((pid, number))
                assert mine is not None
                kind = "void" if r["status"] != self._status_of(mine) else "edit"
                branches[rid] = self._conflict(kind, pid, mine, r, theirs_purchase=pid)
                branch_ids.add(rid)
                continue
            branch = branches.get(replaces) if replaces else None
            if branch is not None:
                if r["action"] == RESOLVE and here == number - 1:
                    revisions.append(row)
                    current[pid] = number
                    landed_ids.add(rid)
                    self.report.purchase_ids.add(pid)
                    self.pending_resolutions.append((pid, r))
                    continue
                branches[rid] = self._extend_branch(branch, r)
                branch_ids.add(rid)
                continue
            if here is None:
                raise BundleRefused(
                    f"{self.reader.name} holds a change to purchase {r['order_reference']}, "
                    "which this database does not hold; a copy holding one buyer's ledger "
                    "takes bundles made for that buyer (--buyer), nothing was changed"
                )
            raise BundleRefused(
                f"{self.reader.name} holds a change to purchase {r['order_reference']} that "
                f"follows one this database has not received (revision {number - 1}); merge "
                "the earlier bundle first or ask for a full bundle, nothing was changed"
            )
        if new_purchases:
            s.execute(insert(cast(Table, P.__table__)), new_purchases)
        if new_shares:
            s.execute(insert(cast(Table, m.PurchaseShare.__table__)), new_shares)
        if revisions:
            s.execute(insert(cast(Table, R.__table__)), revisions)
        self._settle_resolutions()

    def _references_taken(
        self, batch: Sequence[Mapping[str, Any]], current: Mapping[str, int]
    ) -> dict[tuple[str, str, str], tuple[str, str]]:
        """(buyer kind, buyer, reference) -> (purchase, its current revision id) for every
        active purchase here using a reference that a new purchase in ``batch`` uses."""
        references = list(
            {
                r["order_reference"]
                for r in batch
                if int(r["number"]) == 1 and r["purchase_id"] not in current
            }
        )
        taken: dict[tuple[str, str, str], tuple[str, str]] = {}
        for start in range(0, len(references), 900):
            rows = self.s.execute(
                select(P.id, P.buyer_force_id, P.buyer_collaboration_id, P.order_reference, R.id)
                .join(R, (R.purchase_id == P.id) & (R.number == P.revision))
                .where(
                    P.order_reference.in_(references[start : start + 900]),
                    P.status == "active",
                    P.reference_repeat == 0,
                )
            )
            for pid, force, collaboration, reference, rid in rows:
                key = (
                    ("force", self.codes.forces[force], reference)
                    if force is not None
                    else (
                        "collaboration",
                        self.codes.collaborations[cast(int, collaboration)],
                        reference,
                    )
                )
                taken[key] = (pid, rid)
        return taken

    def _revision_row(
        self, r: Mapping[str, Any], values: Mapping[str, Any], shares: Mapping[int, Decimal]
    ) -> dict[str, Any]:
        return {
            "id": r["id"],
            "purchase_id": r["purchase_id"],
            "number": int(r["number"]),
            "replaces": r["replaces"],
            "origin": r["origin"],
            "origin_seq": int(r["origin_seq"]),
            "action": r["action"],
            "recorded_by": r["recorded_by"],
            "recorded_at": datetime.fromisoformat(r["recorded_at"]),
            **values,
            "shares": shares_json(shares),
        }

    def _status_of(self, revision_id: str) -> str:
        return str(self.s.scalar(select(R.status).where(R.id == revision_id)) or "active")

    def _conflict(
        self,
        kind: str,
        purchase_id: str,
        mine_revision: str,
        theirs: Mapping[str, Any],
        *,
        theirs_purchase: str,
    ) -> bm.PurchaseBranch:
        conflict = bm.PurchaseConflict(
            id=str(uuid7()),
            purchase_id=purchase_id,
            kind=kind,
            mine_revision=mine_revision,
            theirs_revision=theirs["id"],
            theirs_purchase_id=theirs_purchase,
            theirs_origin=theirs["origin"],
            detected_at=self.now,
        )
        self.s.add(conflict)
        branch = _branch(conflict.id, theirs)
        self.s.add(branch)
        self.s.flush()
        line = _line(self.s, conflict, self.codes)
        self.report.conflicts.append(line)
        self.report.purchase_ids.add(purchase_id)
        self._audit_conflict(purchase_id, "conflict", theirs)
        return branch

    def _audit_conflict(self, purchase_id: str, action: str, theirs: Mapping[str, Any]) -> None:
        """An audit event stating the purchase as it stands here, with the other side's
        version beside it (so the trail's last word on the purchase is what it holds)."""
        self.s.flush()
        stored = queries.stored_where(self.s, P.id == purchase_id)
        if not stored:
            return
        now = stored[0]
        self.audit.write(
            action,
            [(purchase_id, _plain_version(theirs), {**now.snapshot(), "revision": now.revision})],
        )

    def _extend_branch(self, branch: bm.PurchaseBranch, r: Mapping[str, Any]) -> bm.PurchaseBranch:
        conflict = self.s.get(C, branch.conflict_id)
        extended = _branch(branch.conflict_id, r)
        self.s.add(extended)
        if conflict is not None and conflict.resolved_at is None:
            conflict.theirs_revision = r["id"]
        self.s.flush()
        if conflict is not None:
            self.report.purchase_ids.add(conflict.purchase_id)
            self._audit_conflict(conflict.purchase_id, "conflict", r)
        return extended

    def _settle_resolutions(self) -> None:
        """Close the conflicts that a resolution made on the other side settles."""
        pending, self.pending_resolutions = self.pending_resolutions, []
        for pid, r in pending:
            open_ = list(
                self.s.scalars(
                    select(C).where(
                        C.resolved_at.is_(None),
                        or_(C.purchase_id == pid, C.theirs_purchase_id == pid),
                    )
                )
            )
            for conflict in open_:
                conflict.resolved_at = self.now
                conflict.resolved_by = r["recorded_by"]
                conflict.resolution = f"on {r['origin']}"[:40]
                self.report.resolved_elsewhere += 1
                if conflict.kind == "reference":
                    other = (
                        conflict.theirs_purchase_id
                        if conflict.purchase_id == pid
                        else conflict.purchase_id
                    )
                    _land_branch_purchase(self.s, other, self.codes)
            self.s.flush()


def _branch(conflict_id: str, r: Mapping[str, Any]) -> bm.PurchaseBranch:
    return bm.PurchaseBranch(
        id=r["id"],
        conflict_id=conflict_id,
        purchase_id=r["purchase_id"],
        number=int(r["number"]),
        origin=r["origin"],
        origin_seq=int(r["origin_seq"]),
        data=json.dumps(r, sort_keys=True, default=str),
    )


def _next_repeat(s: Session, values: Mapping[str, Any]) -> int:
    buyer = (
        P.buyer_force_id == values["buyer_force_id"]
        if values["buyer_force_id"] is not None
        else P.buyer_collaboration_id == values["buyer_collaboration_id"]
    )
    last = s.scalar(
        select(func.max(P.reference_repeat)).where(
            buyer, P.order_reference == values["order_reference"]
        )
    )
    return int(last or 0) + 1


def _land_branch_purchase(s: Session, purchase_id: str, codes: Codes) -> None:
    """Insert a purchase held here only as a conflict's branch, with its revisions as they
    were; outside the one-reference rule when its reference is in use here."""
    if s.get(P, purchase_id) is not None:
        return
    rows = [
        json.loads(b.data)
        for b in s.scalars(select(B).where(B.purchase_id == purchase_id).order_by(B.number))
    ]
    if not rows or int(rows[0]["number"]) != 1:
        return
    first_values, first_shares = codes.local(rows[0])
    repeat = _next_repeat(s, first_values)
    s.execute(
        insert(cast(Table, P.__table__)),
        [
            {
                "id": purchase_id,
                **first_values,
                "recorded_by": rows[0]["recorded_by"],
                "recorded_at": datetime.fromisoformat(rows[0]["recorded_at"]),
                "revision": 1,
                "reference_repeat": repeat,
            }
        ],
    )
    if first_shares:
        s.execute(
            insert(cast(Table, m.PurchaseShare.__table__)),
            [
                {"purchase_id": purchase_id, "force_id": f, "amount": a, **_dated(first_values)}
                for f, a in first_shares.items()
            ],
        )
    for r in rows:
        values, shares = codes.local(r)
        s.execute(
            insert(cast(Table, R.__table__)),
            [
                {
                    **{k: r[k] for k in ("id", "purchase_id", "replaces", "origin", "action",
                                         "recorded_by")},
                    "number": int(r["number"]),
                    "origin_seq": int(r["origin_seq"]),
                    "recorded_at": datetime.fromisoformat(r["recorded_at"]),
                    **values,
                    "shares": shares_json(shares),
                }
            ],
        )  # fmt: skip
    s.execute(delete(B).where(B.purchase_id == purchase_id))
    final = s.execute(select(P.status).where(P.id == purchase_id)).scalar_one()
    if final != "active" or not _reference_in_use(s, purchase_id):
        s.execute(update(P).where(P.id == purchase_id).values(reference_repeat=0))


def _reference_in_use(s: Session, purchase_id: str) -> bool:
    p = s.get(P, purchase_id)
    assert p is not None
    buyer = (
        P.buyer_force_id == p.buyer_force_id
        if p.buyer_force_id is not None
        else P.buyer_collaboration_id == p.buyer_collaboration_id
    )
    return bool(
        s.scalar(
            select(func.count()).where(
                buyer,
                P.order_reference == p.order_reference,
                P.status == "active",
                P.reference_repeat == 0,
                P.id != purchase_id,
            )
        )
    )


def _line(s: Session, c: bm.PurchaseConflict, codes: Codes) -> ConflictLine:
    mine_row = s.execute(select(R.__table__).where(R.id == c.mine_revision)).mappings().first()
    if c.kind != "reference":
        current = (
            s.execute(
                select(R.__table__)
                .join(P, (P.id == R.purchase_id) & (P.revision == R.number))
                .where(R.purchase_id == c.purchase_id)
            )
            .mappings()
            .first()
        )
        mine_row = current or mine_row
    theirs_branch = s.get(B, c.theirs_revision)
    theirs = json.loads(theirs_branch.data) if theirs_branch else {}
    if not theirs:  # resolved: the other side's revision may have landed since
        landed = s.execute(select(R.__table__).where(R.id == c.theirs_revision)).mappings().first()
        theirs = codes.coded(landed) if landed else {}
    mine = _plain_version(codes.coded(mine_row)) if mine_row else {}
    return ConflictLine(
        c.id,
        c.purchase_id,
        c.kind,
        str(mine.get("order_reference") or theirs.get("order_reference", "")),
        str(mine.get("buyer") or theirs.get("buyer", "")),
        mine,
        _plain_version(theirs) if theirs else {},
        c.theirs_origin,
        c.detected_at,
        c.resolved_at,
        c.resolution,
    )


# -- conflicts ----------------------------------------------------------------------------


class ConflictService:
    """The conflicts merging found, and their resolution."""

    def __init__(self, source: Database | AppContext) -> None:
        self.context = source if isinstance(source, AppContext) else AppContext(source)
        self.db = self.context.db

    def list(self, *, include_resolved: bool = False) -> list[ConflictLine]:
        with self.db.reading() as s:
            query = select(C).order_by(C.detected_at, C.id)
            if not include_resolved:
                query = query.where(C.resolved_at.is_(None))
            conflicts = list(s.scalars(query))
            if not conflicts:
                return []
            codes = Codes(s)
            return [_line(s, c, codes) for c in conflicts]

    def open_purchases(self) -> set[str]:
        """Every purchase held here with an open conflict (to flag it wherever it shows)."""
        with self.db.reading() as s:
            return set(s.scalars(select(C.purchase_id).where(C.resolved_at.is_(None))))

    def get(self, conflict_id: str) -> ConflictLine:
        with self.db.reading() as s:
            return _line(s, self._find(s, conflict_id), Codes(s))

    @staticmethod
    def _find(s: Session, conflict_id: str) -> bm.PurchaseConflict:
        found = s.get(C, conflict_id)
        if found is None:
            matches = list(s.scalars(select(C).where(C.id.startswith(conflict_id)).limit(2)))
            if len(matches) != 1 or len(conflict_id) < 6:
                raise ConflictNotFound(
                    f"no conflict has the id {conflict_id}; 'conflicts list' shows them"
                )
            found = matches[0]
        return found

    def resolve(self, conflict_id: str, keep: str) -> tuple[ConflictLine, LedgerChanged]:
        """Settle a conflict keeping this side's version (``mine``), the other side's
        (``theirs``) or both (the other side's as a purchase of its own)."""
        if keep not in KEEP:
            raise ValidationError("keep mine, theirs or both", field="keep")
        self.db.require_writable()
        now, actor = self.context.now(), self.context.actor
        with self.db.transaction() as s:
            c = self._find(s, conflict_id)
            if c.resolved_at is not None:
                when = c.resolved_at
                raise ValidationError(
                    f"that conflict was resolved on {when.day} {when:%b %Y} ({c.resolution})"
                )
            codes = Codes(s)
            before = _line(s, c, codes)
            audit = AuditWriter(s, actor, now)
            theirs = json.loads(s.get(B, c.theirs_revision).data)  # type: ignore[union-attr]
            touched = {c.purchase_id, c.theirs_purchase_id}
            if c.kind == "reference":
                self._resolve_reference(s, c, keep, codes, now, actor)
            else:
                values, shares = (
                    codes.local(theirs) if keep == "theirs" else self._current(s, c.purchase_id)
                )
                _resolve_revision(s, c.purchase_id, values, shares, now, actor)
                if keep == "both":
                    values, shares = codes.local(theirs)
                    _new_purchase(s, values, shares, now, actor, audit)
            c.resolved_at, c.resolved_by, c.resolution = now, actor, f"kept {keep}"
            s.flush()
            for pid in touched:
                stored = queries.stored_where(s, P.id == pid)
                if stored:
                    audit.write(
                        RESOLVE,
                        [
                            (
                                pid,
                                {"conflict": c.id, "mine": before.mine, "theirs": before.theirs},
                                {**stored[0].snapshot(), "revision": stored[0].revision,
                                 "kept": keep},
                            )
                        ],
                    )  # fmt: skip
            after = _line(s, c, codes)
        return after, LedgerChanged.of(touched)

    @staticmethod
    def _current(s: Session, purchase_id: str) -> tuple[dict[str, Any], dict[int, Decimal]]:
        p = s.get(P, purchase_id)
        assert p is not None
        values = {c: getattr(p, c) for c in STATE}
        shares = {
            force: amount
            for force, amount in s.execute(
                select(m.PurchaseShare.force_id, m.PurchaseShare.amount).where(
                    m.PurchaseShare.purchase_id == purchase_id
                )
            )
        }
        return values, shares

    def _resolve_reference(
        self, s: Session, c: bm.PurchaseConflict, keep: str, codes: Codes, now: datetime, actor: str
    ) -> None:
        mine, theirs = c.purchase_id, c.theirs_purchase_id
        if keep == "theirs":
            values, shares = self._current(s, mine)
            values.update(
                status="void",
                void_reason="replaced by the other side's purchase "
                "with the same order reference, when a conflict was resolved",
            )
            _resolve_revision(s, mine, values, shares, now, actor)
            _land_branch_purchase(s, theirs, codes)
            values, shares = self._current(s, theirs)
            _resolve_revision(s, theirs, values, shares, now, actor)
            return
        _land_branch_purchase(s, theirs, codes)
        values, shares = self._current(s, theirs)
        if keep == "mine":
            values.update(
                status="void",
                void_reason="set aside for this side's purchase with "
                "the same order reference, when a conflict was resolved",
            )
        _resolve_revision(s, theirs, values, shares, now, actor)
        if keep == "mine":
            s.execute(update(P).where(P.id == theirs).values(reference_repeat=0))
        values, shares = self._current(s, mine)
        _resolve_revision(s, mine, values, shares, now, actor)


def _resolve_revision(
    s: Session,
    purchase_id: str,
    values: Mapping[str, Any],
    shares: Mapping[int, Decimal],
    now: datetime,
    actor: str,
) -> None:
    """The purchase's next revision, with the action ``resolve`` (it travels, and closes the
    same conflict on the other side)."""
    current = s.execute(select(P.revision).where(P.id == purchase_id)).scalar_one()
    replaces = s.scalar(select(R.id).where(R.purchase_id == purchase_id, R.number == current))
    origin = chain_name(s)
    s.execute(
        insert(cast(Table, R.__table__)),
        [
            {
                "id": str(uuid7()),
                "purchase_id": purchase_id,
                "number": current + 1,
                "replaces": replaces,
                "origin": origin,
                "origin_seq": next_sequence(s, origin, 1),
                "action": RESOLVE,
                "recorded_by": actor,
                "recorded_at": now,
                **{k: values[k] for k in STATE},
                "shares": shares_json(shares),
            }
        ],
    )


def _dated(values: Mapping[str, Any]) -> dict[str, Any]:
    """A share's copy of its purchase's order date and status."""
    return {"order_date": values["order_date"], "status": values["status"]}


def _new_purchase(
    s: Session,
    values: Mapping[str, Any],
    shares: Mapping[int, Decimal],
    now: datetime,
    actor: str,
    audit: AuditWriter,
) -> str:
    """The other side's version kept as a purchase of its own (outside the one-reference
    rule, as a repeat of the reference)."""
    from catalogue_app.services.ledger.revisions import first_revisions

    pid = str(uuid7())
    row = {
        "id": pid,
        **{k: values[k] for k in STATE},
        "recorded_by": actor,
        "recorded_at": now,
        "revision": 1,
        "reference_repeat": _next_repeat(s, values),
    }
    s.execute(insert(cast(Table, P.__table__)), [row])
    if shares:
        s.execute(
            insert(cast(Table, m.PurchaseShare.__table__)),
            [
                {"purchase_id": pid, "force_id": f, "amount": a, **_dated(values)}
                for f, a in shares.items()
            ],
        )
    first_revisions(s, [row], {pid: shares}, action="create")
    stored = queries.stored_where(s, P.id == pid)
    audit.write("create", [(pid, None, {**stored[0].snapshot(), "revision": 1})])
    return pid


def default_bundle_name(buyer: str | None, day: date) -> str:
    return f"catalogue-{(buyer or 'all').lower()}-{day.isoformat()}{SUFFIX}"


__all__ = [
    "BundleService",
    "ConflictLine",
    "ConflictNotFound",
    "ConflictService",
    "ExportReport",
    "MergeReport",
    "OfflineStatus",
    "UnknownDevice",
    "default_bundle_name",
    "holdings",
]
