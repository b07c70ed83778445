"""``db upgrade`` and ``db seed``: create, migrate and seed the database.

Neither adds purchases unless asked: a new database gets the reference
catalogue and an empty ledger; ``db seed --demo`` adds the invented
demonstration history and ``db seed --remove-demo`` deletes it again.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from catalogue_app.cli.core import Subcommands, group, handles

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext
    from catalogue_app.services.database import Database


def add_commands(commands: Subcommands) -> None:
    actions = group(commands, "db", "create, migrate and seed the database")
    handles(
        actions.add_parser(
            "upgrade",
            help="migrate the database to this version (backs it up first); never adds purchases",
        ),
        upgrade,
    )
    seeder = actions.add_parser(
        "seed",
        help="load the reference catalogue (idempotent); add or remove the demonstration history",
    )
    demo = seeder.add_mutually_exclusive_group()
    demo.add_argument(
        "--demo",
        action="store_true",
        help="also add the invented demonstration purchases (marked as such everywhere)",
    )
    demo.add_argument(
        "--remove-demo",
        action="store_true",
        help="delete the demonstration purchases, their shares and their audit events",
    )
    # The reference catalogue alone is what `db seed` loads now; the old flag that asked
    # for that is still accepted so that existing scripts keep working.
    demo.add_argument("--no-demo", action="store_true", help=argparse.SUPPRESS)
    handles(seeder, seed)


def upgrade(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    db = ctx.db
    report = db.migration
    assert report is not None, "the dispatcher opens the database with migration"
    if report.created:
        out.write(f"Created {db.description} at schema {report.to_revision}.\n")
    elif report.migrated:
        out.write(
            f"Migrated {db.description} from schema {report.from_revision} "
            f"to {report.to_revision}.\n"
        )
    else:
        out.write(f"{db.description} is up to date (schema {report.to_revision}).\n")
    if report.backup:
        out.write(f"Backup of the previous database: {report.backup}\n")
    _say_if_read_only(db, out)
    repeated = db.repeated_references()
    if repeated:
        out.write(
            f"Warning: {len(repeated)} order reference{_s(len(repeated))} "
            f"{'was' if len(repeated) == 1 else 'were'} recorded more than once by one buyer "
            "before each reference had to be unique; review them and void the copies "
            "that should not count:\n"
        )
        for r in repeated:
            out.write(f"  {r.buyer}  {r.order_reference}  ({r.purchases} active purchases)\n")


def seed(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    db = ctx.db
    if args.remove_demo:
        removed = db.remove_demo()
        if removed:
            out.write(
                f"Removed {removed:,} demonstration purchase{_s(removed)} from {db.description}.\n"
            )
        else:
            out.write(f"{db.description} holds no demonstration purchases: nothing removed.\n")
        return
    created = db.seeded  # a new database gets the reference catalogue as it is created
    if created is not None:
        out.write(f"Created and seeded {db.description}: {created.summary()}.\n")
        if args.demo:
            added = db.seed(demo=True)
            out.write(f"Added {added.demo_purchases:,} illustrative demo purchases.\n")
    else:
        report = db.seed(demo=args.demo)
        out.write(f"Seeded {db.description}: {report.summary()}.\n")
    if db.has_demo_data():
        out.write(
            "The ledger includes demonstration data; `db seed --remove-demo` takes it out again.\n"
        )


def _say_if_read_only(db: Database, out: TextIO) -> None:
    if db.read_only_reason is not None:
        out.write(f"Opened read-only: {db.read_only_reason.rstrip('.')}.\n")


def _s(n: int) -> str:
    return "" if n == 1 else "s"
