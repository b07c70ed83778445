"""``briefing``: a PDF for a police authority on one buyer's spend and savings."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from catalogue_app.cli.core import (
    Subcommands,
    UsageError,
    add_output,
    check_output,
    handles,
    iso_date,
    write_output,
)

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext


def add_commands(commands: Subcommands) -> None:
    parser = commands.add_parser("briefing", help="a PDF briefing for a police authority")
    parser.add_argument("--buyer", required=True, metavar="CODE")
    period = parser.add_mutually_exclusive_group()
    period.add_argument(
        "--financial-year",
        type=int,
        metavar="YYYY",
        help="the year it starts in: 2024 is 1 April 2024 – 31 March 2025",
    )
    period.add_argument("--from", dest="start", type=iso_date, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=iso_date, metavar="YYYY-MM-DD")
    parser.add_argument("--marking", default="OFFICIAL", help="protective marking")
    add_output(parser, "--out", metavar="FILE.pdf")
    handles(parser, briefing)


def briefing(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.domain.periods import FinancialYear
    from catalogue_app.reports.briefing import render_briefing
    from catalogue_app.services.briefing import BriefingService

    if (args.start is None) != (args.end is None):
        raise UsageError("give both --from and --to, or --financial-year")
    check_output(ctx, args.out, args.force)
    start, end = args.start, args.end
    if args.financial_year is not None:
        year = FinancialYear(args.financial_year)
        start, end = year.start, year.end
    data = BriefingService(ctx.db).build(
        args.buyer, start, end, marking=args.marking, today=ctx.today()
    )
    write_output(ctx, args.out, args.force, lambda path: render_briefing(data, str(path)))
    out.write(f"{args.out}\n")
