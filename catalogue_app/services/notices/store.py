"""Importing notice files: the raw layer, then each touched process compiled and matched.

One file is one transaction: it lands whole or not at all. Releases are read
as a stream and written in batches of :data:`BATCH` with plain inserts; the
processes they touch are compiled afterwards in batches too, so memory stays
flat whatever the file's size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, tuple_
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.db.models import Base
from catalogue_app.db.notice_models import Notice, NoticeRelease, NoticeSupplier
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.ocds.reader import FileInfo, NotOcdsError, files_under, read_file
from catalogue_app.interchange.ocds.releases import (
    PreparedRelease,
    canonical_json,
    load_json,
    prepare,
)
from catalogue_app.services.changes import CatalogueChanged, Change, LedgerChanged
from catalogue_app.services.context import AppContext
from catalogue_app.services.notices.buyers import BuyerMatcher
from catalogue_app.services.notices.compile import Compiled, StoredRelease, compile_process
from catalogue_app.services.notices.mapping import PROVENANCE, NoticeMapper, Outcome
from catalogue_app.services.notices.suppliers import (
    CatalogueSupplier,
    SupplierMatcher,
    party_identifier,
)

BATCH = 1000
COMPILE_BATCH = 500
MAX_NOTICE_WARNINGS = 50
EDITED = "edited by the publisher: an earlier copy of this release has other content"

Progress = Callable[[str, int], None]  # (what is happening, releases read so far)


class _DryRun(Exception):
    """Raised at the end of a dry run so that its transaction rolls back."""


@dataclass
class FileReport:
    """What importing one file did."""

    source: str
    shape: str = ""
    read: int = 0
    new: int = 0
    unchanged: int = 0
    edited: int = 0
    with_warnings: int = 0
    processes: int = 0  # processes compiled again
    police_buyers: int = 0  # of those, bought by a force or collaboration
    frameworks: int = 0
    call_offs: int = 0
    refused: str | None = None
    notes: list[str] = field(default_factory=list)
    outcome: Outcome = field(default_factory=Outcome)  # what it did in the catalogue

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "outcome"}
        o = self.outcome
        out["catalogue"] = {
            "added": dict(sorted(o.added.items())),
            "changed": o.changed,
            "purchases_added": o.purchases_added,
            "purchases_changed": o.purchases_changed,
            "not_recorded": o.not_recorded,
            "notes": list(o.notes),
        }
        return out


@dataclass
class ImportSummary:
    files: list[FileReport]
    dry_run: bool

    @property
    def refused(self) -> list[FileReport]:
        return [f for f in self.files if f.refused]

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    def changes(self) -> list[Change]:
        """What the import changed outside the notices, for the open views (none on a dry run)."""
        if self.dry_run:
            return []
        out: list[Change] = []
        if any(f.outcome.added or f.outcome.changed for f in self.files):
            out.append(CatalogueChanged(unbounded=True))
        if any(f.outcome.purchases_added or f.outcome.purchases_changed for f in self.files):
            out.append(LedgerChanged.everything())
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "files": [f.to_dict() for f in self.files]}

    def text(self) -> str:
        """What each file did, in plain lines."""
        lines = []
        for report in self.files:
            name = Path(report.source).name
            if report.refused:
                lines.append(f"{name}: refused. {report.refused}.")
                continue
            lines.append(
                f"{name} ({report.shape or 'empty'}): {_plural(report.read, 'release')} read, "
                f"{report.new:,} new, {report.unchanged:,} unchanged"
                + (f", {report.edited:,} edited by the publisher" if report.edited else "")
                + (f"; {report.with_warnings:,} with warnings" if report.with_warnings else "")
            )
            if report.processes:
                lines.append(
                    f"  {_plural(report.processes, 'process', 'processes')} compiled: "
                    f"{report.police_buyers:,} bought by police forces or collaborations, "
                    f"{_plural(report.frameworks, 'framework')}, "
                    f"{_plural(report.call_offs, 'call-off')}"
                )
            lines.extend(_catalogue_lines(report.outcome))
            lines.extend(f"  Note: {note}." for note in report.notes)
        if self.dry_run:
            lines.append("Dry run: nothing was kept.")
        return "\n".join(lines) + "\n"


def _catalogue_lines(o: Outcome) -> list[str]:
    """What a file added to or changed in the catalogue and the ledger."""
    added = [
        _plural(o.added[kind], kind)
        for kind in ("framework", "lot", "supplier", "product", "offer")
        if o.added.get(kind)
    ]
    parts = []
    if added:
        parts.append("added " + ", ".join(added))
    if o.changed:
        parts.append(f"updated {_plural(o.changed, 'record')} the publisher changed")
    if o.purchases_added:
        parts.append(f"recorded {_plural(o.purchases_added, 'purchase')}")
    if o.purchases_changed:
        parts.append(f"updated {_plural(o.purchases_changed, 'purchase')}")
    if o.not_recorded:
        parts.append(f"{_plural(o.not_recorded, 'award')} of police buyers not recorded")
    lines = [f"  In the catalogue: {'; '.join(parts)}"] if parts else []
    return lines + [f"  Note: {note}." for note in o.notes]


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def paths_to_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        found = files_under(path)
        if path.is_dir() and not found:
            raise CatalogueError(f"The folder {path} holds no .json or .jsonl files.")
        files.extend(found)
    return files


class Importer:
    """Imports files into one database, with the catalogue's buyers and suppliers to match."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx
        self._session_for = ctx.db.transaction
        self._now = ctx.now()
        self._buyers: BuyerMatcher | None = None
        self._suppliers: SupplierMatcher | None = None

    def import_file(
        self,
        path: Path,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        check: Callable[[], None] | None = None,
    ) -> FileReport:
        report = FileReport(str(path))
        try:
            with self._session_for() as session:
                self._load_matchers(session)
                touched = self._store(session, path, report, progress, check)
                self._compile(session, touched, report, progress, check)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            self._suppliers = None  # it may have learnt suppliers that were rolled back
        except NotOcdsError as exc:
            self._suppliers = None
            return FileReport(str(path), refused=str(exc))
        except BaseException:
            self._suppliers = None
            raise
        return report

    def _load_matchers(self, session: Session) -> None:
        if self._buyers is None:
            forces = session.execute(
                select(m.Force.code, m.Force.name, m.Force.short_name, m.Force.welsh_name)
            ).all()
            collaborations = session.execute(
                select(m.Collaboration.code, m.Collaboration.name)
            ).all()
            self._buyers = BuyerMatcher(
                [(code, name, short, welsh) for code, name, short, welsh in forces],
                [(code, name) for code, name in collaborations],
            )
        if self._suppliers is None:
            identifiers: dict[int, list[tuple[str, str]]] = {}
            for supplier_id, scheme, value in session.execute(
                select(
                    m.SupplierIdentifier.supplier_id,
                    m.SupplierIdentifier.scheme,
                    m.SupplierIdentifier.identifier,
                )
            ):
                identifiers.setdefault(supplier_id, []).append((scheme, value))
            suppliers = []
            for sid, code, name, number, source in session.execute(
                select(
                    m.Supplier.id,
                    m.Supplier.code,
                    m.Supplier.name,
                    m.Supplier.companies_house_number,
                    m.Supplier.source,
                )
            ):
                ids = list(identifiers.get(sid, []))
                if number:
                    ids.append(("GB-COH", number))
                added = source.startswith(PROVENANCE)
                suppliers.append(CatalogueSupplier(code, name, tuple(ids), added))
            self._suppliers = SupplierMatcher(suppliers)

    # -- the raw layer --------------------------------------------------------------------------
    def _store(
        self,
        session: Session,
        path: Path,
        report: FileReport,
        progress: Progress | None,
        check: Callable[[], None] | None,
    ) -> set[str]:
        info = FileInfo(path)
        touched: set[str] = set()
        seen: dict[tuple[str, str], str] = {}  # (ocid, release id) → hash, in this file
        batch: list[PreparedRelease] = []
        for raw in read_file(path, info):
            batch.append(prepare(raw, info.marked))
            if len(batch) == BATCH:
                self._write(session, batch, path, report, touched, seen)
                batch = []
                if progress:
                    progress(f"Reading {path.name}", report.read)
                if check:
                    check()
        self._write(session, batch, path, report, touched, seen)
        report.shape = info.shape
        report.notes.extend(info.notes)
        return touched

    def _write(
        self,
        session: Session,
        batch: list[PreparedRelease],
        path: Path,
        report: FileReport,
        touched: set[str],
        seen: dict[tuple[str, str], str],
    ) -> None:
        if not batch:
            return
        report.read += len(batch)
        hashes = {r.sha256 for r in batch}
        stored = set(
            session.scalars(select(NoticeRelease.sha256).where(NoticeRelease.sha256.in_(hashes)))
        )
        fresh: list[PreparedRelease] = []
        for release in batch:
            if release.sha256 in stored:
                report.unchanged += 1
                continue
            stored.add(release.sha256)
            fresh.append(release)
        if not fresh:
            return
        keys = {(r.ocid, r.release_id) for r in fresh}
        earlier = {
            (ocid, release_id)
            for ocid, release_id in session.execute(
                select(NoticeRelease.ocid, NoticeRelease.release_id).where(
                    tuple_(NoticeRelease.ocid, NoticeRelease.release_id).in_(list(keys))
                )
            )
        }
        rows = []
        for release in fresh:
            key = (release.ocid, release.release_id)
            edited = key in earlier or (key in seen and seen[key] != release.sha256)
            seen[key] = release.sha256
            warnings = [*release.warnings, EDITED] if edited else release.warnings
            report.new += 1
            report.edited += int(edited)
            report.with_warnings += int(bool(warnings))
            if release.ocid:
                touched.add(release.ocid)
            rows.append(
                {
                    "ocid": release.ocid,
                    "release_id": release.release_id,
                    "release_date": release.date,
                    "tags": ",".join(release.tags)[:200],
                    "sha256": release.sha256,
                    "source": str(path),
                    "position": release.position,
                    "publisher": (release.publisher or None) and release.publisher[:300],
                    "data": release.text,
                    "warnings": json.dumps(warnings, ensure_ascii=False),
                    "edited": edited,
                    "imported_at": self._now,
                }
            )
        session.execute(insert(_table(NoticeRelease)), rows)

    # -- compiling ------------------------------------------------------------------------------
    def _compile(
        self,
        session: Session,
        touched: set[str],
        report: FileReport,
        progress: Progress | None,
        check: Callable[[], None] | None,
    ) -> None:
        ocids = sorted(touched)
        frameworks: list[str] = []
        for start in range(0, len(ocids), COMPILE_BATCH):
            chunk = ocids[start : start + COMPILE_BATCH]
            frameworks += self._compile_chunk(session, chunk, report)
            if progress:
                progress(f"Compiling {len(ocids):,} processes", report.read)
            if check:
                check()
        # call-offs imported before their framework go through it now
        later: set[str] = set()
        for start in range(0, len(frameworks), COMPILE_BATCH):
            later.update(
                session.scalars(
                    select(Notice.ocid).where(
                        Notice.framework_ocid.in_(frameworks[start : start + COMPILE_BATCH])
                    )
                )
            )
        later -= touched
        if later:
            before = report.processes, report.police_buyers, report.call_offs
            self._compile_chunk(session, sorted(later), report)
            report.processes, report.police_buyers, report.call_offs = before

    def _compile_chunk(self, session: Session, ocids: list[str], report: FileReport) -> list[str]:
        """Compile and map ``ocids``; the frameworks among them."""
        assert self._buyers is not None and self._suppliers is not None
        notices: list[dict[str, Any]] = []
        suppliers: list[dict[str, Any]] = []
        processes: list[tuple[Compiled, str | None]] = []
        for ocid, releases in _releases_by_ocid(session, ocids):
            compiled = compile_process(ocid, releases)
            buyer = self._buyers.match(compiled.buyer_name)
            processes.append((compiled, buyer.code))
            warnings = [
                f"release {r.release_id}: {w}" for r in releases for w in r.warnings
            ] + compiled.warnings
            report.processes += 1
            report.police_buyers += int(buyer.code is not None)
            report.frameworks += int(compiled.kind == "framework")
            report.call_offs += int(compiled.kind == "call-off")
            notices.append(
                {
                    "ocid": ocid,
                    "kind": compiled.kind,
                    "buyer_name": (compiled.buyer_name or None) and compiled.buyer_name[:300],
                    "buyer_code": buyer.code,
                    "title": compiled.title,
                    "value": compiled.value,
                    "currency": (compiled.currency or None) and compiled.currency[:3],
                    "date": compiled.date,
                    "first_date": compiled.first_date,
                    "publisher": (compiled.publisher or None) and compiled.publisher[:300],
                    "url": compiled.url,
                    "cpv": compiled.cpv,
                    "framework_ocid": compiled.framework_ocid,
                    "releases": compiled.releases,
                    # a process of one release is compiled again when shown: cheaper than
                    # keeping a second copy of every single-release notice
                    "compiled": canonical_json(compiled.compiled) if len(releases) > 1 else "",
                    "warnings": json.dumps(warnings[:MAX_NOTICE_WARNINGS], ensure_ascii=False),
                }
            )
            suppliers.extend(self._suppliers_of(ocid, compiled.compiled))
        session.execute(delete(NoticeSupplier).where(NoticeSupplier.ocid.in_(ocids)))
        session.execute(delete(Notice).where(Notice.ocid.in_(ocids)))
        if notices:
            session.execute(insert(_table(Notice)), notices)

        def compiled_process(ocid: str) -> Compiled | None:
            return next(
                (compile_process(o, r) for o, r in _releases_by_ocid(session, [ocid])), None
            )

        NoticeMapper(self._ctx, self._suppliers, compiled_process).map_all(
            session, processes, report.outcome
        )
        for row in suppliers:
            if row["supplier_code"] is None:  # added to the catalogue by the mapping above
                identifier = (row["scheme"], row["identifier"]) if row["scheme"] else None
                found = self._suppliers.match(row["name"], identifier)
                if found.supplier_code is not None:
                    row["supplier_code"], row["matched_by"] = found.supplier_code, "added"
                    row["possible_duplicate"] = found.possible_duplicate
        if suppliers:
            session.execute(insert(_table(NoticeSupplier)), suppliers)
        return [c.ocid for c, _buyer in processes if c.kind == "framework"]

    def _suppliers_of(self, ocid: str, compiled: dict[str, Any]) -> Iterator[dict[str, Any]]:
        assert self._suppliers is not None
        seen: set[str] = set()
        parties = compiled.get("parties")
        for party in parties if isinstance(parties, list) else []:
            if not isinstance(party, dict):
                continue
            roles = party.get("roles")
            name = party.get("name")
            if not (isinstance(roles, list) and "supplier" in roles and isinstance(name, str)):
                continue
            party_id = str(party.get("id") or name)[:200]
            if party_id in seen:
                continue
            seen.add(party_id)
            identifier = party_identifier(party)
            found = self._suppliers.match(name, identifier)
            yield {
                "ocid": ocid,
                "party_id": party_id,
                "name": name.strip()[:300],
                "scheme": identifier[0][:40] if identifier else None,
                "identifier": identifier[1][:80] if identifier else None,
                "supplier_code": found.supplier_code,
                "matched_by": found.matched_by,
                "possible_duplicate": found.possible_duplicate,
            }


def _table(model: type[Base]) -> Table:
    """A model's table, for plain batched inserts (no ORM bookkeeping per row)."""
    return cast(Table, model.__table__)


def _releases_by_ocid(
    session: Session, ocids: Iterable[str]
) -> Iterator[tuple[str, list[StoredRelease]]]:
    """Each ocid's releases, the publisher's latest copy of each release id only."""
    rows = session.execute(
        select(
            NoticeRelease.ocid,
            NoticeRelease.release_id,
            NoticeRelease.release_date,
            NoticeRelease.data,
            NoticeRelease.publisher,
            NoticeRelease.warnings,
        )
        .where(NoticeRelease.ocid.in_(list(ocids)))
        .order_by(NoticeRelease.ocid, NoticeRelease.id)
    )
    current: str | None = None
    latest: dict[str, StoredRelease] = {}
    for ocid, release_id, date, data, publisher, warnings in rows:
        if ocid != current:
            if current is not None:
                yield current, list(latest.values())
            current, latest = ocid, {}
        latest.pop(release_id, None)
        latest[release_id] = StoredRelease(
            release_id, date, load_json(data), publisher, json.loads(warnings)
        )
    if current is not None:
        yield current, list(latest.values())
