"""``compare``, ``routes`` and ``pool``: prices side by side, every route, buying together."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, TextIO

from catalogue_app.cli.core import (
    Subcommands,
    UsageError,
    add_format,
    add_output,
    check_output,
    handles,
    iso_date,
    positive_int,
    write_output,
)
from catalogue_app.cli.render import as_json, render

if TYPE_CHECKING:
    from catalogue_app.services.compare import ProductComparison
    from catalogue_app.services.context import AppContext

COMPARED = [
    ("name", "Name"),
    ("supplier", "Supplier"),
    ("supplier_status", "Supplier status"),
    ("category", "Category"),
    ("status", "Status"),
    ("accredited_to", "Accredited to"),
    ("unit", "Unit"),
    ("list_price", "List price"),
    ("best_route", "Best route"),
    ("unit_price", "Unit price at {quantity:,}"),
    ("total", "Total"),
    ("saving_vs_list", "Saving against list"),
    ("forces_using", "Forces using it"),
    ("lowest_paid", "Lowest paid"),
    ("median_paid", "Median paid"),
    ("highest_paid", "Highest paid"),
]
ROUTE_COLUMNS = [
    "route",
    "routes_to_market",
    "unit_price",
    "total",
    "ends",
    "extensions_left",
    "headroom",
    "flags",
]


def _add_on(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--on",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="use the list prices and offers in force on this day (default: today)",
    )


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def add_commands(commands: Subcommands) -> None:
    comparer = commands.add_parser("compare", help="compare 2–6 products at a quantity")
    comparer.add_argument("codes", nargs="+", metavar="CODE")
    comparer.add_argument("--quantity", type=positive_int, required=True, metavar="N")
    add_format(comparer)
    add_output(comparer, "--pdf", required=False, help_text="also write it as a PDF")
    comparer.add_argument("--buyer", metavar="CODE", help="add what this buyer last paid")
    _add_on(comparer)
    handles(comparer, compare)

    router = commands.add_parser("routes", help="every route that offers a product, priced")
    router.add_argument("code", metavar="CODE")
    router.add_argument("--quantity", type=positive_int, required=True, metavar="N")
    _add_on(router)
    add_format(router, ("table", "json"))
    handles(router, routes)

    pooler = commands.add_parser("pool", help="what buying together saves")
    pooler.add_argument("product", metavar="PRODUCT")
    pooler.add_argument(
        "--buyers",
        required=True,
        metavar="CODE,CODE,…",
        help="forces, or a collaboration (its members)",
    )
    pooler.add_argument(
        "--quantities",
        metavar="N,N,…",
        help="one per force, in the order listed (default: one per officer)",
    )
    _add_on(pooler)
    add_format(pooler, ("table", "json"))
    handles(pooler, pool)


def compare(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.compare import CompareService

    if args.pdf:
        check_output(ctx, args.pdf, args.force)
    day = args.on or ctx.today()
    rows = CompareService(ctx.db).compare(args.codes, args.quantity, day, args.buyer)
    if args.pdf:
        _write_pdf(ctx, args, rows, day)
    if args.format == "json":
        out.write(as_json([r.to_dict() for r in rows]))
    elif args.format == "csv":
        records = [r.to_dict() for r in rows]
        out.write(render(records, [k for k in records[0] if k != "routes"], "csv"))
    else:
        _compare_table(rows, args.quantity, args.buyer, day, out)


def _write_pdf(
    ctx: AppContext, args: argparse.Namespace, rows: list[ProductComparison], day: date
) -> None:
    from catalogue_app.reports import comparison
    from catalogue_app.reports.document import PageFurniture

    furniture = PageFurniture(
        "Product comparison", f"{', '.join(args.codes)} · prices on {_day(day)}"
    )
    story = comparison.comparison_story(rows, args.quantity)
    write_output(
        ctx, args.pdf, args.force, lambda path: comparison.render(furniture, story, str(path))
    )


def _compare_table(
    rows: list[ProductComparison], quantity: int, buyer: str | None, day: date, out: TextIO
) -> None:
    attributes = [(key, title.format(quantity=quantity)) for key, title in COMPARED]
    if buyer:
        attributes.append(("buyer_last_paid", f"Last paid by {buyer}"))
    by_code = {r.code: r.to_dict() for r in rows}
    records = [
        {"attribute": title, **{code: values[key] for code, values in by_code.items()}}
        for key, title in attributes
    ]
    out.write(f"Prices in force on {_day(day)}.\n")
    out.write(render(records, ["attribute", *by_code], "table"))
    for r in rows:
        if r.priced_at_list:
            out.write(f"{r.code}: no framework offers it on {_day(day)}; priced at list price.\n")


def routes(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.compare import CompareService

    day = args.on or ctx.today()
    options = CompareService(ctx.db).routes(args.code, args.quantity, day)
    records = [{**o.to_dict(), "flags": o.flags} for o in options]
    if args.format == "json":
        out.write(as_json(records))
    else:
        out.write(f"Prices in force on {_day(day)}.\n")
        out.write(render(records, ROUTE_COLUMNS, "table"))


def pool(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.compare import CompareService

    quantities = None
    if args.quantities:
        try:
            quantities = [int(q) for q in args.quantities.split(",")]
        except ValueError:
            raise UsageError(f"--quantities “{args.quantities}” is not N,N,…") from None
    buyers = [b for b in args.buyers.split(",") if b.strip()]
    day = args.on or ctx.today()
    outcome = CompareService(ctx.db).pool(args.product, buyers, quantities, day)
    members = [
        {
            "force": mo.member,
            "quantity": mo.quantity,
            "alone_route": str(mo.alone.route),
            "alone_unit_price": f"{mo.alone.unit_price:.2f}",
            "alone_total": f"{mo.alone.total:.2f}",
            "pooled_share": f"{mo.pooled_share:.2f}",
            "saving": f"{mo.saving:.2f}",
        }
        for mo in outcome.members
    ]
    if args.format == "json":
        summary = {
            "product": args.product,
            "prices_on": day.isoformat(),
            "quantity": outcome.quantity,
            "route": str(outcome.pooled.route),
            "unit_price": f"{outcome.pooled.unit_price:.2f}",
            "pooled_total": f"{outcome.pooled.total:.2f}",
            "alone_total": f"{outcome.alone_total:.2f}",
            "saving": f"{outcome.saving:.2f}",
            "members": members,
        }
        out.write(as_json(summary))
        return
    out.write(render(members, list(members[0]), "table"))
    out.write(
        f"\nPooled: {outcome.quantity:,} at £{outcome.pooled.unit_price:,.2f} via "
        f"{outcome.pooled.route} = £{outcome.pooled.total:,.2f}; bought alone "
        f"£{outcome.alone_total:,.2f}; pooling saves £{outcome.saving:,.2f} "
        f"(prices in force on {_day(day)}).\n"
    )
