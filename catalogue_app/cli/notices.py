"""Published notices: ``notices import``, ``notices list`` and ``notices show``."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from catalogue_app.cli.core import Subcommands, add_format, group, handles, iso_date
from catalogue_app.cli.render import as_json, render
from catalogue_app.domain.enums import NOTICE_KINDS
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.domain.money import format_gbp

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext

LIST_COLUMNS = ["ocid", "kind", "buyer", "buyer_name", "title", "value", "date", "warnings"]
CSV_COLUMNS = [
    "ocid",
    "kind",
    "buyer",
    "buyer_name",
    "title",
    "value",
    "currency",
    "date",
    "publisher",
    "releases",
    "warnings",
]


class NoticesRefused(CatalogueError):
    """At least one file was not OCDS; the others were imported."""


def add_commands(commands: Subcommands) -> None:
    actions = group(commands, "notices", "published notices (OCDS): import, list, show")
    importer = actions.add_parser(
        "import",
        help="import release packages, record packages, JSON Lines or folders of them",
    )
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    importer.add_argument(
        "--dry-run", action="store_true", help="read and report, but keep nothing"
    )
    add_format(importer, ("table", "json"))
    handles(importer, import_notices)

    lister = actions.add_parser("list", help="imported notices, newest first")
    lister.add_argument("--buyer", metavar="CODE", help="a force or collaboration code, or 'other'")
    lister.add_argument("--kind", choices=NOTICE_KINDS)
    lister.add_argument("--since", type=iso_date, metavar="DATE", help="YYYY-MM-DD")
    add_format(lister)
    handles(lister, list_notices)

    show = actions.add_parser("show", help="one process: its compiled notice and releases")
    show.add_argument("ocid", metavar="OCID")
    add_format(show, ("table", "json"))
    handles(show, show_notice)


def money_text(value: Decimal | None, currency: str | None) -> str:
    """£1,234.50 for pounds; other money with its own currency code, never as pounds."""
    if value is None:
        return ""
    if currency == "GBP":
        return format_gbp(value)
    if currency is None:
        return f"{value:,.2f} (currency not given)"
    return f"{currency} {value:,.2f}"


def day_text(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return (value.date() if isinstance(value, datetime) else value).strftime("%-d %b %Y")


def import_notices(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.notices import NoticeService

    service = NoticeService(ctx)
    progress = None
    if sys.stderr.isatty():

        def progress(text: str, read: int) -> None:
            sys.stderr.write(f"\r{text}: {read:,} releases read")
            sys.stderr.flush()

    summary = service.import_paths(args.paths, dry_run=args.dry_run, progress=progress)
    if progress is not None:
        sys.stderr.write("\n")
    if args.format == "json":
        out.write(as_json(summary.to_dict()))
    else:
        out.write(summary.text())
    refused = summary.refused
    if refused:
        raise NoticesRefused(
            refused[0].refused if len(refused) == 1 else f"{len(refused)} files were refused"
        )


def list_notices(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.notices import NoticeQuery, NoticeService

    rows = NoticeService(ctx).list(NoticeQuery(buyer=args.buyer, kind=args.kind, since=args.since))
    if args.format == "json":
        out.write(as_json([r.to_dict() for r in rows]))
        return
    if args.format == "csv":
        records = []
        for r in rows:
            record = r.to_dict()
            record["warnings"] = "; ".join(r.warnings)
            records.append(record)
        out.write(render(records, CSV_COLUMNS, "csv"))
        return
    table = [
        {
            "ocid": r.ocid,
            "kind": r.kind,
            "buyer": r.buyer or "other",
            "buyer_name": r.buyer_name or "",
            "title": r.title,
            "value": money_text(r.value, r.currency),
            "date": day_text(r.date),
            "warnings": len(r.warnings) or "",
        }
        for r in rows
    ]
    out.write(render(table, LIST_COLUMNS, "table"))


def show_notice(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.notices import NoticeService

    detail = NoticeService(ctx).show(args.ocid)
    if args.format == "json":
        out.write(as_json(detail.to_dict()))
        return
    row = detail.row
    fields = [
        ("ocid", row.ocid),
        ("kind", row.kind),
        ("title", row.title),
        ("buyer", f"{row.buyer_name or '—'} ({row.buyer or 'other public body'})"),
        ("value", money_text(row.value, row.currency) or "—"),
        ("cpv", detail.cpv or "—"),
        ("first published", day_text(detail.first_date) or "—"),
        ("latest release", day_text(row.date) or "—"),
        ("publisher", row.publisher or "—"),
        ("notice", detail.url or "—"),
    ]
    if detail.framework_ocid:
        fields.append(
            ("framework", f"{detail.framework_ocid} {detail.framework_title or '(not imported)'}")
        )
    for label, value in fields:
        out.write(f"{label:>16}: {value}\n")
    if detail.description:
        out.write(f"{'description':>16}: {detail.description}\n")
    if detail.call_offs:
        out.write("\nCall-offs from this framework:\n")
        for ocid, title in detail.call_offs:
            out.write(f"  {ocid} {title}\n")
    if detail.suppliers:
        out.write("\nSuppliers:\n")
        for s in detail.suppliers:
            if s.matched_by == "added":
                match = f"added to the catalogue as {s.supplier_code}"
                if s.possible_duplicate:
                    match += f"; possibly the same as {s.possible_duplicate}, to review"
            elif s.supplier_code:
                match = f"catalogue supplier {s.supplier_code} (by {s.matched_by})"
            elif s.possible_duplicate:
                match = f"not matched; possibly the same as {s.possible_duplicate}, to review"
            else:
                match = "not in the catalogue"
            out.write(f"  {s.name}{f' [{s.identifier}]' if s.identifier else ''}: {match}\n")
    if detail.created:
        out.write("\nAdded to the catalogue and the ledger:\n")
        for c in detail.created:
            code = f" [{c.key}]" if c.kind in ("framework", "supplier", "product") else ""
            out.write(f"  {c.kind}: {c.label}{code}\n")
    out.write("\nReleases:\n")
    for r in detail.releases:
        edited = ", edited by the publisher" if r.edited else ""
        out.write(
            f"  {r.release_id} ({r.tags or 'no tag'}, {day_text(r.date) or 'no date'}, "
            f"{r.source}{edited})\n"
        )
        for warning in (*r.warnings, *r.schema_problems):
            out.write(f"    warning: {warning}\n")
