"""The command line from end to end: build the parser from the command modules, run the
chosen handler against one :class:`AppContext`, and turn whatever it raises into the
sentence a user reads and the exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TextIO

from catalogue_app import __version__, logs
from catalogue_app.cli import (
    audit,
    briefing,
    bundle,
    catalogue,
    compare,
    conflicts,
    db,
    editing,
    notices,
    purchases,
    server,
    targets,
)
from catalogue_app.cli.core import PROG, Command, OfflineCommand, Parser, UsageError
from catalogue_app.domain.errors import CatalogueError

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

log = logging.getLogger(f"{logs.LOGGER_NAME}.cli")

GROUPS = (
    db,
    catalogue,
    editing,
    purchases,
    compare,
    briefing,
    targets,
    notices,
    audit,
    server,
    bundle,
    conflicts,
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Police procurement catalogue. With no command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--database",
        metavar="URL_OR_PATH",
        help="a SQLite file path or a postgresql+psycopg:// URL "
        "(default: $CATALOGUE_DATABASE_URL, else the embedded file in your data folder)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in GROUPS:
        module.add_commands(commands)
    return parser


@cache
def _parser() -> argparse.ArgumentParser:
    # built once per process: the entry point parses before it knows whether a command
    # runs, and the command parses again
    return build_parser()


def parse(argv: Sequence[str]) -> argparse.Namespace:
    return _parser().parse_args(list(argv))


def run(args: argparse.Namespace, out: TextIO, clock: Callable[[], datetime] | None = None) -> None:
    """Open the database the command needs, run its handler, close the database."""
    _start_log()
    name = " ".join(filter(None, (args.command, getattr(args, "action", None))))
    started = time.perf_counter()
    command: Command | OfflineCommand = args.run
    if isinstance(command, OfflineCommand):
        command.handler(args, out)
    else:
        # services load once the command is known, so a parse costs no service imports
        from catalogue_app.services.context import AppContext
        from catalogue_app.services.database import open_database

        # the integrity check reads the whole file: a reading command need not wait for
        # it (a write runs it first); `db` commands report on the file, so they check now
        database = open_database(
            args.database,
            seed_new=command.seed_new(args),
            check_integrity="now" if args.command == "db" else "before-writes",
        )
        try:
            ctx = AppContext(database) if clock is None else AppContext(database, clock=clock)
            log.info("%s on %s by %s", name, database.description, ctx.actor)
            command.handler(ctx, args, out)
        finally:
            database.close()
    log.info("%s done in %.2f s", name, time.perf_counter() - started)


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Run a headless command; return the exit code. Never shows a traceback.

    ``clock`` fixes "now" (and so "today") for the command; by default it is the
    system clock.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse(argv)
        if args.command is None:
            raise UsageError("a command is needed here; run with --help to see them")
        run(args, out or sys.stdout, clock)
    except (Exception, KeyboardInterrupt) as exc:
        return explain(exc, sys.stderr)
    return EXIT_OK


def explain(exc: BaseException, err: TextIO) -> int:
    """Tell the user in one sentence why the command stopped; return the exit code.

    A defect (any error that is not a :class:`CatalogueError`) is named in one
    line too, with its traceback written to the app's log in the user's data folder.
    """
    if isinstance(exc, UsageError):
        err.write(f"{PROG}: {exc}\n(run '{PROG} --help' for usage)\n")
        return EXIT_USAGE
    if isinstance(exc, CatalogueError):
        from catalogue_app.services.ledger import ImportRejected

        if isinstance(exc, ImportRejected):
            err.write(exc.report() + "\n")
        log.info("refused: %s", exc)
        err.write(f"{PROG}: {sentence(str(exc))}\n")
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        err.write(f"{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    if isinstance(exc, BrokenPipeError):  # the reader went away (`| head`): nothing to say
        return EXIT_OK
    where = log_traceback(exc)
    err.write(
        f"{PROG}: an unexpected error stopped the command ({type(exc).__name__}: {exc}); "
        f"details are in {where}\n"
    )
    return EXIT_REFUSED


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def log_traceback(exc: BaseException) -> str:
    """Write ``exc`` and its traceback to the app's log; return where the log is."""
    path = _start_log()
    if path is None:
        return "(the log could not be written)"
    log.error("%s %s stopped on an unexpected error", PROG, __version__, exc_info=exc)
    logs.flush()
    return str(path)


def _start_log() -> Path | None:
    """Send the app's log records to its file (the one the desktop app writes too)."""
    try:
        return logs.configure()
    except OSError:  # no writable data folder: the command still runs, unlogged
        return None
