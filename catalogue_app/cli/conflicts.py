"""``conflicts list|resolve``: purchases changed on two sides, shown and settled."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from catalogue_app.cli.core import Subcommands, add_format, group, handles
from catalogue_app.cli.render import as_json, render

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext

_SHOWN = ("status", "quantity", "unit_price", "route", "order_date", "notes", "void_reason")


def add_commands(commands: Subcommands) -> None:
    actions = group(commands, "conflicts", "purchases changed on two sides, awaiting a decision")
    listed = actions.add_parser("list", help="the open conflicts, both versions side by side")
    listed.add_argument("--all", action="store_true", help="resolved conflicts too")
    add_format(listed, ("table", "json"))
    handles(listed, list_conflicts)
    resolve = actions.add_parser("resolve", help="settle a conflict (the decision is audited)")
    resolve.add_argument("id", metavar="ID", help="the conflict's id (its first characters do)")
    resolve.add_argument(
        "--keep",
        required=True,
        choices=("mine", "theirs", "both"),
        help="this database's version, the other side's, or both as separate purchases",
    )
    add_format(resolve, ("table", "json"))
    handles(resolve, resolve_conflict)


def list_conflicts(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.bundles import ConflictService

    conflicts = ConflictService(ctx).list(include_resolved=args.all)
    if args.format == "json":
        out.write(as_json([c.as_json() for c in conflicts]))
        return
    if not conflicts:
        out.write("No conflicts: every merged change landed.\n")
        return
    for c in conflicts:
        state = f"resolved ({c.resolution})" if c.resolved_at else "open"
        out.write(
            f"{c.id}  purchase {c.order_reference} ({c.buyer}): {c.description}; "
            f"other side {c.theirs_device}; {state}\n"
        )
        rows: list[dict[str, Any]] = [
            {"field": f.replace("_", " "), "mine": c.mine.get(f, ""), "theirs": c.theirs.get(f, "")}
            for f in _SHOWN
            if c.mine.get(f, "") != "" or c.theirs.get(f, "") != ""
        ]
        out.write(render(rows, ("field", "mine", "theirs"), "table"))
        out.write("\n")


def resolve_conflict(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.bundles import ConflictService

    line, _notice = ConflictService(ctx).resolve(args.id, args.keep)
    if args.format == "json":
        out.write(as_json(line.as_json()))
        return
    out.write(
        f"Conflict on purchase {line.order_reference} ({line.buyer}) resolved: kept {args.keep}. "
        "The decision travels in the next bundle.\n"
    )
