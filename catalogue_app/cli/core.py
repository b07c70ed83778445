"""What every command module shares: the parser, argument types, handler registration
and the rules for files a command writes.

A command module builds its parsers with :func:`handles` (or :func:`handles_offline`
for the few commands that need no database) and never opens the database itself:
the dispatcher does, once, and hands each handler an :class:`AppContext`. Every
file a command writes goes through :func:`write_output` (the atomic writer, which
never replaces the open database and replaces an existing file only with ``--force``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeAlias

from catalogue_app.cli.render import FORMATS
from catalogue_app.interchange.atomic import atomic_path, check_target, database_files

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext

PROG = "catalogue-app"

Handler: TypeAlias = "Callable[[AppContext, argparse.Namespace, TextIO], None]"
OfflineHandler = Callable[[argparse.Namespace, TextIO], None]
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class UsageError(Exception):
    """The command line itself is wrong; the message says how."""


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# -- registering handlers ---------------------------------------------------------------


def _always(args: argparse.Namespace) -> bool:
    return True


@dataclass(frozen=True)
class Command:
    """A parsed command's handler, run with an :class:`AppContext` on an open database.

    ``seed_new`` says whether a database this command creates is seeded with
    the reference catalogue as it is created (never with purchases).
    """

    handler: Handler
    seed_new: Callable[[argparse.Namespace], bool] = _always


@dataclass(frozen=True)
class OfflineCommand:
    """A parsed command's handler that needs no database: it gets the arguments and output."""

    handler: OfflineHandler


def handles(
    parser: argparse.ArgumentParser,
    handler: Handler,
    *,
    seed_new: Callable[[argparse.Namespace], bool] = _always,
) -> None:
    parser.set_defaults(run=Command(handler, seed_new))


def handles_offline(parser: argparse.ArgumentParser, handler: OfflineHandler) -> None:
    parser.set_defaults(run=OfflineCommand(handler))


def group(commands: Subcommands, name: str, help_text: str) -> Subcommands:
    """A command with actions of its own (``purchases add``, ``db seed``…)."""
    parser = commands.add_parser(name, help=help_text)
    return parser.add_subparsers(dest="action", metavar="ACTION", required=True)


# -- argument types and shared options ----------------------------------------------------


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be more than zero")
    return value


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date written YYYY-MM-DD") from None


def add_format(parser: argparse.ArgumentParser, choices: Iterable[str] = FORMATS) -> None:
    parser.add_argument("--format", choices=tuple(choices), default="table")


def add_output(
    parser: argparse.ArgumentParser,
    flag: str,
    *,
    metavar: str = "FILE",
    required: bool = True,
    help_text: str | None = None,
) -> None:
    """``--out FILE`` (or ``--pdf FILE``) and the ``--force`` that goes with it."""
    parser.add_argument(flag, required=required, type=Path, metavar=metavar, help=help_text)
    parser.add_argument(
        "--force", action="store_true", help=f"replace {metavar} if it exists already"
    )


# -- files a command writes ---------------------------------------------------------------


def protected_paths(ctx: AppContext) -> tuple[Path, ...]:
    """The files no output may replace: the open SQLite database and its companions.

    A server database has no local file, so nothing is protected for it.
    """
    from catalogue_app.services.ledger import protected_files

    return protected_files(ctx.db)


def location_paths(location: str | None) -> tuple[Path, ...]:
    """:func:`protected_paths` for a command that writes without opening the database
    that ``--database`` (or the environment, or the default) names.
    """
    from catalogue_app.db.engine import resolve_database_url

    url = resolve_database_url(location)
    return _local_files(url.get_backend_name(), url.database)


def _local_files(backend: str, database: str | None) -> tuple[Path, ...]:
    return database_files(database) if backend == "sqlite" else ()


def check_output(ctx: AppContext, path: Path, force: bool) -> None:
    """Refuse ``path`` with one sentence before any work is done: the open database or
    one of its files (through any link), a folder, a missing folder, or an existing file
    unless ``force`` says to replace it.
    """
    check_target(path, overwrite=force, protected=protected_paths(ctx))


def write_output(ctx: AppContext, path: Path, force: bool, write: Callable[[Path], object]) -> None:
    """Write ``path`` whole or not at all: ``write`` fills a file beside it, which then
    replaces it. The checks of :func:`check_output` apply again at that moment.
    """
    with atomic_path(path, overwrite=force, protected=protected_paths(ctx)) as partial:
        write(partial)
