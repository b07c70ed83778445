"""``bundle export|open|merge``: carrying the catalogue and ledger offline and back."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from catalogue_app.cli.core import (
    Subcommands,
    UsageError,
    add_format,
    check_output,
    group,
    handles,
    handles_offline,
    protected_paths,
)
from catalogue_app.cli.render import as_json

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext


def add_commands(commands: Subcommands) -> None:
    actions = group(commands, "bundle", "take the catalogue and ledger offline and merge work back")
    export = actions.add_parser(
        "export",
        help="write a bundle: a full offline copy, or what another device has not merged yet",
    )
    export.add_argument("--out", required=True, type=Path, metavar="FILE.catbundle")
    export.add_argument("--force", action="store_true", help="replace FILE if it exists already")
    export.add_argument(
        "--buyer", metavar="CODE", help="only this force's or collaboration's ledger"
    )
    which = export.add_mutually_exclusive_group()
    which.add_argument(
        "--since",
        metavar="DEVICE",
        help="only what this device (its id or name) has not merged yet",
    )
    which.add_argument("--full", action="store_true", help="everything: a working offline copy")
    add_format(export, ("table", "json"))
    handles(export, export_bundle)

    opened = actions.add_parser("open", help="make a new database from a full bundle")
    opened.add_argument("bundle", type=Path, metavar="FILE")
    opened.add_argument(
        "--database",
        default=argparse.SUPPRESS,
        metavar="NEW.sqlite",
        help="the new database file to make (it must not exist)",
    )
    add_format(opened, ("table", "json"))
    handles_offline(opened, open_bundle)

    merge = actions.add_parser(
        "merge", help="merge a bundle into this database (verified whole first)"
    )
    merge.add_argument("bundle", type=Path, metavar="FILE")
    merge.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be added and in conflict; change nothing",
    )
    merge.add_argument(
        "--trust-device",
        action="store_true",
        help="accept a bundle from a device this database has not seen before",
    )
    add_format(merge, ("table", "json"))
    handles(merge, merge_bundle, seed_new=lambda args: False)

    status = actions.add_parser(
        "status", help="whether this is an offline copy, and what was merged from where"
    )
    handles(status, bundle_status)


def export_bundle(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.bundles import BundleService

    check_output(ctx, args.out, args.force)
    report = BundleService(ctx).export(
        args.out,
        buyer=args.buyer,
        since=args.since,
        full=args.full,
        overwrite=args.force,
        protected=protected_paths(ctx),
    )
    if args.format == "json":
        out.write(as_json(report.as_json()))
        return
    whose = f"{report.buyer}'s ledger" if report.buyer else "the whole ledger"
    what = (
        f"a full offline copy of the catalogue and {whose}"
        if report.kind == "full"
        else f"the changes device {report.since} has not merged yet"
    )
    out.write(
        f"{report.path}: {what} — {report.purchases:,} purchase{_s(report.purchases)} "
        f"({report.revisions:,} revision{_s(report.revisions)}), {report.audit_events:,} audit "
        f"event{_s(report.audit_events)}, {report.notices:,} notice row{_s(report.notices)}\n"
    )


def open_bundle(args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.bundles import BundleService
    from catalogue_app.services.context import system_actor

    location = getattr(args, "database", None)
    if not location:
        raise UsageError("give the new database to make: bundle open FILE --database NEW.sqlite")
    report = BundleService.open_copy(args.bundle, location, actor=system_actor())
    if args.format == "json":
        out.write(as_json(report.as_json()))
        return
    out.write(
        f"{location}: an offline copy made from {report.bundle} ({report.device_name}, "
        f"{_day(report.made_at)}) with {report.purchases_added:,} "
        f"purchase{_s(report.purchases_added)}\n"
    )


def merge_bundle(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.bundles import BundleService

    report = BundleService(ctx).merge(
        args.bundle, dry_run=args.dry_run, trust_device=args.trust_device
    )
    if args.format == "json":
        out.write(as_json(report.as_json()))
        return
    if report.new_device:
        out.write(f"New device trusted: {report.device_id} ({report.device_name})\n")
    out.write(report.sentence() + ".\n")
    for c in report.conflicts:
        out.write(
            f"  conflict {c.id[:13]}: purchase {c.order_reference} ({c.buyer}) {c.description}\n"
        )
    if report.conflicts and not report.dry_run:
        out.write("Resolve them with 'conflicts list' and 'conflicts resolve ID --keep …'.\n")
    if report.dry_run:
        out.write("Dry run: nothing was changed.\n")


def bundle_status(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.bundles import BundleService

    service = BundleService(ctx)
    status = service.offline_status()
    if status.is_copy and status.copied_at is not None:
        out.write(
            f"Offline copy from {_day(status.copied_at)} ({status.copied_from}), "
            f"{status.unmerged:,} change{_s(status.unmerged)} not yet merged there.\n"
        )
    else:
        out.write("This database is not an offline copy.\n")
    for device, when in service.merges():
        out.write(f"Last merged from {device} on {_day(when)} at {when.astimezone():%H:%M}.\n")


def _day(moment: datetime) -> str:
    local = moment.astimezone()
    return f"{local.day} {local:%b %Y}"


def _s(n: int) -> str:
    return "" if n == 1 else "s"
