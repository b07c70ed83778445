"""``targets``: list, add, edit and end savings targets per buyer and period (audited)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from catalogue_app.cli.core import Subcommands, add_format, group, handles, iso_date, positive_int
from catalogue_app.cli.render import render

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext
    from catalogue_app.services.targets import Target

LIST_COLUMNS = ["id", "buyer", "start", "end", "amount", "description", "source"]


def add_commands(commands: Subcommands) -> None:
    actions = group(commands, "targets", "list, add, edit and end savings targets")

    lister = actions.add_parser("list", help="list savings targets")
    lister.add_argument("--buyer", metavar="CODE", help="a force or collaboration code")
    add_format(lister)
    handles(lister, list_)

    adder = actions.add_parser("add", help="add a savings target; prints its number")
    adder.add_argument("--buyer", required=True, metavar="CODE")
    _add_values(adder, required=True)
    handles(adder, add)

    editor = actions.add_parser("edit", help="change a target's period, amounts or wording")
    editor.add_argument("id", type=positive_int, metavar="NUMBER")
    _add_values(editor, required=False)
    handles(editor, edit)

    ender = actions.add_parser("end", help="end a target early (its period is cut short)")
    ender.add_argument("id", type=positive_int, metavar="NUMBER")
    ender.add_argument("--on", required=True, type=iso_date, metavar="YYYY-MM-DD")
    handles(ender, end)


def _add_values(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--from", dest="start", required=required, type=iso_date, metavar="YYYY-MM-DD"
    )
    parser.add_argument("--to", dest="end", required=required, type=iso_date, metavar="YYYY-MM-DD")
    parser.add_argument("--amount", required=required, metavar="POUNDS")
    parser.add_argument(
        "--upper",
        metavar="POUNDS",
        help="the top of a range (a target of £3m to £4m); an empty value removes it",
    )
    parser.add_argument("--description", help="what the target is for")
    parser.add_argument("--source", help="where the figure comes from (default: who entered it)")


def _record(t: Target) -> dict[str, Any]:
    return {
        "id": t.id,
        "buyer": t.buyer,
        "start": t.start.isoformat(),
        "end": t.end.isoformat(),
        "amount": f"{t.amount:.2f}",
        "amount_upper": None if t.amount_upper is None else f"{t.amount_upper:.2f}",
        "description": t.description,
        "source": t.source,
    }


def list_(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.targets import TargetService

    targets = TargetService(ctx).list_targets(args.buyer)
    records = [_record(t) for t in targets]
    if args.format == "table":
        for record, t in zip(records, targets, strict=True):
            record["amount"] = t.amount_text
    columns = LIST_COLUMNS if args.format == "table" else [*LIST_COLUMNS, "amount_upper"]
    out.write(render(records, columns, args.format))


def add(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.targets import TargetDraft, TargetService

    added = TargetService(ctx).add(
        TargetDraft(
            args.buyer,
            args.start,
            args.end,
            args.amount,
            args.upper,
            args.description or "",
            args.source or "",
        )
    )
    out.write(f"{added.id}\n")


def edit(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.targets import TargetDraft, TargetService

    service = TargetService(ctx)
    now = service.get(args.id)
    edited = service.edit(
        args.id,
        TargetDraft(
            now.buyer,
            args.start or now.start,
            args.end or now.end,
            args.amount if args.amount is not None else now.amount,
            args.upper if args.upper is not None else now.amount_upper,
            args.description if args.description is not None else now.description,
            args.source if args.source is not None else now.source,
        ),
    )
    out.write(f"{edited.id}\n")


def end(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.services.targets import TargetService

    ended = TargetService(ctx).end(args.id, args.on)
    out.write(f"{ended.id} now ends on {ended.end.isoformat()}\n")
