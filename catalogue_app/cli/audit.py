"""``audit verify`` and ``audit checkpoint``: proving the audit trail was not rewritten."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from catalogue_app.cli.core import (
    Subcommands,
    add_format,
    add_output,
    check_output,
    group,
    handles,
    write_output,
)
from catalogue_app.cli.render import as_json
from catalogue_app.domain.errors import CatalogueError

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext


class TrailBroken(CatalogueError):
    """``audit verify`` found the trail or the ledger altered."""


def add_commands(commands: Subcommands) -> None:
    actions = group(commands, "audit", "check that the audit trail was not rewritten")
    verify = actions.add_parser(
        "verify",
        help="recompute every audit chain and compare the ledger with it (exit 1 on a break)",
    )
    verify.add_argument(
        "--since",
        type=Path,
        metavar="CHECKPOINT",
        help="also prove every event this signed checkpoint covered is unchanged",
    )
    add_format(verify, ("table", "json"))
    handles(verify, verify_trail)
    checkpoint = actions.add_parser(
        "checkpoint", help="write the chains' heads, signed by this device, to keep elsewhere"
    )
    add_output(checkpoint, "--out", metavar="FILE.json")
    handles(checkpoint, write_checkpoint_file)


def verify_trail(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.interchange.checkpoint import read_checkpoint
    from catalogue_app.services.trail import AuditTrail

    since = read_checkpoint(args.since) if args.since is not None else None
    report = AuditTrail(ctx).verify(since=since)
    if args.format == "json":
        out.write(as_json(report.as_json()) + "\n")
    else:
        out.write(
            f"{report.events:,} audit events in {len(report.heads)} chain"
            f"{'' if len(report.heads) == 1 else 's'}; "
            f"{report.purchases_checked:,} audited purchases compared with the ledger\n"
        )
        if report.checkpoint:
            out.write(f"Checked against the checkpoint signed by {report.checkpoint}\n")
        out.write(f"Fingerprint: {report.fingerprint}\n")
        for problem in report.problems:
            out.write(f"BROKEN: {problem.sentence}\n")
        if report.ok:
            out.write("The audit trail is intact.\n")
    if not report.ok:
        first = report.problems[0].sentence
        more = len(report.problems) - 1
        raise TrailBroken(
            f"the audit trail does not verify: {first}"
            + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
        )


def write_checkpoint_file(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.interchange.checkpoint import checkpoint_text
    from catalogue_app.services.trail import AuditTrail

    check_output(ctx, args.out, args.force)
    made = AuditTrail(ctx).checkpoint()
    write_output(
        ctx, args.out, args.force, lambda path: path.write_text(checkpoint_text(made), "utf-8")
    )
    out.write(
        f"{args.out}: {made.events:,} events in {len(made.chains)} chains, "
        f"signed by device {made.device}\n"
    )
