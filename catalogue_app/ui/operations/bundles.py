"""Offline bundles and conflicts as ops: write a bundle, check one (a dry run), merge it,
resolve a conflict.

Writing and merging report progress and can be cancelled: a cancelled bundle
leaves no file behind (the atomic writer removes its partial file) and a
cancelled merge rolls back whole. Every write tells the hub what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject

from catalogue_app.services.bundles import (
    BundleService,
    ConflictLine,
    ConflictService,
    ExportReport,
    MergeReport,
    OfflineStatus,
)
from catalogue_app.services.changes import CatalogueChanged, LedgerChanged
from catalogue_app.services.ledger import protected_files
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.ops import CommandOp, OpProgress, QueryOp

PROGRESS_WHAT = {
    "audit events": "audit events",
    "purchase revisions": "purchase changes",
}


def _reporter(progress: OpProgress, doing: str) -> Callable[[str, int, int], None]:
    """The services' progress callback: a line in the dialog, and Cancel honoured."""

    def report(what: str, done: int, _of: int) -> None:
        progress.check()
        progress.update(f"{doing}: {done:,} {PROGRESS_WHAT.get(what, what)}…")

    return report


@dataclass(frozen=True)
class BundleChoices:
    """What the Take offline dialog offers: where this copy came from and the devices
    whose changes can be sent."""

    status: OfflineStatus
    devices: tuple[str, ...]


def read_bundle_choices(parent: QObject, ctx: UiContext) -> QueryOp[BundleChoices]:
    service = BundleService(ctx.app)

    def read() -> BundleChoices:
        status = service.offline_status()
        names = [name for name, _when in service.merges()]
        if status.copied_from and status.copied_from not in names:
            names.insert(0, status.copied_from)
        return BundleChoices(status, tuple(names))

    return QueryOp(parent, read, kind="bundle-choices", doing="reading the devices")


def read_offline_status(parent: QObject, ctx: UiContext) -> QueryOp[OfflineStatus]:
    service = BundleService(ctx.app)
    return QueryOp(
        parent, service.offline_status, kind="offline-status", doing="reading the copy's state"
    )


def write_bundle(
    parent: QObject,
    ctx: UiContext,
    path: Path,
    *,
    buyer: str | None,
    since: str | None,
) -> CommandOp[ExportReport]:
    """Write a bundle to ``path``: the changes ``since`` has not merged, else a full copy.

    The save dialog asked before replacing a file; the database's own files are never
    replaced."""
    service, protected = BundleService(ctx.app), protected_files(ctx.db)

    def run(progress: OpProgress) -> ExportReport:
        progress.update("Reading the catalogue and the ledger…")
        progress.check()
        return service.export(
            path,
            buyer=buyer,
            since=since,
            full=since is None,
            overwrite=True,
            protected=protected,
            progress=_reporter(progress, "Writing"),
        )

    return CommandOp(parent, ctx.hub, "take offline", run, ids=[str(path)]).with_progress(
        "Writing the bundle…", cancellable=True
    )


def check_bundle(parent: QObject, ctx: UiContext, path: Path) -> QueryOp[MergeReport]:
    """Verify ``path`` and work out what merging it would add, change and leave in
    conflict; nothing is changed (a device not seen before is not trusted by this)."""
    service = BundleService(ctx.app)

    def run(progress: OpProgress) -> MergeReport:
        progress.update(f"Checking {path.name}…")
        return service.merge(
            path, dry_run=True, trust_device=True, progress=_reporter(progress, "Checking")
        )

    return QueryOp(
        parent, run, kind="merge-check", doing="check the bundle", takes_progress=True
    ).with_progress("Checking the bundle…", cancellable=True)


def _merged_notices(ctx: UiContext, report: MergeReport) -> None:
    """A merge that brought catalogue edits or notices: every catalogue view reads again."""
    if report.catalogue_changes or report.notices_added:
        ctx.hub.notify(CatalogueChanged(unbounded=True))


def merge_bundle(
    parent: QObject, ctx: UiContext, path: Path, *, trust_device: bool
) -> CommandOp[MergeReport]:
    """Merge ``path`` into this database in one transaction (Cancel rolls it all back)."""
    service = BundleService(ctx.app)

    def run(progress: OpProgress) -> MergeReport:
        progress.update(f"Merging {path.name}…")
        return service.merge(
            path,
            trust_device=trust_device,
            progress=_reporter(progress, "Merging"),
        )

    return (
        CommandOp(
            parent,
            ctx.hub,
            "merge changes",
            run,
            notice=lambda report: report.notice() if report.changed else None,
            ids=[str(path)],
        )
        .with_progress("Merging the bundle…", cancellable=True)
        .success(lambda report: _merged_notices(ctx, report))
    )


def read_conflicted_purchases(parent: QObject, ctx: UiContext) -> QueryOp[set[str]]:
    """The purchases with an open conflict (each view flags them)."""
    service = ConflictService(ctx.app)
    return QueryOp(parent, service.open_purchases, kind="conflicted", doing="reading the conflicts")


def resolve_conflict(
    parent: QObject, ctx: UiContext, conflict: ConflictLine, keep: str
) -> CommandOp[ConflictLine]:
    """Settle ``conflict`` keeping ``mine``, ``theirs`` or ``both`` (audited; the decision
    travels in the next bundle)."""
    service = ConflictService(ctx.app)
    products = [conflict.mine.get("product"), conflict.theirs.get("product")]
    touched: list[LedgerChanged] = []

    def run(_p: OpProgress) -> ConflictLine:
        line, notice = service.resolve(conflict.id, keep)
        touched.append(notice)
        return line

    def notice(line: ConflictLine) -> LedgerChanged:
        ids = touched[0].purchase_ids if touched else frozenset({line.purchase_id})
        return LedgerChanged.of(ids, [line.buyer], products)

    return CommandOp(
        parent,
        ctx.hub,
        f"resolve conflict (keep {keep})",
        run,
        notice=notice,
        ids=[conflict.id, conflict.purchase_id],
    )
