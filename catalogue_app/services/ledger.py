"""Reading the purchase ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import aliased

from catalogue_app.db import models as m
from catalogue_app.domain.errors import CatalogueError, NotFoundError
from catalogue_app.services.database import Database
from catalogue_app.services.dto import Row
from catalogue_app.services.purchases import TEMPLATE_COLUMNS

P = m.Purchase


@dataclass(frozen=True)
class LedgerLine(Row):
    id: str
    order_date: date
    order_reference: str
    buyer: str
    product_code: str
    product: str
    supplier: str
    route: str
    quantity: int
    unit_price: Decimal
    baseline_unit_price: Decimal
    status: str

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def saving(self) -> Decimal:
        return (self.baseline_unit_price - self.unit_price) * self.quantity


@dataclass(frozen=True)
class Buyer:
    kind: str  # "force" or "collaboration"
    id: int
    code: str
    name: str


def find_buyer(session, code: str) -> Buyer:  # type: ignore[no-untyped-def]
    force = session.execute(
        select(m.Force.id, m.Force.name).where(m.Force.code == code)
    ).one_or_none()
    if force:
        return Buyer("force", force.id, code, force.name)
    collab = session.execute(
        select(m.Collaboration.id, m.Collaboration.name).where(m.Collaboration.code == code)
    ).one_or_none()
    if collab:
        return Buyer("collaboration", collab.id, code, collab.name)
    raise NotFoundError(f"no force or collaboration has the code “{code}”")


def ledger_statement(
    buyer: Buyer | None, start: date | None, end: date | None, status: str = "active"
) -> Select:
    fw = aliased(m.Framework)
    buyer_name = func.coalesce(m.Force.name, m.Collaboration.name)
    route = func.coalesce(fw.reference + literal(" lot ") + m.Lot.number, literal("off-framework"))
    stmt = (
        select(
            P.id,
            P.order_date,
            P.order_reference,
            buyer_name,
            m.Product.code,
            m.Product.name,
            m.Supplier.name,
            route,
            P.quantity,
            P.unit_price,
            P.baseline_unit_price,
            P.status,
        )
        .join(m.Product, P.product_id == m.Product.id)
        .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
        .outerjoin(m.Force, P.buyer_force_id == m.Force.id)
        .outerjoin(m.Collaboration, P.buyer_collaboration_id == m.Collaboration.id)
        .outerjoin(m.Lot, P.lot_id == m.Lot.id)
        .outerjoin(fw, m.Lot.framework_id == fw.id)
        .order_by(P.order_date, P.order_reference, P.id)
    )
    if status != "all":
        stmt = stmt.where(P.status == status)
    if start is not None:
        stmt = stmt.where(P.order_date >= start)
    if end is not None:
        stmt = stmt.where(P.order_date <= end)
    if buyer is not None and buyer.kind == "force":
        # a force's own purchases, and the joint purchases it has a share of
        shared = select(m.PurchaseShare.purchase_id).where(m.PurchaseShare.force_id == buyer.id)
        stmt = stmt.where(or_(P.buyer_force_id == buyer.id, P.id.in_(shared)))
    elif buyer is not None:
        stmt = stmt.where(P.buyer_collaboration_id == buyer.id)
    return stmt


class LedgerService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def lines(
        self,
        buyer_code: str | None = None,
        start: date | None = None,
        end: date | None = None,
        *,
        status: str = "active",
        limit: int | None = None,
    ) -> list[LedgerLine]:
        with self.db.transaction() as s:
            buyer = find_buyer(s, buyer_code) if buyer_code else None
            stmt = ledger_statement(buyer, start, end, status)
            if limit is not None:
                stmt = stmt.limit(limit)
            return [LedgerLine(*row) for row in s.execute(stmt)]


# What an import reads, then what only an export tells.
EXPORT_COLUMNS = [
    *TEMPLATE_COLUMNS,
    "status",
    "void_reason",
    "supplier",
    "total",
    "saving",
    "recorded_by",
    "recorded_at",
]
MONEY_COLUMNS = {"unit_price", "baseline_unit_price", "total", "saving"}


def export_records(session, scope: Select) -> list[dict]:  # type: ignore[no-untyped-def]
    """The purchases ``scope`` selects, with the codes an import needs (export → import
    round-trips)."""
    fw = aliased(m.Framework)
    stmt = (
        select(
            P.id,
            P.order_reference,
            func.coalesce(m.Force.code, m.Collaboration.code),
            m.Product.code,
            fw.reference,
            m.Lot.number,
            P.quantity,
            P.unit_price,
            P.baseline_unit_price,
            P.order_date,
            P.notes,
            P.status,
            P.void_reason,
            m.Supplier.name,
            P.recorded_by,
            P.recorded_at,
        )
        .join(m.Product, P.product_id == m.Product.id)
        .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
        .outerjoin(m.Force, P.buyer_force_id == m.Force.id)
        .outerjoin(m.Collaboration, P.buyer_collaboration_id == m.Collaboration.id)
        .outerjoin(m.Lot, P.lot_id == m.Lot.id)
        .outerjoin(fw, m.Lot.framework_id == fw.id)
        .order_by(P.order_date, P.order_reference, P.id)
    )
    base = scope.order_by(None).with_only_columns(P.id).subquery()
    stmt = stmt.where(P.id.in_(select(base.c.id)))
    rows = session.execute(stmt).all()
    shares: dict[str, list[tuple[str, Decimal]]] = {}
    ids = [r[0] for r in rows]
    for chunk_start in range(0, len(ids), 500):
        for pid, code, amount in session.execute(
            select(m.PurchaseShare.purchase_id, m.Force.code, m.PurchaseShare.amount)
            .join(m.Force, m.PurchaseShare.force_id == m.Force.id)
            .where(m.PurchaseShare.purchase_id.in_(ids[chunk_start : chunk_start + 500]))
            .order_by(m.Force.code)
        ):
            shares.setdefault(pid, []).append((code, amount))
    records = []
    for (
        pid,
        ref,
        buyer_code,
        product,
        framework,
        lot,
        qty,
        unit,
        baseline,
        day,
        notes,
        st,
        reason,
        supplier,
        recorded_by,
        recorded_at,
    ) in rows:
        split = ""
        if pid in shares:
            split = "custom:" + ",".join(f"{c}={a:.2f}" for c, a in shares[pid])
        records.append(
            {
                "id": pid,
                "order_reference": ref,
                "buyer": buyer_code,
                "product": product,
                "framework": framework or "",
                "lot": lot or "",
                "quantity": qty,
                "unit_price": unit,
                "baseline_unit_price": baseline,
                "order_date": day,
                "split": split,
                "notes": notes,
                "status": st,
                "void_reason": reason or "",
                "supplier": supplier,
                "total": unit * qty,
                "saving": (baseline - unit) * qty,
                "recorded_by": recorded_by,
                "recorded_at": recorded_at,
            }
        )
    return records


def write_csv(records: list[dict], path) -> None:  # type: ignore[no-untyped-def]
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        for r in records:
            writer.writerow(
                {
                    k: (
                        f"{v:.2f}"
                        if k in MONEY_COLUMNS
                        else v.isoformat()
                        if hasattr(v, "isoformat")
                        else v
                    )
                    for k, v in r.items()
                }
            )


def write_xlsx(records: list[dict], path) -> None:  # type: ignore[no-untyped-def]
    """Numbers as numbers with a currency format, dates as dates, header row, frozen panes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Purchases")
    sheet.freeze_panes = "A2"
    widths = {
        "id": 38,
        "order_reference": 22,
        "product": 20,
        "supplier": 30,
        "notes": 30,
        "recorded_at": 22,
    }
    for n, name in enumerate(EXPORT_COLUMNS, start=1):
        letter = chr(ord("A") + n - 1) if n <= 26 else "A" + chr(ord("A") + n - 27)
        sheet.column_dimensions[letter].width = widths.get(name, 14)
    bold = Font(bold=True)
    header = []
    for name in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for r in records:
        row = []
        for name in EXPORT_COLUMNS:
            value = r[name]
            if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
                value = value.replace(tzinfo=None)  # Excel has no time zones; values are UTC
            cell = WriteOnlyCell(sheet, value=value)
            if name in MONEY_COLUMNS:
                cell.number_format = '"£"#,##0.00'
            elif name == "order_date":
                cell.number_format = "yyyy-mm-dd"
            row.append(cell)
        sheet.append(row)
    book.save(path)


@dataclass(frozen=True)
class AuditEntry(Row):
    occurred_at: str
    actor: str
    action: str
    before: dict | None
    after: dict | None


class LedgerExport:
    """Exports of what a scope of the ledger holds, to CSV or XLSX."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def records(
        self,
        buyer_code: str | None = None,
        start: date | None = None,
        end: date | None = None,
        status: str = "active",
    ) -> list[dict]:
        with self.db.transaction() as s:
            buyer = find_buyer(s, buyer_code) if buyer_code else None
            return export_records(s, ledger_statement(buyer, start, end, status))

    def records_for(self, f: LedgerFilter) -> list[dict]:
        """What the Purchases view shows under filter ``f``."""
        with self.db.transaction() as s:
            return export_records(s, _filtered(s, f))

    def write(self, records: list[dict], path, fmt: str) -> None:  # type: ignore[no-untyped-def]
        try:
            (write_xlsx if fmt == "xlsx" else write_csv)(records, path)
        except OSError as exc:
            raise CatalogueError(f"cannot write {path}: {exc.strerror or exc}") from None

    def history(self, purchase_id: str) -> list[AuditEntry]:
        import json

        with self.db.transaction() as s:
            purchase = s.get(m.Purchase, purchase_id)
            if purchase is None:
                raise NotFoundError(f"no purchase has the id {purchase_id}")
            events = s.scalars(
                select(m.AuditEvent)
                .where(
                    m.AuditEvent.entity_type == "purchase", m.AuditEvent.entity_id == purchase_id
                )
                .order_by(m.AuditEvent.occurred_at, m.AuditEvent.id)
            ).all()
            entries = [
                AuditEntry(
                    e.occurred_at.isoformat(timespec="seconds"),
                    e.actor,
                    e.action,
                    json.loads(e.before) if e.before else None,
                    json.loads(e.after) if e.after else None,
                )
                for e in events
            ]
            if not any(e.action in ("create", "import") for e in entries):
                # loaded in bulk (the demo history): the record's own fields say who and when
                entries.insert(
                    0,
                    AuditEntry(
                        purchase.recorded_at.isoformat(timespec="seconds"),
                        purchase.recorded_by,
                        "create",
                        None,
                        None,
                    ),
                )
            return entries


@dataclass(frozen=True)
class LedgerFilter:
    buyer: str | None = None  # force or collaboration code
    start: date | None = None
    end: date | None = None
    status: str = "active"  # active, void or all
    product: str | None = None  # product code
    supplier: str | None = None  # supplier code
    framework: str | None = None  # framework reference, or "off-framework"


@dataclass(frozen=True)
class LedgerPage:
    lines: list[LedgerLine]
    total: int  # purchases matching
    spend: Decimal
    savings: Decimal


def _filtered(session, f: LedgerFilter) -> Select:  # type: ignore[no-untyped-def]
    buyer = find_buyer(session, f.buyer) if f.buyer else None
    stmt = ledger_statement(buyer, f.start, f.end, f.status)
    if f.product:
        stmt = stmt.where(m.Product.code == f.product)
    if f.supplier:
        stmt = stmt.where(m.Supplier.code == f.supplier)
    if f.framework == "off-framework":
        stmt = stmt.where(P.lot_id.is_(None))
    elif f.framework:
        stmt = stmt.where(
            m.Lot.framework_id.in_(
                select(m.Framework.id).where(m.Framework.reference == f.framework)
            )
        )
    return stmt


class LedgerBrowser:
    """Pages of the ledger for the Purchases view, newest first, with totals in SQL."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def page(self, f: LedgerFilter, limit: int, offset: int = 0) -> list[LedgerLine]:
        with self.db.transaction() as s:
            stmt = (
                _filtered(s, f)
                .order_by(None)
                .order_by(P.order_date.desc(), P.order_reference.desc(), P.id)
            )
            return [LedgerLine(*row) for row in s.execute(stmt.limit(limit).offset(offset))]

    def summary(self, f: LedgerFilter) -> LedgerPage:
        from catalogue_app.services.spend import SAVING, SPEND

        with self.db.transaction() as s:
            ids = _filtered(s, f).order_by(None).with_only_columns(P.id).subquery()
            count, spend, savings = s.execute(
                select(func.count(), SPEND, SAVING).where(P.id.in_(select(ids.c.id)))
            ).one()
            zero = Decimal("0.00")
            return LedgerPage([], count, spend or zero, savings or zero)
