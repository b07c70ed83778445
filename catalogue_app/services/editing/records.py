"""The editable kinds of catalogue record, their fields, and reading them from text.

One description per kind serves every way in: the desktop forms lay their fields
out from it, the command line names its options after it, the spreadsheet
round-trip uses its field names as column headings. :func:`parse_record` turns
raw values (typed text, spreadsheet cells) into a record, or into every problem
found, each naming its field, so a form can show each problem next to its field
and a spreadsheet import can name sheet, row and column.

A record holds everything an edit can change, so "what changed" is a comparison
of two records and undo is writing the record as it was before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from catalogue_app.domain.enums import ProductStatus, SupplierStatus
from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import parse_money, parse_unit_price
from catalogue_app.domain.numbers import parse_whole_number, shown
from catalogue_app.domain.pricing import PriceBreak, validate_price_breaks


class Kind(StrEnum):
    SUPPLIER = "supplier"
    PRODUCT = "product"
    FRAMEWORK = "framework"
    LOT = "lot"
    OFFER = "offer"

    @property
    def label(self) -> str:
        return self.value

    @property
    def plural(self) -> str:
        return f"{self.value}s"


class FieldType(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long text"  # several lines
    MONEY = "money"
    OPTIONAL_MONEY = "optional money"
    DATE = "date"
    OPTIONAL_DATE = "optional date"
    WHOLE = "whole number"
    YES_NO = "yes/no"
    CHOICE = "choice"
    LIST = "list"  # several values separated by ";" (or "," for tags)
    PRICE_BREAKS = "price breaks"
    REFERENCE = "reference"  # the code of another record (supplier, category, …)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: FieldType
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    refers_to: str | None = None  # "supplier", "category", "framework", "product", "lot"
    key: bool = False  # part of the record's identity; cannot change on edit
    help: str = ""


def _spec(*specs: FieldSpec) -> tuple[FieldSpec, ...]:
    return specs


SUPPLIER_STATUSES = tuple(s.value for s in SupplierStatus)
PRODUCT_STATUSES = tuple(s.value for s in ProductStatus)
# Routes to market, as the catalogue's frameworks name their agreements.
FRAMEWORK_ROUTES = (
    "multi-supplier framework",
    "single-supplier framework",
    "dynamic purchasing system",
    "collaborative contract",
)

SPECS: dict[Kind, tuple[FieldSpec, ...]] = {
    Kind.SUPPLIER: _spec(
        FieldSpec("code", "Code", FieldType.TEXT, True, 80, key=True),
        FieldSpec("name", "Name", FieldType.TEXT, True, 160),
        FieldSpec(
            "companies_house_number",
            "Companies House number",
            FieldType.TEXT,
            max_length=8,
            help="8 characters, such as 01234567 or SC123456",
        ),
        FieldSpec(
            "identifiers",
            "Other identifiers",
            FieldType.LIST,
            help="scheme:identifier, separated by “;” (GB-CFS:12345; GB-CHC:1089464)",
        ),
        FieldSpec("status", "Status", FieldType.CHOICE, True, choices=SUPPLIER_STATUSES),
        FieldSpec("status_reason", "Reason for the status", FieldType.LONG_TEXT),
        FieldSpec("status_since", "Status since", FieldType.OPTIONAL_DATE),
    ),
    Kind.PRODUCT: _spec(
        FieldSpec("code", "Code", FieldType.TEXT, True, 60, key=True),
        FieldSpec("name", "Name", FieldType.TEXT, True, 200),
        FieldSpec("description", "Description", FieldType.LONG_TEXT),
        FieldSpec(
            "category",
            "Category (CPV code)",
            FieldType.REFERENCE,
            True,
            refers_to="category",
            help="a CPV 2008 code such as 35815100-1",
        ),
        FieldSpec("supplier", "Supplier", FieldType.REFERENCE, True, refers_to="supplier"),
        FieldSpec("status", "Status", FieldType.CHOICE, True, choices=PRODUCT_STATUSES),
        FieldSpec("accredited_from", "Accredited from", FieldType.OPTIONAL_DATE),
        FieldSpec("accredited_to", "Accredited to", FieldType.OPTIONAL_DATE),
        FieldSpec("unit", "Unit", FieldType.TEXT, True, 60, help="what one is: licence, vest, car"),
        FieldSpec("list_price", "List price", FieldType.MONEY, True),
        FieldSpec(
            "price_from",
            "List price in force from",
            FieldType.DATE,
            True,
            help="a new price applies to purchases ordered on or after this day",
        ),
        FieldSpec("tags", "Tags", FieldType.LIST, help="separated by commas"),
    ),
    Kind.FRAMEWORK: _spec(
        FieldSpec("reference", "Reference", FieldType.TEXT, True, 40, key=True),
        FieldSpec("title", "Title", FieldType.TEXT, True, 200),
        FieldSpec("owner", "Owner", FieldType.TEXT, True, 120, help="who let the framework"),
        FieldSpec("route", "Route to market", FieldType.CHOICE, True, 60, choices=FRAMEWORK_ROUTES),
        FieldSpec("start_date", "Starts", FieldType.DATE, True),
        FieldSpec("end_date", "Ends", FieldType.DATE, True, help="before any extension"),
        FieldSpec("extension_count", "Extension options", FieldType.WHOLE),
        FieldSpec("extension_months", "Months per extension", FieldType.WHOLE),
        FieldSpec("extensions_taken", "Extensions taken", FieldType.WHOLE),
        FieldSpec("max_value", "Maximum value", FieldType.OPTIONAL_MONEY),
        FieldSpec("description", "Description", FieldType.LONG_TEXT),
        FieldSpec("withdrawn_on", "Withdrawn on", FieldType.OPTIONAL_DATE),
        FieldSpec("withdrawn_reason", "Reason for withdrawal", FieldType.LONG_TEXT),
    ),
    Kind.LOT: _spec(
        FieldSpec(
            "framework", "Framework", FieldType.REFERENCE, True, refers_to="framework", key=True
        ),
        FieldSpec("number", "Lot number", FieldType.TEXT, True, 10, key=True),
        FieldSpec("title", "Title", FieldType.TEXT, True, 200),
        FieldSpec(
            "suppliers",
            "Suppliers",
            FieldType.LIST,
            refers_to="supplier",
            help="supplier codes separated by “;”",
        ),
        FieldSpec("direct_award", "Direct award allowed", FieldType.YES_NO),
        FieldSpec("further_competition", "Further competition allowed", FieldType.YES_NO),
        FieldSpec("withdrawn_on", "Withdrawn on", FieldType.OPTIONAL_DATE),
    ),
    Kind.OFFER: _spec(
        FieldSpec(
            "framework", "Framework", FieldType.REFERENCE, True, refers_to="framework", key=True
        ),
        FieldSpec("lot", "Lot", FieldType.REFERENCE, True, refers_to="lot", key=True),
        FieldSpec("product", "Product", FieldType.REFERENCE, True, refers_to="product", key=True),
        FieldSpec(
            "valid_from",
            "Prices from",
            FieldType.DATE,
            True,
            key=True,
            help="purchases ordered before this day keep the prices they were made at",
        ),
        FieldSpec("valid_to", "Prices until", FieldType.OPTIONAL_DATE),
        FieldSpec("ceiling_price", "Ceiling unit price", FieldType.MONEY, True),
        FieldSpec(
            "price_breaks",
            "Price breaks",
            FieldType.PRICE_BREAKS,
            help="quantity:unit price, separated by commas (1000:440.00, 3000:425.00)",
        ),
    ),
}


def spec_of(kind: Kind, name: str) -> FieldSpec:
    for f in SPECS[kind]:
        if f.name == name:
            return f
    raise KeyError(name)


# -- the records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierRecord:
    code: str
    name: str
    companies_house_number: str = ""
    identifiers: tuple[str, ...] = ()  # "SCHEME:ID", sorted
    status: str = SupplierStatus.ACTIVE.value
    status_reason: str = ""
    status_since: date | None = None

    @property
    def key(self) -> str:
        return self.code


@dataclass(frozen=True)
class ProductRecord:
    code: str
    name: str
    category: str
    supplier: str
    status: str
    unit: str
    list_price: Decimal
    price_from: date
    description: str = ""
    accredited_from: date | None = None
    accredited_to: date | None = None
    tags: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.code


@dataclass(frozen=True)
class FrameworkRecord:
    reference: str
    title: str
    owner: str
    route: str
    start_date: date
    end_date: date
    extension_count: int = 0
    extension_months: int = 0
    extensions_taken: int = 0
    max_value: Decimal | None = None
    description: str = ""
    withdrawn_on: date | None = None
    withdrawn_reason: str = ""

    @property
    def key(self) -> str:
        return self.reference


@dataclass(frozen=True)
class LotRecord:
    framework: str
    number: str
    title: str
    suppliers: tuple[str, ...] = ()  # supplier codes, sorted
    direct_award: bool = False
    further_competition: bool = True
    withdrawn_on: date | None = None

    @property
    def key(self) -> str:
        return lot_key(self.framework, self.number)


@dataclass(frozen=True)
class OfferRecord:
    """One version of the prices a lot offers a product at, from ``valid_from``."""

    framework: str
    lot: str
    product: str
    valid_from: date
    ceiling_price: Decimal
    valid_to: date | None = None
    price_breaks: tuple[PriceBreak, ...] = field(default=())

    @property
    def key(self) -> str:
        return offer_key(self.framework, self.lot, self.product, self.valid_from)

    @property
    def line(self) -> str:
        """The (framework, lot, product) whose versions this is one of."""
        return offer_line(self.framework, self.lot, self.product)


Record = SupplierRecord | ProductRecord | FrameworkRecord | LotRecord | OfferRecord

RECORD_TYPES: dict[Kind, type[Any]] = {
    Kind.SUPPLIER: SupplierRecord,
    Kind.PRODUCT: ProductRecord,
    Kind.FRAMEWORK: FrameworkRecord,
    Kind.LOT: LotRecord,
    Kind.OFFER: OfferRecord,
}


def kind_of(record: Record) -> Kind:
    for kind, cls in RECORD_TYPES.items():
        if isinstance(record, cls):
            return kind
    raise TypeError(type(record).__name__)


def lot_key(framework: str, number: str) -> str:
    return f"{framework} lot {number}"


def offer_line(framework: str, lot: str, product: str) -> str:
    return f"{framework} lot {lot} · {product}"


def offer_key(framework: str, lot: str, product: str, valid_from: date) -> str:
    return f"{offer_line(framework, lot, product)} from {valid_from.isoformat()}"


# -- plain values: audit log, spreadsheet cells, form fields -----------------------------------


def plain(value: object) -> Any:
    """A field's value as the audit log and the JSON output keep it."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        if value and isinstance(value[0], PriceBreak):
            return format_breaks(value)
        return list(value)
    return value


def snapshot(record: Record) -> dict[str, Any]:
    return {f.name: plain(getattr(record, f.name)) for f in fields(record)}


def as_text(record: Record, name: str) -> str:
    """A field's value as a form or a spreadsheet cell shows it."""
    value = getattr(record, name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        if value and isinstance(value[0], PriceBreak):
            return format_breaks(value)
        return (", " if name == "tags" else "; ").join(value)
    return str(value)


def format_breaks(breaks: Sequence[PriceBreak]) -> str:
    return ", ".join(f"{b.min_quantity}:{b.unit_price:.2f}" for b in breaks)


# -- reading raw values ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return self.message


class RecordInvalid(ValidationError):
    """Every problem found in one record's values, each naming its field."""

    def __init__(self, kind: Kind, problems: Sequence[FieldProblem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first.message}{more}", field=first.field)
        self.kind = kind
        self.problems = list(problems)
        # the record refused, when several were written together (set by the editor's apply)
        self.record: Record | None = None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_COMPANY_NUMBER = re.compile(r"(\d{8}|[A-Z]{2}\d{6})")
_IDENTIFIER = re.compile(r"([A-Z]{2}-[A-Z0-9]{2,10}):(\S.{0,78})")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: object, label: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"{label} “{shown(value)}” is not a date written YYYY-MM-DD")


def _yes_no(value: object, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"{label} “{shown(value)}” is not yes or no")


def parse_breaks(value: object, label: str = "price breaks") -> tuple[PriceBreak, ...]:
    """``"1000:440.00, 3000:425.00"`` as price breaks, in rising quantity."""
    text = _text(value)
    if not text:
        return ()
    breaks = []
    for n, part in enumerate(re.split(r"[,;]\s*(?=\d)", text), start=1):
        quantity, sep, price = part.strip().partition(":")
        if not sep:
            raise ValueError(
                f"{label}: break {n} “{part.strip()}” is not quantity:unit price (1000:440.00)"
            )
        breaks.append(
            PriceBreak(
                parse_whole_number(quantity.strip(), field=f"{label}: break {n} quantity"),
                parse_unit_price(price.strip(), field=f"{label}: break {n} unit price"),
            )
        )
    return tuple(breaks)


def split_breaks(
    breaks: Sequence[PriceBreak], ceiling: Decimal | None
) -> tuple[Decimal | None, tuple[PriceBreak, ...]]:
    """A break at quantity 1 is the ceiling price (``offers set --price-breaks 1:450.00,…``)."""
    rest = tuple(b for b in breaks if b.min_quantity > 1)
    ones = [b for b in breaks if b.min_quantity <= 1]
    if ones:
        ceiling = ones[0].unit_price
    return ceiling, rest


def _list(value: object, name: str) -> tuple[str, ...]:
    separator = "," if name == "tags" else ";"
    items = [p.strip() for p in _text(value).split(separator)]
    unique = sorted(set(p for p in items if p), key=str.lower)
    return tuple(unique)


def _read(spec: FieldSpec, raw: object) -> Any:
    label = spec.label.lower() if not spec.label.isupper() else spec.label
    if _blank(raw):
        if spec.required:
            raise ValueError(f"give the {label}")
        if spec.type in (FieldType.YES_NO,):
            return None
        if spec.type is FieldType.WHOLE:
            return 0
        if spec.type in (FieldType.LIST, FieldType.PRICE_BREAKS):
            return ()
        if spec.type in (FieldType.OPTIONAL_DATE, FieldType.OPTIONAL_MONEY):
            return None
        return ""
    match spec.type:
        case FieldType.MONEY:
            return parse_unit_price(raw, field=label)
        case FieldType.OPTIONAL_MONEY:
            return parse_money(raw, field=label)
        case FieldType.DATE | FieldType.OPTIONAL_DATE:
            return _date(raw, label)
        case FieldType.WHOLE:
            return parse_whole_number(raw, field=label, minimum=0, maximum=1000)
        case FieldType.YES_NO:
            return _yes_no(raw, label)
        case FieldType.CHOICE:
            text = _text(raw)
            for choice in spec.choices:
                if text.lower() == choice.lower():
                    return choice
            raise ValueError(f"{label} “{shown(raw)}” is not one of: {', '.join(spec.choices)}")
        case FieldType.LIST:
            return _list(raw, spec.name)
        case FieldType.PRICE_BREAKS:
            return parse_breaks(raw, label)
        case _:
            text = _text(raw)
            if spec.max_length is not None and len(text) > spec.max_length:
                raise ValueError(f"{label} is longer than {spec.max_length} characters")
            return text


def parse_record(kind: Kind, values: Mapping[str, object]) -> Record:
    """A record of ``kind`` from raw values, or :class:`RecordInvalid` listing every problem.

    Checks each field on its own and the rules between fields; whether the codes it
    refers to exist is the editor's check, against the database.
    """
    problems: list[FieldProblem] = []
    parsed: dict[str, Any] = {}
    for spec in SPECS[kind]:
        try:
            parsed[spec.name] = _read(spec, values.get(spec.name))
        except (ValueError, ValidationError) as exc:
            problems.append(FieldProblem(spec.name, str(exc)))
    try:
        # the rules between fields, as far as the fields they compare could be read
        cross = _cross_checks(kind, parsed)
    except KeyError:
        cross = []
    named = {p.field for p in problems}
    problems.extend(p for p in cross if p.field not in named)
    if problems:
        raise RecordInvalid(kind, problems)
    defaults = {"direct_award": False, "further_competition": True}
    for name, default in defaults.items():
        if name in parsed and parsed[name] is None:
            parsed[name] = default
    return RECORD_TYPES[kind](**parsed)  # type: ignore[no-any-return]


def _cross_checks(kind: Kind, v: dict[str, Any]) -> list[FieldProblem]:
    out: list[FieldProblem] = []
    if kind is Kind.SUPPLIER:
        number = v["companies_house_number"].upper()
        v["companies_house_number"] = number
        if number and not _COMPANY_NUMBER.fullmatch(number):
            out.append(
                FieldProblem(
                    "companies_house_number",
                    f"Companies House number “{number}” is not 8 characters such as "
                    "01234567 or SC123456",
                )
            )
        for ident in v["identifiers"]:
            if not _IDENTIFIER.fullmatch(ident):
                out.append(
                    FieldProblem(
                        "identifiers",
                        f"identifier “{ident}” is not scheme:identifier, such as GB-CFS:12345",
                    )
                )
                break
        if v["status"] != SupplierStatus.ACTIVE.value and not v["status_reason"]:
            out.append(FieldProblem("status_reason", f"say why the supplier is {v['status']}"))
        if v["status"] != SupplierStatus.ACTIVE.value and v["status_since"] is None:
            out.append(FieldProblem("status_since", f"say since when it is {v['status']}"))
    elif kind is Kind.PRODUCT:
        start, end = v["accredited_from"], v["accredited_to"]
        if start and end and end < start:
            out.append(FieldProblem("accredited_to", "accreditation ends before it starts"))
    elif kind is Kind.FRAMEWORK:
        if v["end_date"] < v["start_date"]:
            out.append(FieldProblem("end_date", "the framework ends before it starts"))
        if v["extensions_taken"] > v["extension_count"]:
            out.append(
                FieldProblem(
                    "extensions_taken",
                    f"{v['extensions_taken']} extensions taken but only "
                    f"{v['extension_count']} were offered",
                )
            )
        if v["extension_count"] and not v["extension_months"]:
            out.append(FieldProblem("extension_months", "give the months each extension adds"))
        if v["withdrawn_on"] is not None and not v["withdrawn_reason"]:
            out.append(FieldProblem("withdrawn_reason", "say why the framework was withdrawn"))
    elif kind is Kind.OFFER:
        ceiling, breaks = split_breaks(v["price_breaks"], v["ceiling_price"])
        v["ceiling_price"], v["price_breaks"] = ceiling, breaks
        try:
            validate_price_breaks(ceiling or Decimal(0), list(breaks))
        except ValidationError as exc:
            out.append(FieldProblem("price_breaks", str(exc)))
        if v["valid_to"] is not None and v["valid_to"] < v["valid_from"]:
            out.append(FieldProblem("valid_to", "the prices end before they start"))
    return out


def record_values(record: Record) -> dict[str, str]:
    """Every field of ``record`` as text, the inverse of :func:`parse_record`."""
    return {f.name: as_text(record, f.name) for f in SPECS[kind_of(record)]}
