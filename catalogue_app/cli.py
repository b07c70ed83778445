"""Headless commands. Nothing here imports Qt.

Exit codes: 0 done, 1 the action was refused (the sentence says why), 2 bad
usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO

from catalogue_app import __version__
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.output import FORMATS, render
from catalogue_app.paths import user_data_dir
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.services.database import Database, open_database
from catalogue_app.services.dto import ProductRow

PROG = "catalogue-app"
EXIT_REFUSED = 1
EXIT_USAGE = 2
log = logging.getLogger(__name__)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    db = commands.add_parser("db", help="create, migrate and seed the database")
    db_cmds = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    db_cmds.add_parser("upgrade", help="migrate the database to this version (backs it up first)")
    seed = db_cmds.add_parser("seed", help="load the reference catalogue and demo history")
    seed.add_argument("--no-demo", action="store_true", help="reference catalogue only")

    for name, help_text in (
        ("forces", "police forces"),
        ("collaborations", "collaborations between forces"),
        ("frameworks", "framework agreements"),
    ):
        group = commands.add_parser(name, help=help_text)
        actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
        _add_format(actions.add_parser("list", help=f"list {help_text}"))

    products = commands.add_parser("products", help="search and show products")
    p_cmds = products.add_subparsers(dest="action", metavar="ACTION", required=True)
    search = p_cmds.add_parser("search", help="search products (empty TEXT lists everything)")
    search.add_argument("text", nargs="?", default="", metavar="TEXT")
    search.add_argument("--status", help="champion, approved, challenger or withdrawn")
    search.add_argument("--category", help="CPV code or category group, e.g. 'Body armour'")
    search.add_argument("--limit", type=_non_negative_int, metavar="N")
    _add_format(search)
    show = p_cmds.add_parser("show", help="everything about one product")
    show.add_argument("code", metavar="CODE")
    show.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table")


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def parse(argv: Sequence[str]) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


# -- commands ---------------------------------------------------------------------------


def _db_upgrade(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    report = db.migration
    assert report is not None
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


def _db_seed(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    if db.seeded is not None:  # a new database is seeded as it is created
        out.write(f"Created and seeded {db.description}: {db.seeded.summary()}.\n")
        return
    report = db.seed(demo=not args.no_demo)
    out.write(f"Seeded {db.description}: {report.summary()}.\n")


def _list(fetch: Callable[[CatalogueService], list], columns: Sequence[str]):  # type: ignore[no-untyped-def]
    def run(db: Database, args: argparse.Namespace, out: TextIO) -> None:
        records = [r.to_dict() for r in fetch(CatalogueService(db))]
        out.write(render(records, columns, args.format))

    return run


def _products_search(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    query = ProductQuery(text=args.text, status=args.status, category=args.category)
    page = CatalogueService(db).search_products(query, limit=args.limit)
    records = [r.to_dict() for r in page.rows]
    columns = list(ProductRow.__dataclass_fields__)
    if args.format == "table":
        columns = ["code", "name", "supplier", "status", "list_price"]
    out.write(render(records, columns, args.format))


def _products_show(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    detail = CatalogueService(db).get_product(args.code).to_dict()
    if args.format == "json":
        out.write(json.dumps(detail, indent=2, ensure_ascii=False) + "\n")
        return
    for key in (
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
    ):
        out.write(
            f"{key.replace('_', ' '):>16}: {detail[key] if detail[key] is not None else '—'}\n"
        )
    out.write(f"{'tags':>16}: {', '.join(detail['tags'])}\n")
    out.write(f"{'description':>16}: {detail['description']}\n")
    if detail["illustrative"]:
        out.write(f"{'note':>16}: prices and dates are illustrative ({detail['source']})\n")
    out.write("\nFramework routes:\n")
    if not detail["offers"]:
        out.write("  none: off-framework only, at list price\n")
    for o in detail["offers"]:
        breaks = "; ".join(f"{b['min_quantity']}+ at £{b['unit_price']}" for b in o["price_breaks"])
        route = f"{o['framework']} lot {o['lot']} ({o['lot_title']})"
        out.write(
            f"  {route}: ceiling £{o['ceiling_unit_price']}"
            f"{'; ' + breaks if breaks else ''}; framework ends {o['framework_end']}\n"
        )


COMMANDS: dict[tuple[str, str | None], Callable[[Database, argparse.Namespace, TextIO], None]] = {
    ("db", "upgrade"): _db_upgrade,
    ("db", "seed"): _db_seed,
    ("forces", "list"): _list(
        lambda c: c.list_forces(), ["code", "name", "short_name", "kind", "region", "officer_fte"]
    ),
    ("collaborations", "list"): _list(
        lambda c: c.list_collaborations(), ["code", "name", "lead_force", "members"]
    ),
    ("frameworks", "list"): _list(
        lambda c: c.list_frameworks(),
        [
            "reference",
            "title",
            "owner",
            "start_date",
            "effective_end",
            "extensions_left",
            "max_value",
            "lots",
            "status",
        ],
    ),
    ("products", "search"): _products_search,
    ("products", "show"): _products_show,
}


def run_command(args: argparse.Namespace, out: TextIO) -> None:
    handler = COMMANDS[(args.command, getattr(args, "action", None))]
    # `db seed --no-demo` on a new database must not seed the demo history first.
    seed_new = not (args.command == "db" and args.action == "seed" and args.no_demo)
    db = open_database(args.database, seed_new=seed_new)
    try:
        handler(db, args, out)
    finally:
        db.close()


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run a headless command; return the exit code. Never shows a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = out or sys.stdout
    try:
        args = parse(argv)
        if args.command is None:
            raise UsageError("a command is needed here; run with --help to see them")
        run_command(args, out)
        return 0
    except UsageError as exc:
        sys.stderr.write(f"{PROG}: {exc}\n(run '{PROG} --help' for usage)\n")
        return EXIT_USAGE
    except CatalogueError as exc:
        sys.stderr.write(f"{PROG}: {_sentence(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a defect: say so in one sentence, keep the details in a file
        log_path = _write_crash_log()
        sys.stderr.write(
            f"{PROG}: an unexpected error stopped the command ({type(exc).__name__}: {exc}); "
            f"details are in {log_path}\n"
        )
        return EXIT_REFUSED


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _write_crash_log() -> str:
    try:
        folder = user_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "crash.log"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc() + "\n")
        return str(path)
    except OSError:
        return "(the log could not be written)"
