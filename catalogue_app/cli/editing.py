"""Keeping the catalogue up to date from scripts.

``products``, ``frameworks``, ``lots`` and ``suppliers`` add, edit, withdraw
(suspend, exclude) and reinstate records; ``offers set`` gives a product new
prices on a lot from a day; ``history KIND CODE`` prints a record's history;
``catalogue export`` and ``catalogue import`` are the spreadsheet round-trip.
Every change goes through the catalogue editor, so it is audited and appears
in the History tab of the desktop app as well.

Options are named after the fields (``--list-price`` for "List price"): an
``add`` takes every required field, an ``edit`` changes only the options given.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from catalogue_app.cli.core import (
    Subcommands,
    UsageError,
    add_format,
    add_output,
    check_output,
    group,
    handles,
    iso_date,
    protected_paths,
)
from catalogue_app.cli.render import as_json
from catalogue_app.domain.enums import SupplierStatus
from catalogue_app.domain.errors import ValidationError
from catalogue_app.services import editing
from catalogue_app.services.editing.records import (
    SPECS,
    FieldSpec,
    FieldType,
    Kind,
    OfferRecord,
    Record,
    RecordInvalid,
    offer_line,
    parse_breaks,
    parse_record,
    record_values,
    snapshot,
)

if TYPE_CHECKING:
    from catalogue_app.services.context import AppContext
    from catalogue_app.services.editing import Consequences, EditResult, HistoryEntry

# The editor, the history reader and the spreadsheet round-trip load when a command
# runs (``editing.CatalogueEditor`` and the like), not when the parser is built.


def _sheets() -> Any:
    from catalogue_app.services.editing import sheets

    return sheets


JSON_OR_TABLE = ("table", "json")
# What an ``add`` fills in when the option is left out.
ADD_DEFAULTS: dict[Kind, dict[str, str]] = {
    Kind.PRODUCT: {"status": "approved"},
    Kind.SUPPLIER: {"status": "active"},
}
_METAVARS = {
    FieldType.MONEY: "POUNDS",
    FieldType.OPTIONAL_MONEY: "POUNDS",
    FieldType.DATE: "YYYY-MM-DD",
    FieldType.OPTIONAL_DATE: "YYYY-MM-DD",
    FieldType.WHOLE: "N",
    FieldType.YES_NO: "yes|no",
    FieldType.PRICE_BREAKS: "QTY:PRICE,…",
}
# Fields a command changes on its own (withdraw, suspend, extend), not through edit.
_STATUS_FIELDS = {
    Kind.SUPPLIER: ("status", "status_reason", "status_since"),
    Kind.FRAMEWORK: ("extensions_taken", "withdrawn_on", "withdrawn_reason"),
    Kind.LOT: ("withdrawn_on",),
}


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


# -- the parsers ------------------------------------------------------------------------------


def add_product_actions(actions: Subcommands) -> None:
    """``products add|edit|withdraw|reinstate`` beside ``search`` and ``show``."""
    _add_and_edit(actions, Kind.PRODUCT, "a product")
    withdraw = actions.add_parser("withdraw", help="withdraw a product (it is kept, marked so)")
    withdraw.add_argument("key", metavar="CODE")
    add_format(withdraw, JSON_OR_TABLE)
    handles(withdraw, _withdraw(Kind.PRODUCT))
    _reinstate_parser(actions, Kind.PRODUCT, "CODE", "make a withdrawn product approved again")


def add_framework_actions(actions: Subcommands) -> None:
    """``frameworks add|edit|extend|withdraw|reinstate`` beside ``list``."""
    _add_and_edit(actions, Kind.FRAMEWORK, "a framework")
    extend = actions.add_parser("extend", help="take the framework's next extension option")
    extend.add_argument("key", metavar="REF")
    add_format(extend, JSON_OR_TABLE)
    handles(extend, framework_extend)
    withdraw = actions.add_parser("withdraw", help="withdraw a framework, with a reason")
    withdraw.add_argument("key", metavar="REF")
    withdraw.add_argument("--reason", required=True)
    withdraw.add_argument("--on", type=iso_date, metavar="YYYY-MM-DD", help="default: today")
    add_format(withdraw, JSON_OR_TABLE)
    handles(withdraw, _withdraw(Kind.FRAMEWORK))
    _reinstate_parser(actions, Kind.FRAMEWORK, "REF", "undo a framework's withdrawal")


def add_commands(commands: Subcommands) -> None:
    suppliers = group(commands, "suppliers", "add, change, suspend and reinstate suppliers")
    _add_and_edit(suppliers, Kind.SUPPLIER, "a supplier")
    for name, status in (
        ("suspend", SupplierStatus.SUSPENDED),
        ("exclude", SupplierStatus.EXCLUDED),
    ):
        parser = suppliers.add_parser(name, help=f"{name} a supplier, with a reason")
        parser.add_argument("key", metavar="CODE")
        parser.add_argument("--reason", required=True)
        parser.add_argument("--since", type=iso_date, metavar="YYYY-MM-DD", help="default: today")
        parser.set_defaults(supplier_status=status)
        add_format(parser, JSON_OR_TABLE)
        handles(parser, supplier_suspend)
    _reinstate_parser(suppliers, Kind.SUPPLIER, "CODE", "make a supplier active again")

    lots = group(commands, "lots", "add, change and withdraw the lots of a framework")
    _add_and_edit(lots, Kind.LOT, "a lot")
    withdraw = lots.add_parser("withdraw", help="withdraw a lot")
    _lot_key(withdraw)
    withdraw.add_argument("--on", type=iso_date, metavar="YYYY-MM-DD", help="default: today")
    add_format(withdraw, JSON_OR_TABLE)
    handles(withdraw, _withdraw(Kind.LOT))
    reinstate = lots.add_parser("reinstate", help="undo a lot's withdrawal")
    _lot_key(reinstate)
    add_format(reinstate, JSON_OR_TABLE)
    handles(reinstate, _reinstate(Kind.LOT))

    offers = group(commands, "offers", "a product's prices on a framework lot, by date")
    setter = offers.add_parser("set", help="new prices from a day (earlier purchases keep theirs)")
    _offer_line(setter)
    setter.add_argument(
        "--price-breaks",
        required=True,
        metavar="QTY:PRICE,…",
        help="unit price by quantity; a break at 1 is the ceiling price (1:450.00,1000:440.00)",
    )
    setter.add_argument("--ceiling", metavar="POUNDS", help="the ceiling unit price, if no 1:…")
    setter.add_argument(
        "--from", dest="valid_from", required=True, type=iso_date, metavar="YYYY-MM-DD"
    )
    add_format(setter, JSON_OR_TABLE)
    handles(setter, offers_set)
    ender = offers.add_parser("end", help="end the prices in force on a day, on that day")
    _offer_line(ender)
    ender.add_argument("--on", required=True, type=iso_date, metavar="YYYY-MM-DD")
    add_format(ender, JSON_OR_TABLE)
    handles(ender, offers_end)

    historian = commands.add_parser("history", help="the history of a catalogue record")
    historian.add_argument("kind", choices=[k.value for k in Kind], metavar="KIND")
    historian.add_argument(
        "code",
        nargs="+",
        metavar="CODE",
        help="a product or supplier code or a framework reference; "
        "a lot is REF N, an offer REF N PRODUCT",
    )
    add_format(historian, JSON_OR_TABLE)
    handles(historian, history)

    books = group(commands, "catalogue", "export the catalogue to a workbook and import it back")
    exporter = books.add_parser("export", help="write every record to an .xlsx workbook")
    add_output(exporter, "--out", metavar="FILE.xlsx")
    add_format(exporter, JSON_OR_TABLE)
    handles(exporter, catalogue_export)
    importer = books.add_parser("import", help="apply a workbook's changes, whole or not at all")
    importer.add_argument("file", type=Path, metavar="FILE.xlsx")
    importer.add_argument("--dry-run", action="store_true", help="report the changes only")
    add_format(importer, JSON_OR_TABLE)
    handles(importer, catalogue_import)


def _add_and_edit(actions: Subcommands, kind: Kind, what: str) -> None:
    adder = actions.add_parser("add", help=f"add {what}")
    defaults = ADD_DEFAULTS.get(kind, {})
    for spec in SPECS[kind]:
        required = spec.required and spec.name not in defaults and spec.name != "price_from"
        _field_option(adder, spec, required=required, default=defaults.get(spec.name))
    add_format(adder, JSON_OR_TABLE)
    handles(adder, _add(kind))

    editor = actions.add_parser("edit", help=f"change {what} (only the options given)")
    if kind is Kind.LOT:
        _lot_key(editor)
    else:
        editor.add_argument("key", metavar="REF" if kind is Kind.FRAMEWORK else "CODE")
    skip = _STATUS_FIELDS.get(kind, ())
    for spec in SPECS[kind]:
        if not spec.key and spec.name not in skip:
            _field_option(editor, spec, required=False, default=None)
    add_format(editor, JSON_OR_TABLE)
    handles(editor, _edit(kind))


def _field_option(
    parser: argparse.ArgumentParser, spec: FieldSpec, *, required: bool, default: str | None
) -> None:
    help_text = spec.label
    if spec.choices:
        help_text += f": {', '.join(spec.choices)}"
    elif spec.help:
        help_text += f": {spec.help}"
    if spec.name == "price_from":
        help_text += " (default: today)"
    if default is not None:
        help_text += f" (default: {default})"
    parser.add_argument(
        flag(spec.name),
        dest=spec.name,
        required=required,
        default=default,
        metavar=_METAVARS.get(spec.type, spec.label.split(" (")[0].upper().replace(" ", "_")),
        help=help_text,
    )


def _reinstate_parser(actions: Subcommands, kind: Kind, metavar: str, help_text: str) -> None:
    parser = actions.add_parser("reinstate", help=help_text)
    parser.add_argument("key", metavar=metavar)
    add_format(parser, JSON_OR_TABLE)
    handles(parser, _reinstate(kind))


def _lot_key(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--framework", required=True, metavar="REF")
    parser.add_argument("--number", required=True, metavar="N")


def _offer_line(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--product", required=True, metavar="CODE")
    parser.add_argument("--framework", required=True, metavar="REF")
    parser.add_argument("--lot", required=True, metavar="N")


# -- reading what was typed -------------------------------------------------------------------


def _parse(kind: Kind, values: dict[str, object]) -> Record:
    try:
        return parse_record(kind, values)
    except RecordInvalid as exc:
        raise _with_flags(exc) from None


def _with_flags(exc: RecordInvalid) -> ValidationError:
    """Every problem in one sentence, each naming the option to correct."""
    text = "; ".join(f"{p.message} ({flag(p.field)})" for p in exc.problems)
    return ValidationError(text, field=exc.field)


def _given(kind: Kind, args: argparse.Namespace) -> dict[str, object]:
    return {
        spec.name: getattr(args, spec.name)
        for spec in SPECS[kind]
        if getattr(args, spec.name, None) is not None
    }


def _key(kind: Kind, args: argparse.Namespace) -> tuple[str, ...]:
    return (args.framework, args.number) if kind is Kind.LOT else (args.key,)


# -- the handlers -----------------------------------------------------------------------------


def _add(kind: Kind) -> Any:
    def add(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
        values = _given(kind, args)
        if kind is Kind.PRODUCT:
            values.setdefault("price_from", ctx.today().isoformat())
        record = _parse(kind, values)
        try:
            result = editing.CatalogueEditor(ctx).create(record)
        except RecordInvalid as exc:
            raise _with_flags(exc) from None
        _report(out, args.format, result)

    return add


def _edit(kind: Kind) -> Any:
    def edit(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
        editor = editing.CatalogueEditor(ctx)
        current = editor.get(kind, _key(kind, args))
        given = _given(kind, args)
        if not given:
            raise UsageError("give at least one option to change; run with --help to see them")
        if kind is Kind.PRODUCT and "list_price" in given:
            # a new price is a new version, from today unless another day is given
            given.setdefault("price_from", ctx.today().isoformat())
        values: dict[str, object] = {**record_values(current), **given}
        record = _parse(kind, values)
        try:
            result = editor.edit(record, expected=current)
        except RecordInvalid as exc:
            raise _with_flags(exc) from None
        _report(
            out, args.format, result, unchanged=f"{_sheets().title_of(current)} already says that"
        )

    return edit


def _withdraw(kind: Kind) -> Any:
    def withdraw(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
        editor = editing.CatalogueEditor(ctx)
        key = _key(kind, args)
        touches = editor.consequences(kind, key)
        result = editor.withdraw(
            kind, key, reason=getattr(args, "reason", "") or "", on=getattr(args, "on", None)
        )
        _report(out, args.format, result, touches=touches.sentence(), extra=_as_dict(touches))

    return withdraw


def _reinstate(kind: Kind) -> Any:
    def reinstate(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
        _report(out, args.format, editing.CatalogueEditor(ctx).reinstate(kind, _key(kind, args)))

    return reinstate


def framework_extend(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    _report(out, args.format, editing.CatalogueEditor(ctx).extend(args.key))


def supplier_suspend(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    editor = editing.CatalogueEditor(ctx)
    touches = editor.consequences(Kind.SUPPLIER, args.key)
    result = editor.suspend(
        args.key, reason=args.reason, since=args.since, status=args.supplier_status
    )
    unchanged = f"supplier {args.key} is {args.supplier_status.value} for that reason already"
    _report(
        out,
        args.format,
        result,
        unchanged=unchanged,
        touches=touches.sentence(),
        extra=_as_dict(touches),
    )


def offers_set(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    ceiling: object = args.ceiling
    if ceiling is None:
        try:
            breaks = parse_breaks(args.price_breaks)
        except (ValueError, ValidationError):
            breaks = ()  # parse_record below names what is wrong with them
        ones = [b for b in breaks if b.min_quantity <= 1]
        if ones:
            ceiling = ones[0].unit_price
        elif breaks:
            raise ValidationError(
                "give the ceiling price as a break at quantity 1 (1:450.00,…) or with --ceiling",
                field="ceiling_price",
            )
    values = {
        "framework": args.framework,
        "lot": args.lot,
        "product": args.product,
        "valid_from": args.valid_from,
        "ceiling_price": ceiling,
        "price_breaks": args.price_breaks,
    }
    offer = _parse(Kind.OFFER, values)
    assert isinstance(offer, OfferRecord)
    try:
        result = editing.CatalogueEditor(ctx).set_offer_prices(
            args.framework,
            args.lot,
            args.product,
            valid_from=offer.valid_from,
            ceiling=offer.ceiling_price,
            breaks=offer.price_breaks,
        )
    except RecordInvalid as exc:
        raise _with_flags(exc) from None
    _report(out, args.format, result, unchanged="those prices are in force from that day already")


def offers_end(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    editor = editing.CatalogueEditor(ctx)
    versions = editor.offer_versions(args.framework, args.lot, args.product)
    day: date = args.on
    current = next(
        (v for v in versions if v.valid_from <= day and (v.valid_to is None or day <= v.valid_to)),
        None,
    )
    if current is None:
        line = offer_line(args.framework, args.lot, args.product)
        raise ValidationError(f"no prices of {line} are in force on {day.isoformat()}")
    result = editor.withdraw(Kind.OFFER, _offer_key(current), on=day)
    _report(out, args.format, result, unchanged="those prices end on that day already")


def _offer_key(offer: OfferRecord) -> tuple[str, ...]:
    return (offer.framework, offer.lot, offer.product, offer.valid_from.isoformat())


def history(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    kind = Kind(args.kind)
    entries = _history(ctx, kind, args.code)
    if args.format == "json":
        out.write(as_json([e.as_json() for e in entries]))
        return
    if not entries:
        out.write("(no changes recorded)\n")
        return
    rows = [(_when(e), e.actor, e.summary) for e in entries]
    widths = [max(len(r[i]) for r in [("When", "Who", ""), *rows]) for i in (0, 1)]
    out.write(f"{'When'.ljust(widths[0])}  {'Who'.ljust(widths[1])}  What\n")
    for when, who, what in rows:
        out.write(f"{when.ljust(widths[0])}  {who.ljust(widths[1])}  {what}\n")


def _history(ctx: AppContext, kind: Kind, code: Sequence[str]) -> list[HistoryEntry]:
    editor, reader = editing.CatalogueEditor(ctx), editing.CatalogueHistory(ctx)
    text = " ".join(code)
    match kind:
        case Kind.LOT:
            parts = [p for p in code if p != "lot"]
            if len(parts) != 2:
                raise UsageError("a lot is named by its framework and number: history lot REF N")
            editor.get(kind, parts)
            return reader.history(kind, f"{parts[0]} lot {parts[1]}")
        case Kind.OFFER:
            if len(code) != 3:
                raise UsageError(
                    "an offer is named by framework, lot and product: history offer REF N CODE"
                )
            framework, lot, product = code
            if not editor.offer_versions(framework, lot, product):
                line = offer_line(framework, lot, product)
                raise ValidationError(f"{line} has no prices in the catalogue")
            prefix = offer_line(framework, lot, product) + " from "
            return [
                e
                for e in reader.history(Kind.PRODUCT, product)
                if e.kind is Kind.OFFER and e.key.startswith(prefix)
            ]
    if len(code) != 1:
        raise UsageError(f"give one {kind.label} code, not “{text}”")
    return reader.history(kind, text)


def _when(entry: HistoryEntry) -> str:
    moment = entry.occurred_at.astimezone()
    return f"{moment.day} {moment:%b %Y %H:%M}"


def catalogue_export(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    check_output(ctx, args.out, args.force)
    sheets = _sheets()
    summary = sheets.CatalogueSheets(ctx).export(
        args.out, overwrite=args.force, protected=protected_paths(ctx)
    )
    out.write(as_json(summary.to_dict()) if args.format == "json" else summary.sentence() + ".\n")


def catalogue_import(ctx: AppContext, args: argparse.Namespace, out: TextIO) -> None:
    sheets = _sheets()
    try:
        report = sheets.CatalogueSheets(ctx).import_book(args.file, dry_run=args.dry_run)
    except sheets.CatalogueImportRejected as exc:
        # every bad cell on its own line; the sentence that follows says nothing changed
        err = sys.stderr
        for problem in exc.problems:
            err.write(f"  {exc.source}, {problem}\n")
        raise
    if args.format == "json":
        out.write(as_json(report.to_dict()))
        return
    out.write(report.headline() + "\n")
    if not report.changed:
        return
    out.write("\n")
    width = max(len(c.sheet) for c in report.counts)
    out.write(f"{'Sheet'.ljust(width)}  {'Rows':>6}  Added  Changed  Withdrawn\n")
    for c in report.counts:
        out.write(
            f"{c.sheet.ljust(width)}  {c.rows:>6,}  {c.added:>5,}  {c.changed:>7,}"
            f"  {c.withdrawn:>9,}\n"
        )
    out.write("\n")
    for line in report.lines:
        out.write(f"{line}\n")


# -- output -----------------------------------------------------------------------------------


def _report(
    out: TextIO,
    fmt: str,
    result: EditResult,
    *,
    unchanged: str = "nothing changed",
    touches: str | None = None,
    extra: dict[str, int] | None = None,
) -> None:
    if fmt == "json":
        document: dict[str, Any] = {
            "changes": [
                {
                    "kind": c.kind.value,
                    "key": c.key,
                    "action": c.action,
                    "outcome": _sheets().outcome_of(c),
                    "summary": _sheets().describe(c),
                    "before": snapshot(c.before) if c.before else None,
                    "after": snapshot(c.after) if c.after else None,
                }
                for c in result.changes
            ]
        }
        if extra is not None:
            document["touches"] = extra
        out.write(as_json(document))
        return
    if touches is not None and result.changed:
        record = result.changes[0].after
        assert record is not None
        out.write(f"{_capital(_sheets().title_of(record))} touches {touches}.\n")
    if not result.changed:
        out.write(_capital(unchanged) + ".\n")
    for c in result.changes:
        out.write(_capital(_sheets().describe(c)) + ".\n")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _as_dict(touches: Consequences) -> dict[str, int]:
    return asdict(touches)
