"""The reference catalogue: ``forces``, ``collaborations`` and ``frameworks list``,
``products search`` and ``products show``; the edits of products and frameworks are
in :mod:`catalogue_app.cli.editing`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from catalogue_app.cli import editing
from catalogue_app.cli.core import Subcommands, add_format, group, handles, non_negative_int
from catalogue_app.cli.render import as_json, render

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext
    from catalogue_app.services.dto import Row

FORCE_COLUMNS = ["code", "name", "short_name", "kind", "region", "officer_fte"]
COLLABORATION_COLUMNS = ["code", "name", "lead_force", "members"]
FRAMEWORK_COLUMNS = [
    "reference",
    "title",
    "owner",
    "start_date",
    "effective_end",
    "extensions_left",
    "max_value",
    "lots",
    "status",
]
PRODUCT_TABLE_COLUMNS = ["code", "name", "supplier", "status", "list_price"]
PRODUCT_FIELDS = (
    "code",
    "name",
    "supplier",
    "supplier_status",
    "category",
    "cpv_code",
    "status",
    "unit",
    "list_price",
    "accredited_from",
    "accredited_to",
)


def add_commands(commands: Subcommands) -> None:
    for name, help_text, handler in (
        ("forces", "police forces", forces),
        ("collaborations", "collaborations between forces", collaborations),
        ("frameworks", "framework agreements", frameworks),
    ):
        kinds = group(commands, name, help_text)
        lister = kinds.add_parser("list", help=f"list {help_text}")
        add_format(lister)
        handles(lister, handler)
        if name == "frameworks":
            editing.add_framework_actions(kinds)

    actions = group(commands, "products", "search, show, add and change products")
    search = actions.add_parser("search", help="search products (empty TEXT lists everything)")
    search.add_argument("text", nargs="?", default="", metavar="TEXT")
    search.add_argument("--status", help="champion, approved, challenger or withdrawn")
    search.add_argument("--category", help="CPV code or category group, e.g. 'Body armour'")
    search.add_argument("--limit", type=non_negative_int, metavar="N")
    add_format(search)
    handles(search, products_search)
    show = actions.add_parser("show", help="everything about one product")
    show.add_argument("code", metavar="CODE")
    add_format(show, ("table", "json"))
    handles(show, products_show)
    editing.add_product_actions(actions)


def _list(
    out: TextIO, fmt: str, fetch: Callable[[], Sequence[Row]], columns: Sequence[str]
) -> None:
    out.write(render([r.to_dict() for r in fetch()], columns, fmt))


def forces(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.catalogue import CatalogueService

    _list(out, args.format, CatalogueService(ctx.db).list_forces, FORCE_COLUMNS)


def collaborations(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.catalogue import CatalogueService

    catalogue = CatalogueService(ctx.db)
    _list(out, args.format, catalogue.list_collaborations, COLLABORATION_COLUMNS)


def frameworks(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.catalogue import CatalogueService

    catalogue = CatalogueService(ctx.db)
    _list(out, args.format, lambda: catalogue.list_frameworks(ctx.today()), FRAMEWORK_COLUMNS)


def products_search(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.catalogue import CatalogueService, ProductQuery
    from catalogue_app.services.dto import ProductRow

    query = ProductQuery(text=args.text, status=args.status, category=args.category)
    page = CatalogueService(ctx.db).search_products(query, limit=args.limit)
    columns = (
        PRODUCT_TABLE_COLUMNS if args.format == "table" else list(ProductRow.__dataclass_fields__)
    )
    out.write(render([r.to_dict() for r in page.rows], columns, args.format))


def products_show(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.catalogue import CatalogueService

    detail = CatalogueService(ctx.db).get_product(args.code).to_dict()
    if args.format == "json":
        out.write(as_json(detail))
        return
    for key in PRODUCT_FIELDS:
        value = detail[key] if detail[key] is not None else "—"
        out.write(f"{key.replace('_', ' '):>16}: {value}\n")
    out.write(f"{'tags':>16}: {', '.join(detail['tags'])}\n")
    out.write(f"{'description':>16}: {detail['description']}\n")
    if detail["illustrative"]:
        out.write(f"{'note':>16}: prices and dates are illustrative ({detail['source']})\n")
    out.write("\nFramework routes:\n")
    if not detail["offers"]:
        out.write("  none: off-framework only, at list price\n")
    for offer in detail["offers"]:
        breaks = "; ".join(
            f"{b['min_quantity']}+ at £{b['unit_price']}" for b in offer["price_breaks"]
        )
        route = f"{offer['framework']} lot {offer['lot']} ({offer['lot_title']})"
        out.write(
            f"  {route}: ceiling £{offer['ceiling_unit_price']}"
            f"{'; ' + breaks if breaks else ''}; framework ends {offer['framework_end']}\n"
        )
