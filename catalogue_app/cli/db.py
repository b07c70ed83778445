"""``db upgrade`` and ``db seed``: create, migrate and seed the database."""

from __future__ import annotations

import argparse
from typing import TextIO

from catalogue_app.cli.core import Subcommands, group, handles
from catalogue_app.services.context import AppContext


def add_commands(commands: Subcommands) -> None:
    actions = group(commands, "db", "create, migrate and seed the database")
    handles(
        actions.add_parser(
            "upgrade", help="migrate the database to this version (backs it up first)"
        ),
        upgrade,
    )
    seeder = actions.add_parser("seed", help="load the reference catalogue and demo history")
    seeder.add_argument("--no-demo", action="store_true", help="reference catalogue only")
    # `db seed --no-demo` on a new database must not seed the demo history first.
    handles(seeder, seed, seed_new=lambda args: not args.no_demo)


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


def seed(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    db = ctx.db
    if db.seeded is not None:  # a new database is seeded as it is created
        out.write(f"Created and seeded {db.description}: {db.seeded.summary()}.\n")
        return
    report = db.seed(demo=not args.no_demo)
    out.write(f"Seeded {db.description}: {report.summary()}.\n")
