"""Load the reference catalogue from ``db/reference/`` into a database.

The loader validates every record before it writes anything; an error names
the file, the record and the field. Loading is idempotent: a record whose
natural key (code, CPV code, framework reference) is already present is left
as it is, so ``db seed`` can be run again safely.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.enums import BuyerKind, ForceKind, ProductStatus, SupplierStatus
from catalogue_app.domain.errors import ReferenceDataError, ValidationError
from catalogue_app.domain.money import parse_money
from catalogue_app.domain.pricing import FIRST_PRICE_DAY, PriceBreak, validate_price_breaks
from catalogue_app.domain.text import join_tags
from catalogue_app.paths import reference_dir


@dataclass
class LoadReport:
    added: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, n: int = 1) -> None:
        self.added[kind] = self.added.get(kind, 0) + n

    @property
    def total(self) -> int:
        return sum(self.added.values())


class _Record:
    """One record of a reference file, with typed accessors that name their field."""

    def __init__(self, file: str, where: str, data: dict[str, Any]) -> None:
        self.file, self.where, self.data = file, where, data

    def error(self, fld: str, message: str) -> ReferenceDataError:
        return ReferenceDataError(f"{self.file}, {self.where}, field “{fld}”: {message}")

    def text(self, fld: str, *, required: bool = True) -> str:
        value = self.data.get(fld)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(fld, "is missing")
            return ""
        if not isinstance(value, str):
            raise self.error(fld, f"must be text, not {value!r}")
        return value.strip()

    def optional_text(self, fld: str) -> str | None:
        return self.text(fld, required=False) or None

    def integer(self, fld: str, default: int | None = None) -> int:
        value = self.data.get(fld, default)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(fld, f"must be a whole number, not {value!r}")
        return value

    def money(self, fld: str, *, required: bool = True) -> Decimal | None:
        value = self.data.get(fld)
        if value is None or value == "":
            if required:
                raise self.error(fld, "is missing")
            return None
        if not isinstance(value, str):
            raise self.error(fld, f'must be written as a string such as "12.50", not {value!r}')
        try:
            return parse_money(value, field=fld)
        except ValidationError as exc:
            raise self.error(fld, str(exc)) from None

    def decimal(self, fld: str) -> Decimal | None:
        value = self.data.get(fld)
        if value in (None, ""):
            return None
        try:
            return Decimal(str(value)).quantize(Decimal("0.01"))
        except ArithmeticError:
            raise self.error(fld, f"{value!r} is not a number") from None

    def day(self, fld: str, *, required: bool = True) -> date | None:
        value = self.data.get(fld)
        if value in (None, ""):
            if required:
                raise self.error(fld, "is missing")
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.error(fld, f"{value!r} is not a date written YYYY-MM-DD") from None

    def boolean(self, fld: str, default: bool) -> bool:
        value = self.data.get(fld, default)
        if not isinstance(value, bool):
            raise self.error(fld, f"must be true or false, not {value!r}")
        return value

    def choice(self, fld: str, allowed: type[Any]) -> str:
        value = self.text(fld)
        names = [e.value for e in allowed]
        if value not in names:
            raise self.error(fld, f"“{value}” is not one of {', '.join(names)}")
        return value

    def items(self, fld: str) -> list[Any]:
        value = self.data.get(fld, [])
        if not isinstance(value, list):
            raise self.error(fld, "must be a list")
        return value


def _json_records(folder: Path, name: str) -> Iterator[_Record]:
    path = folder / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(f"{path}: the reference file is missing") from None
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(f"{name}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, list):
        raise ReferenceDataError(f"{name}: expected a list of records")
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ReferenceDataError(f"{name}, record {n}: expected an object")
        yield _Record(name, f"record {n}", item)


def _csv_records(folder: Path, name: str) -> Iterator[_Record]:
    path = folder / name
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise ReferenceDataError(f"{path}: the reference file is missing") from None
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        yield _Record(name, f"row {n}", row)


def _nested(parent: _Record, fld: str, label: str) -> Iterator[_Record]:
    for n, item in enumerate(parent.items(fld), start=1):
        if not isinstance(item, dict):
            raise parent.error(fld, f"{label} {n} must be an object")
        yield _Record(parent.file, f"{parent.where}, {label} {n}", item)


class _Lookup:
    """Natural key → row id for one table, filled from the database as needed."""

    def __init__(self, session: Session, column: Any, what: str) -> None:
        self.session, self.column, self.what = session, column, what
        entity = column.class_
        self.ids: dict[str, int] = dict(session.execute(select(column, entity.id)).all())

    def __contains__(self, key: str) -> bool:
        return key in self.ids

    def add(self, key: str, row_id: int) -> None:
        self.ids[key] = row_id

    def get(self, record: _Record, fld: str, key: str | None = None) -> int:
        key = key if key is not None else record.text(fld)
        try:
            return self.ids[key]
        except KeyError:
            raise record.error(fld, f"no {self.what} has the code “{key}”") from None


def load_reference(session: Session, folder: Path | None = None) -> LoadReport:
    """Insert every reference record not yet in the database, in ``session``'s transaction."""
    folder = folder or reference_dir()
    report = LoadReport()
    cpv_labels = _cpv_labels(folder)

    regions = _Lookup(session, m.Region.code, "region")
    for r in _csv_records(folder, "regions.csv"):
        code = r.text("code")
        if code not in regions:
            row = m.Region(code=code, name=r.text("name"), nation=r.text("nation"))
            _add(session, row, regions, code, report, "regions")

    forces = _Lookup(session, m.Force.code, "force")
    for r in _csv_records(folder, "forces.csv"):
        code = r.text("code")
        if code in forces:
            continue
        region_code = r.text("region", required=False)
        row = m.Force(
            code=code,
            name=r.text("name"),
            short_name=r.text("short_name"),
            welsh_name=r.optional_text("welsh_name"),
            kind=r.choice("kind", ForceKind),
            region_id=regions.get(r, "region", region_code) if region_code else None,
            officer_fte=r.decimal("officer_fte"),
            source=r.text("source", required=False),
        )
        _add(session, row, forces, code, report, "forces")

    collaborations = _Lookup(session, m.Collaboration.code, "collaboration")
    for r in _json_records(folder, "collaborations.json"):
        code = r.text("code")
        if code in collaborations:
            continue
        row = m.Collaboration(
            code=code,
            name=r.text("name"),
            lead_force_id=forces.get(r, "lead_force") if r.data.get("lead_force") else None,
            description=r.text("description", required=False),
            source=r.text("source", required=False),
        )
        for mem in _nested(r, "members", "member"):
            row.members.append(
                m.CollaborationMember(
                    force_id=forces.get(mem, "force"),
                    joined_on=mem.day("joined_on"),
                    left_on=mem.day("left_on", required=False),
                )
            )
        if not row.members:
            raise r.error("members", "a collaboration needs at least one member")
        _add(session, row, collaborations, code, report, "collaborations")

    suppliers = _Lookup(session, m.Supplier.code, "supplier")
    for r in _json_records(folder, "suppliers.json"):
        code = r.text("code")
        if code in suppliers:
            continue
        supplier = m.Supplier(
            code=code,
            name=r.text("name"),
            companies_house_number=r.optional_text("companies_house_number"),
            status=r.choice("status", SupplierStatus),
            source=r.text("source", required=False),
            illustrative=r.boolean("illustrative", False),
        )
        if supplier.companies_house_number:
            supplier.identifiers.append(
                m.SupplierIdentifier(scheme="GB-COH", identifier=supplier.companies_house_number)
            )
        _add(session, supplier, suppliers, code, report, "suppliers")

    categories = _Lookup(session, m.Category.cpv_code, "category")
    for r in _json_records(folder, "categories.json"):
        cpv = r.text("cpv")
        if cpv in categories:
            continue
        if cpv not in cpv_labels:
            raise r.error("cpv", f"“{cpv}” is not a CPV 2008 code")
        row = m.Category(cpv_code=cpv, label=cpv_labels[cpv], group_name=r.text("group"))
        _add(session, row, categories, cpv, report, "categories")

    products = _Lookup(session, m.Product.code, "product")
    product_supplier: dict[str, int] = {}
    for r in _json_records(folder, "products.json"):
        code = r.text("code")
        if code in products:
            continue
        accredited_from = r.day("accredited_from", required=False)
        accredited_to = r.day("accredited_to", required=False)
        if accredited_from and accredited_to and accredited_to < accredited_from:
            raise r.error("accredited_to", "ends before accreditation starts")
        product = m.Product(
            code=code,
            name=r.text("name"),
            supplier_id=suppliers.get(r, "supplier"),
            category_id=categories.get(r, "category"),
            description=r.text("description", required=False),
            status=r.choice("status", ProductStatus),
            accredited_from=accredited_from,
            accredited_to=accredited_to,
            unit=r.text("unit"),
            list_price=r.money("list_price"),
            tags=join_tags([str(t) for t in r.items("tags")]),
            source=r.text("source", required=False),
            illustrative=r.boolean("illustrative", True),
        )
        product.prices.append(
            m.ProductPrice(
                effective_from=accredited_from or FIRST_PRICE_DAY, list_price=product.list_price
            )
        )
        _add(session, product, products, code, report, "products")
        product_supplier[code] = product.supplier_id
    for code, supplier_id in session.execute(select(m.Product.code, m.Product.supplier_id)):
        product_supplier.setdefault(code, supplier_id)

    frameworks = _Lookup(session, m.Framework.reference, "framework")
    for r in _json_records(folder, "frameworks.json"):
        ref = r.text("reference")
        if ref in frameworks:
            continue
        row = _framework(session, r, suppliers, products, product_supplier, report)
        _add(session, row, frameworks, ref, report, "frameworks")

    for r in _json_records(folder, "savings_targets.json"):
        _savings_target(session, r, forces, collaborations, report)
    return report


def _framework(
    session: Session,
    r: _Record,
    suppliers: _Lookup,
    products: _Lookup,
    product_supplier: dict[str, int],
    report: LoadReport,
) -> m.Framework:
    start, end = r.day("start_date"), r.day("end_date")
    assert start is not None and end is not None
    if end < start:
        raise r.error("end_date", "is before the start date")
    count, taken = r.integer("extension_count", 0), r.integer("extensions_taken", 0)
    if not 0 <= taken <= count:
        raise r.error("extensions_taken", f"{taken} is more than the {count} options")
    fw = m.Framework(
        reference=r.text("reference"),
        title=r.text("title"),
        owner=r.text("owner"),
        agreement_type=r.text("agreement_type"),
        start_date=start,
        end_date=end,
        extension_count=count,
        extension_months=r.integer("extension_months", 0),
        extensions_taken=taken,
        max_value=r.money("max_value", required=False),
        description=r.text("description", required=False),
        source=r.text("source", required=False),
        illustrative=r.boolean("illustrative", True),
    )
    lot_numbers: set[str] = set()
    for lr in _nested(r, "lots", "lot"):
        number = lr.text("number")
        if number in lot_numbers:
            raise lr.error("number", f"lot {number} appears twice")
        lot_numbers.add(number)
        supplier_ids = [suppliers.get(lr, "suppliers", str(code)) for code in lr.items("suppliers")]
        lot = m.Lot(
            number=number,
            title=lr.text("title"),
            direct_award=lr.boolean("direct_award", False),
            further_competition=lr.boolean("further_competition", True),
        )
        lot.suppliers = [session.get_one(m.Supplier, sid) for sid in supplier_ids]
        lot_supplier_ids = set(supplier_ids)
        for orec in _nested(lr, "offers", "offer"):
            product_code = orec.text("product")
            product_id = products.get(orec, "product")
            if product_supplier.get(product_code) not in lot_supplier_ids:
                raise orec.error("product", f"{product_code}'s supplier is not on lot {number}")
            ceiling = orec.money("ceiling_unit_price")
            assert ceiling is not None
            breaks = [
                PriceBreak(b.integer("min_quantity"), b.money("unit_price"))  # type: ignore[arg-type]
                for b in _nested(orec, "price_breaks", "price break")
            ]
            try:
                validate_price_breaks(ceiling, breaks)
            except ValidationError as exc:
                raise orec.error("price_breaks", str(exc)) from None
            offer = m.Offer(
                product_id=product_id,
                ceiling_unit_price=ceiling,
                valid_from=orec.day("valid_from"),
                valid_to=orec.day("valid_to", required=False),
                price_breaks=[
                    m.PriceBreakRow(min_quantity=b.min_quantity, unit_price=b.unit_price)
                    for b in breaks
                ],
            )
            lot.offers.append(offer)
            report.count("offers")
        fw.lots.append(lot)
        report.count("lots")
    return fw


def _savings_target(
    session: Session,
    r: _Record,
    forces: _Lookup,
    collaborations: _Lookup,
    report: LoadReport,
) -> None:
    kind = r.choice("buyer_kind", BuyerKind)
    lookup = forces if kind == BuyerKind.FORCE else collaborations
    buyer_id = lookup.get(r, "buyer")
    start, end = r.day("period_start"), r.day("period_end")
    buyer_column = (
        m.SavingsTarget.buyer_force_id
        if kind == BuyerKind.FORCE
        else m.SavingsTarget.buyer_collaboration_id
    )
    exists = session.scalar(
        select(m.SavingsTarget.id).where(
            buyer_column == buyer_id, m.SavingsTarget.period_start == start
        )
    )
    if exists:
        return
    amount, upper = r.money("amount"), r.money("amount_upper", required=False)
    if upper is not None and amount is not None and upper < amount:
        raise r.error("amount_upper", "is less than amount")
    session.add(
        m.SavingsTarget(
            buyer_force_id=buyer_id if kind == BuyerKind.FORCE else None,
            buyer_collaboration_id=buyer_id if kind == BuyerKind.COLLABORATION else None,
            period_start=start,
            period_end=end,
            amount=amount,
            amount_upper=upper,
            description=r.text("description", required=False),
            source=r.text("source", required=False),
        )
    )
    report.count("savings targets")


def _add(
    session: Session, row: Any, lookup: _Lookup, key: str, report: LoadReport, kind: str
) -> None:
    session.add(row)
    session.flush()
    lookup.add(key, row.id)
    report.count(kind)


_cpv_cache: dict[Path, dict[str, str]] = {}


def cpv_vocabulary() -> dict[str, str]:
    """The CPV 2008 codes with their English labels (code with check digit → label)."""
    return _cpv_labels(reference_dir())


def _cpv_labels(folder: Path) -> dict[str, str]:
    path = folder / "cpv-2008-en.json"
    if path not in _cpv_cache:
        try:
            _cpv_cache[path] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ReferenceDataError(f"{path}: cannot read the CPV vocabulary ({exc})") from None
    return _cpv_cache[path]
