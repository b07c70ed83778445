"""``purchases``: record, list, import, export and void call-offs, and the import template."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from catalogue_app.cli.core import (
    Subcommands,
    UsageError,
    add_format,
    add_output,
    check_output,
    group,
    handles,
    handles_offline,
    iso_date,
    location_paths,
)
from catalogue_app.cli.render import render

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext

LIST_TABLE_COLUMNS = [
    "order_date",
    "order_reference",
    "buyer",
    "product",
    "route",
    "quantity",
    "unit_price",
    "total",
    "saving",
]


def add_commands(commands: Subcommands) -> None:
    actions = group(commands, "purchases", "record, list, import and export call-offs")
    handles(_add_parser(actions), add)

    lister = actions.add_parser("list", help="list purchases")
    _add_scope(lister)
    add_format(lister)
    handles(lister, list_)

    exporter = actions.add_parser("export", help="export purchases to CSV or XLSX")
    _add_scope(exporter)
    exporter.add_argument("--format", choices=("csv", "xlsx"), required=True)
    add_output(exporter, "--out")
    handles(exporter, export)

    importer = actions.add_parser("import", help="import a CSV or XLSX file, whole or not at all")
    importer.add_argument("file", type=Path, metavar="FILE")
    handles(importer, import_)

    voider = actions.add_parser("void", help="void a purchase (it is kept, marked void)")
    voider.add_argument("id", metavar="ID")
    voider.add_argument("--reason", required=True)
    handles(voider, void)

    historian = actions.add_parser("history", help="the audit trail of one purchase")
    historian.add_argument("id", metavar="ID")
    handles(historian, history)

    templater = actions.add_parser("template", help="write an empty import template")
    add_output(templater, "--out")
    handles_offline(templater, template)


def _add_parser(actions: Subcommands) -> argparse.ArgumentParser:
    parser = actions.add_parser("add", help="record one purchase; prints its id")
    parser.add_argument("--buyer", required=True, metavar="CODE")
    parser.add_argument("--product", required=True, metavar="CODE")
    route = parser.add_mutually_exclusive_group(required=True)
    route.add_argument("--framework", metavar="REF")
    route.add_argument("--off-framework", action="store_true")
    parser.add_argument("--lot", metavar="N")
    parser.add_argument("--quantity", required=True, metavar="N")
    parser.add_argument("--unit-price", metavar="P", help="default: from the offer's price breaks")
    parser.add_argument("--baseline-price", metavar="P", help="default: the product's list price")
    parser.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--order-ref", required=True, metavar="REF")
    parser.add_argument(
        "--split",
        metavar="RULE",
        help="equal, officers (default) or custom:CODE=AMOUNT,… (collaborations)",
    )
    parser.add_argument("--notes", default="")
    return parser


def _add_scope(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--buyer", metavar="CODE", help="a force or collaboration code")
    parser.add_argument("--from", dest="start", type=iso_date, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=iso_date, metavar="YYYY-MM-DD")
    parser.add_argument("--status", choices=("active", "void", "all"), default="active")


def add(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.ledger import PurchaseDraft, PurchaseService

    if args.off_framework and args.lot:
        raise UsageError("--lot goes with --framework, not with --off-framework")
    draft = PurchaseDraft(
        buyer=args.buyer,
        product=args.product,
        quantity=args.quantity,
        order_date=args.date,
        order_reference=args.order_ref,
        framework=args.framework,
        lot=args.lot,
        unit_price=args.unit_price,
        baseline_unit_price=args.baseline_price,
        notes=args.notes,
        split=args.split,
    )
    recorded = PurchaseService(ctx).record(draft)
    out.write(recorded.id + "\n")


def list_(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.ledger import LedgerLine, LedgerService

    lines = LedgerService(ctx.db).lines(args.buyer, args.start, args.end, status=args.status)
    records = [
        {**ln.to_dict(), "total": f"{ln.total:.2f}", "saving": f"{ln.saving:.2f}"} for ln in lines
    ]
    columns = (
        LIST_TABLE_COLUMNS
        if args.format == "table"
        else [*LedgerLine.__dataclass_fields__, "total", "saving"]
    )
    out.write(render(records, columns, args.format))


def export(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.ledger import LedgerExport

    check_output(ctx, args.out, args.force)
    ledger = LedgerExport(ctx.db)
    records = ledger.records(args.buyer, args.start, args.end, args.status)
    ledger.write(records, args.out, args.format, overwrite=args.force)
    demo = sum(1 for r in records if r.get("demonstration"))
    note = (
        f"; it includes demonstration data ({demo:,} invented purchases, marked"
        " in its demonstration column)"
        if demo
        else ""
    )
    out.write(f"Exported {len(records):,} purchases to {args.out}{note}\n")


def import_(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.ledger import PurchaseService

    report = PurchaseService(ctx).import_file(args.file)
    out.write(
        f"Imported {report.imported:,} of {report.rows:,} rows from {report.source}"
        f" ({report.already_present:,} already in the ledger).\n"
    )


def void(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.ledger import PurchaseService

    PurchaseService(ctx).void(args.id, args.reason)
    out.write(f"Voided {args.id}.\n")


def history(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    """The audit trail in the words the window uses, oldest first."""
    from catalogue_app.services.ledger.details import PurchaseReader

    for line in PurchaseReader(ctx.db).details(args.id).history:
        out.write(f"{line}\n")


def template(args: argparse.Namespace, out: TextIO) -> None:
    """Needs no database, but never writes over the one ``--database`` names."""
    from catalogue_app.interchange.purchases import TEMPLATE_GUIDE, write_template

    write_template(args.out, overwrite=args.force, protected=location_paths(args.database))
    out.write(f"Wrote {args.out}. {TEMPLATE_GUIDE}\n")
