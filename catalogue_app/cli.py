"""Headless commands. Nothing here imports Qt.

Exit codes: 0 done, 1 the action was refused (the sentence says why), 2 bad
usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn, TextIO

from catalogue_app import __version__
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.output import FORMATS, render
from catalogue_app.paths import user_data_dir
from catalogue_app.services.catalogue import CatalogueService, ProductQuery
from catalogue_app.services.compare import CompareService
from catalogue_app.services.database import Database, open_database
from catalogue_app.services.dto import ProductRow
from catalogue_app.services.ledger import LedgerExport, LedgerLine, LedgerService
from catalogue_app.services.purchases import (
    TEMPLATE_COLUMNS,
    ImportRejected,
    PurchaseDraft,
    PurchaseService,
)

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
    _purchase_commands(commands)
    compare = commands.add_parser("compare", help="compare 2–6 products at a quantity")
    compare.add_argument("codes", nargs="+", metavar="CODE")
    compare.add_argument("--quantity", type=_positive_int, required=True, metavar="N")
    compare.add_argument("--format", choices=("table", "json", "csv"), default="table")
    compare.add_argument("--pdf", type=Path, metavar="FILE", help="also write it as a PDF")
    compare.add_argument("--buyer", metavar="CODE", help="add what this buyer last paid")
    routes = commands.add_parser("routes", help="every route that offers a product, priced")
    routes.add_argument("code", metavar="CODE")
    routes.add_argument("--quantity", type=_positive_int, required=True, metavar="N")
    routes.add_argument("--format", choices=("table", "json"), default="table")
    briefing = commands.add_parser("briefing", help="a PDF briefing for a police authority")
    briefing.add_argument("--buyer", required=True, metavar="CODE")
    period = briefing.add_mutually_exclusive_group()
    period.add_argument(
        "--financial-year",
        type=int,
        metavar="YYYY",
        help="the year it starts in: 2024 is 1 April 2024 – 31 March 2025",
    )
    period.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD")
    briefing.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD")
    briefing.add_argument("--marking", default="OFFICIAL", help="protective marking")
    briefing.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    pool = commands.add_parser("pool", help="what buying together saves")
    pool.add_argument("product", metavar="PRODUCT")
    pool.add_argument(
        "--buyers",
        required=True,
        metavar="CODE,CODE,…",
        help="forces, or a collaboration (its members)",
    )
    pool.add_argument(
        "--quantities",
        metavar="N,N,…",
        help="one per force, in the order listed (default: one per officer)",
    )
    pool.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be more than zero")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date written YYYY-MM-DD") from None


def _scope(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--buyer", metavar="CODE", help="a force or collaboration code")
    parser.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD")
    parser.add_argument("--status", choices=("active", "void", "all"), default="active")


def _purchase_commands(commands) -> None:  # type: ignore[no-untyped-def]
    purchases = commands.add_parser("purchases", help="record, list, import and export call-offs")
    actions = purchases.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="record one purchase; prints its id")
    add.add_argument("--buyer", required=True, metavar="CODE")
    add.add_argument("--product", required=True, metavar="CODE")
    route = add.add_mutually_exclusive_group(required=True)
    route.add_argument("--framework", metavar="REF")
    route.add_argument("--off-framework", action="store_true")
    add.add_argument("--lot", metavar="N")
    add.add_argument("--quantity", required=True, metavar="N")
    add.add_argument("--unit-price", metavar="P", help="default: from the offer's price breaks")
    add.add_argument("--baseline-price", metavar="P", help="default: the product's list price")
    add.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--order-ref", required=True, metavar="REF")
    add.add_argument(
        "--split",
        metavar="RULE",
        help="equal, officers (default) or custom:CODE=AMOUNT,… (collaborations)",
    )
    add.add_argument("--notes", default="")
    add.add_argument(
        "--allow-duplicate-ref",
        action="store_true",
        help="record even though the buyer already used this order reference",
    )
    lister = actions.add_parser("list", help="list purchases")
    _scope(lister)
    _add_format(lister)
    export = actions.add_parser("export", help="export purchases to CSV or XLSX")
    _scope(export)
    export.add_argument("--format", choices=("csv", "xlsx"), required=True)
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    imp = actions.add_parser("import", help="import a CSV or XLSX file, whole or not at all")
    imp.add_argument("file", type=Path, metavar="FILE")
    void = actions.add_parser("void", help="void a purchase (it is kept, marked void)")
    void.add_argument("id", metavar="ID")
    void.add_argument("--reason", required=True)
    history = actions.add_parser("history", help="the audit trail of one purchase")
    history.add_argument("id", metavar="ID")
    template = actions.add_parser("template", help="write an empty import template")
    template.add_argument("--out", required=True, type=Path, metavar="FILE")


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


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _purchases_add(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    if args.off_framework and args.lot:
        raise UsageError("--lot goes with --framework, not with --off-framework")
    draft = PurchaseDraft(
        buyer=args.buyer,
        product=args.product,
        quantity=args.quantity,
        order_date=args.date,
        order_reference=args.order_ref,
        framework=args.framework,
        lot=args.lot,
        unit_price=args.unit_price,
        baseline_unit_price=args.baseline_price,
        notes=args.notes,
        split=args.split,
    )
    recorded = PurchaseService(db).record(
        draft, _actor(), allow_duplicate_reference=args.allow_duplicate_ref
    )
    out.write(recorded.id + "\n")


def _purchases_list(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    lines = LedgerService(db).lines(args.buyer, args.start, args.end, status=args.status)
    records = [
        {**ln.to_dict(), "total": f"{ln.total:.2f}", "saving": f"{ln.saving:.2f}"} for ln in lines
    ]
    columns = [*LedgerLine.__dataclass_fields__, "total", "saving"]
    if args.format == "table":
        columns = [
            "order_date",
            "order_reference",
            "buyer",
            "product",
            "route",
            "quantity",
            "unit_price",
            "total",
            "saving",
        ]
    out.write(render(records, columns, args.format))


def _purchases_export(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    export = LedgerExport(db)
    records = export.records(args.buyer, args.start, args.end, args.status)
    export.write(records, args.out, args.format)
    out.write(f"Exported {len(records):,} purchases to {args.out}\n")


def _purchases_import(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    try:
        report = PurchaseService(db).import_file(args.file, _actor())
    except ImportRejected as exc:
        sys.stderr.write(exc.report() + "\n")
        raise
    out.write(
        f"Imported {report.imported:,} of {report.rows:,} rows from {report.source}"
        f" ({report.already_present:,} already in the ledger).\n"
    )


def _purchases_void(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    PurchaseService(db).void(args.id, args.reason, _actor())
    out.write(f"Voided {args.id}.\n")


def _purchases_history(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    for entry in LedgerExport(db).history(args.id):
        out.write(f"{entry.occurred_at}  {entry.action:<7} by {entry.actor}\n")
        before, after = entry.before or {}, entry.after or {}
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                out.write(f"    {key}: {before.get(key, '—')} → {after.get(key, '—')}\n")


def _purchases_template(db: Database | None, args: argparse.Namespace, out: TextIO) -> None:
    example = {
        "id": "",
        "order_reference": "NOR/2025/00042",
        "buyer": "norfolk",
        "product": "ATHENA",
        "framework": "ESSEX-ATHENA",
        "lot": "1",
        "quantity": "25",
        "unit_price": "",
        "baseline_unit_price": "",
        "order_date": "2025-06-30",
        "split": "",
        "notes": "example",
    }
    try:
        with args.out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=TEMPLATE_COLUMNS)
            writer.writeheader()
            writer.writerow(example)
    except OSError as exc:
        raise CatalogueError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    out.write(
        f"Wrote {args.out}. Columns: {', '.join(TEMPLATE_COLUMNS)}. Required: order_reference,"
        " buyer, product, quantity, order_date. Leave framework and lot empty for an"
        " off-framework purchase; leave unit_price empty to use the price breaks; split is"
        " equal, officers or custom:CODE=AMOUNT,… for a collaboration. Delete the example row.\n"
    )


def _compare(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    rows = CompareService(db).compare(args.codes, args.quantity, buyer=args.buyer)
    if args.pdf:
        from catalogue_app.reports import comparison
        from catalogue_app.reports.document import PageFurniture

        furniture = PageFurniture("Product comparison", ", ".join(args.codes))
        try:
            comparison.render(
                furniture, comparison.comparison_story(rows, args.quantity), str(args.pdf)
            )
        except OSError as exc:
            raise CatalogueError(f"cannot write {args.pdf}: {exc.strerror or exc}") from None
    if args.format in ("json", "csv"):
        records = [r.to_dict() for r in rows]
        if args.format == "json":
            out.write(json.dumps(records, indent=2, ensure_ascii=False) + "\n")
        else:
            out.write(render(records, [k for k in records[0] if k != "routes"], "csv"))
        return
    attributes = [
        ("name", "Name"),
        ("supplier", "Supplier"),
        ("supplier_status", "Supplier status"),
        ("category", "Category"),
        ("status", "Status"),
        ("accredited_to", "Accredited to"),
        ("unit", "Unit"),
        ("list_price", "List price"),
        ("best_route", "Best route"),
        ("unit_price", f"Unit price at {args.quantity:,}"),
        ("total", "Total"),
        ("saving_vs_list", "Saving against list"),
        ("forces_using", "Forces using it"),
        ("lowest_paid", "Lowest paid"),
        ("median_paid", "Median paid"),
        ("highest_paid", "Highest paid"),
    ]
    if args.buyer:
        attributes.append(("buyer_last_paid", f"Last paid by {args.buyer}"))
    records = [
        {"attribute": title, **{r.code: r.to_dict()[key] for r in rows}}
        for key, title in attributes
    ]
    out.write(render(records, ["attribute", *[r.code for r in rows]], "table"))
    for r in rows:
        if r.priced_at_list:
            out.write(f"{r.code}: no framework offers it today; priced at list price.\n")


def _routes(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    options = CompareService(db).routes(args.code, args.quantity)
    records = [{**o.to_dict(), "flags": o.flags} for o in options]
    if args.format == "json":
        out.write(json.dumps(records, indent=2, ensure_ascii=False) + "\n")
        return
    out.write(
        render(
            records,
            [
                "route",
                "routes_to_market",
                "unit_price",
                "total",
                "ends",
                "extensions_left",
                "headroom",
                "flags",
            ],
            "table",
        )
    )


def _briefing(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    from catalogue_app.domain.periods import FinancialYear
    from catalogue_app.reports.briefing import render_briefing
    from catalogue_app.services.briefing import BriefingService

    if (args.start is None) != (args.end is None):
        raise UsageError("give both --from and --to, or --financial-year")
    start, end = args.start, args.end
    if args.financial_year is not None:
        fy = FinancialYear(args.financial_year)
        start, end = fy.start, fy.end
    data = BriefingService(db).build(args.buyer, start, end, marking=args.marking)
    target = args.out
    partial = target.with_name(target.name + ".part")
    try:
        render_briefing(data, str(partial))
        partial.replace(target)
    except OSError as exc:
        raise CatalogueError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)  # never leave half a file behind
    out.write(f"{target}\n")


def _pool(db: Database, args: argparse.Namespace, out: TextIO) -> None:
    quantities = None
    if args.quantities:
        try:
            quantities = [int(q) for q in args.quantities.split(",")]
        except ValueError:
            raise UsageError(f"--quantities “{args.quantities}” is not N,N,…") from None
    buyers = [b for b in args.buyers.split(",") if b.strip()]
    outcome = CompareService(db).pool(args.product, buyers, quantities)
    members = [
        {
            "force": mo.member,
            "quantity": mo.quantity,
            "alone_route": mo.alone.route,
            "alone_unit_price": f"{mo.alone.unit_price:.2f}",
            "alone_total": f"{mo.alone.total:.2f}",
            "pooled_share": f"{mo.pooled_share:.2f}",
            "saving": f"{mo.saving:.2f}",
        }
        for mo in outcome.members
    ]
    summary = {
        "product": args.product,
        "quantity": outcome.quantity,
        "route": outcome.pooled.route,
        "unit_price": f"{outcome.pooled.unit_price:.2f}",
        "pooled_total": f"{outcome.pooled.total:.2f}",
        "alone_total": f"{outcome.alone_total:.2f}",
        "saving": f"{outcome.saving:.2f}",
        "members": members,
    }
    if args.format == "json":
        out.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        return
    out.write(render(members, list(members[0]), "table"))
    out.write(
        f"\nPooled: {outcome.quantity:,} at £{outcome.pooled.unit_price:,.2f} via "
        f"{outcome.pooled.route} = £{outcome.pooled.total:,.2f}; bought alone "
        f"£{outcome.alone_total:,.2f}; pooling saves £{outcome.saving:,.2f}.\n"
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
    ("purchases", "add"): _purchases_add,
    ("purchases", "list"): _purchases_list,
    ("purchases", "export"): _purchases_export,
    ("purchases", "import"): _purchases_import,
    ("purchases", "void"): _purchases_void,
    ("purchases", "history"): _purchases_history,
    ("compare", None): _compare,
    ("routes", None): _routes,
    ("pool", None): _pool,
    ("briefing", None): _briefing,
}
NO_DATABASE = {("purchases", "template"): _purchases_template}


def run_command(args: argparse.Namespace, out: TextIO) -> None:
    key = (args.command, getattr(args, "action", None))
    if key in NO_DATABASE:
        NO_DATABASE[key](None, args, out)
        return
    handler = COMMANDS[key]
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
