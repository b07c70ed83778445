"""Published notices (OCDS): import, list and show.

- :mod:`.store` keeps every release as published and compiles each touched process;
- :mod:`.compile` merges a process's releases and says what kind of notice it is;
- :mod:`.buyers` matches published buyers to forces, commissioners and collaborations;
- :mod:`.suppliers` matches suppliers by scheme identifier, then by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.db.notice_models import (
    Notice,
    NoticePurchase,
    NoticeRecord,
    NoticeRelease,
    NoticeSupplier,
)
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.domain.money import format_gbp
from catalogue_app.interchange.ocds.releases import load_json
from catalogue_app.interchange.ocds.schema import schema_problems
from catalogue_app.services.context import AppContext
from catalogue_app.services.notices.compile import KINDS, StoredRelease, compile_process
from catalogue_app.services.notices.store import (
    FileReport,
    Importer,
    ImportSummary,
    Progress,
    paths_to_files,
)

__all__ = [
    "KINDS",
    "CreatedLine",
    "FileReport",
    "ImportSummary",
    "NoticeDetail",
    "NoticeQuery",
    "NoticeRow",
    "NoticeService",
]


@dataclass(frozen=True)
class NoticeQuery:
    buyer: str | None = None  # a force or collaboration code, or "other"
    kind: str | None = None
    since: date | None = None
    text: str = ""


@dataclass(frozen=True)
class NoticeRow:
    ocid: str
    kind: str
    buyer: str | None  # the matched force or collaboration code
    buyer_name: str | None  # as published
    title: str
    value: Decimal | None
    currency: str | None
    date: date | None
    publisher: str | None
    releases: int
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ocid": self.ocid,
            "kind": self.kind,
            "buyer": self.buyer,
            "buyer_name": self.buyer_name,
            "title": self.title,
            "value": None if self.value is None else str(self.value),
            "currency": self.currency,
            "date": None if self.date is None else self.date.isoformat(),
            "publisher": self.publisher,
            "releases": self.releases,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ReleaseLine:
    release_id: str
    date: datetime | None
    tags: str
    source: str
    edited: bool
    imported_at: datetime
    warnings: tuple[str, ...]
    schema_problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.release_id,
            "date": None if self.date is None else self.date.isoformat(),
            "tags": self.tags.split(",") if self.tags else [],
            "source": self.source,
            "edited_by_publisher": self.edited,
            "imported_at": self.imported_at.isoformat(),
            "warnings": list(self.warnings),
            "schema_problems": list(self.schema_problems),
        }


@dataclass(frozen=True)
class SupplierLine:
    name: str
    identifier: str | None  # "GB-COH 01234567"
    supplier_code: str | None
    matched_by: str | None
    possible_duplicate: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CreatedLine:
    """A catalogue record or purchase a notice wrote, and how to open it."""

    kind: str  # framework, lot, supplier, product, offer or purchase
    key: str  # the record's key; a purchase's product code
    label: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class NoticeDetail:
    row: NoticeRow
    description: str
    cpv: str | None
    url: str | None
    first_date: datetime | None
    framework_ocid: str | None
    framework_title: str | None  # when that framework's notice is imported too
    call_offs: tuple[tuple[str, str], ...]  # (ocid, title) of processes calling it off
    suppliers: tuple[SupplierLine, ...]
    releases: tuple[ReleaseLine, ...]
    period: tuple[date | None, date | None]
    created: tuple[CreatedLine, ...] = ()  # what it put in the catalogue and the ledger

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.row.to_dict(),
            "description": self.description,
            "cpv": self.cpv,
            "url": self.url,
            "first_date": None if self.first_date is None else self.first_date.isoformat(),
            "framework_ocid": self.framework_ocid,
            "framework_title": self.framework_title,
            "call_offs": [{"ocid": o, "title": t} for o, t in self.call_offs],
            "suppliers": [s.to_dict() for s in self.suppliers],
            "releases": [r.to_dict() for r in self.releases],
            "period": [None if d is None else d.isoformat() for d in self.period],
            "created": [c.to_dict() for c in self.created],
        }


def _row(notice: Notice) -> NoticeRow:
    return NoticeRow(
        ocid=notice.ocid,
        kind=notice.kind,
        buyer=notice.buyer_code,
        buyer_name=notice.buyer_name,
        title=notice.title,
        value=notice.value,
        currency=notice.currency,
        date=None if notice.date is None else notice.date.date(),
        publisher=notice.publisher,
        releases=notice.releases,
        warnings=tuple(json.loads(notice.warnings)),
    )


def _compiled(session: Session, notice: Notice) -> dict[str, Any]:
    """A notice's compiled release: as kept, or (a process of one release, kept without
    it) compiled again from its release."""
    if notice.compiled:
        return dict(load_json(notice.compiled))
    latest: dict[str, StoredRelease] = {}  # the publisher's latest copy of each release
    for r in session.scalars(
        select(NoticeRelease).where(NoticeRelease.ocid == notice.ocid).order_by(NoticeRelease.id)
    ):
        latest[r.release_id] = StoredRelease(
            r.release_id, r.release_date, load_json(r.data), r.publisher, []
        )
    return compile_process(notice.ocid, list(latest.values())).compiled


def _offer_parts(key: str) -> tuple[str, str, str, date] | None:
    """(framework, lot, product, first day) from an offer's key "REF lot 1 · CODE from DAY"."""
    route, _sep, rest = key.partition(" · ")
    framework, _sep, number = route.rpartition(" lot ")
    product, _sep, day = rest.rpartition(" from ")
    try:
        return framework, number, product, date.fromisoformat(day)
    except ValueError:
        return None


CREATED_ORDER = {"framework": 0, "lot": 1, "supplier": 2, "product": 3, "offer": 4}


def _created(session: Session, ocid: str) -> tuple[CreatedLine, ...]:
    """The records and purchases this notice wrote, frameworks first."""
    records = sorted(
        session.execute(
            select(NoticeRecord.kind, NoticeRecord.key).where(NoticeRecord.ocid == ocid)
        ).all(),
        key=lambda r: (CREATED_ORDER.get(r[0], 9), r[1]),
    )
    offers = {key: _offer_parts(key) for kind, key in records if kind == "offer"}
    lots = {key: key.rsplit(" lot ", 1) for kind, key in records if kind == "lot"}
    products = {key for kind, key in records if kind == "product"}
    products |= {parts[2] for parts in offers.values() if parts}
    frameworks = {key for kind, key in records if kind == "framework"}
    frameworks |= {parts[0] for parts in offers.values() if parts}
    frameworks |= {parts[0] for parts in lots.values() if len(parts) == 2}
    suppliers = {key for kind, key in records if kind == "supplier"}
    names = {
        ("supplier", code): name
        for code, name in session.execute(
            select(m.Supplier.code, m.Supplier.name).where(m.Supplier.code.in_(suppliers))
        )
    }
    names |= {
        ("product", code): name
        for code, name in session.execute(
            select(m.Product.code, m.Product.name).where(m.Product.code.in_(products))
        )
    }
    names |= {
        ("framework", ref): title
        for ref, title in session.execute(
            select(m.Framework.reference, m.Framework.title).where(
                m.Framework.reference.in_(frameworks)
            )
        )
    }

    def label(kind: str, key: str) -> str:
        if kind == "lot" and len(lots[key]) == 2:
            framework, number = lots[key]
            return f"lot {number} of {names.get(('framework', framework), framework)}"
        parts = offers.get(key) if kind == "offer" else None
        if parts is not None:
            framework, number, product, day = parts
            return (
                f"{names.get(('product', product), product)} on lot {number} of "
                f"{names.get(('framework', framework), framework)}, from {day:%-d %b %Y}"
            )
        return names.get((kind, key), key)

    lines = [CreatedLine(kind, key, label(kind, key)) for kind, key in records]
    buyer = func.coalesce(m.Force.name, m.Collaboration.name)
    for product, quantity, unit_price, day, status, who in session.execute(
        select(
            m.Product.code,
            m.Purchase.quantity,
            m.Purchase.unit_price,
            m.Purchase.order_date,
            m.Purchase.status,
            buyer,
        )
        .join(NoticePurchase, NoticePurchase.purchase_id == m.Purchase.id)
        .join(m.Product, m.Product.id == m.Purchase.product_id)
        .outerjoin(m.Force, m.Force.id == m.Purchase.buyer_force_id)
        .outerjoin(m.Collaboration, m.Collaboration.id == m.Purchase.buyer_collaboration_id)
        .where(NoticePurchase.ocid == ocid)
        .order_by(m.Purchase.order_date, m.Purchase.order_reference)
    ):
        void = " (void)" if status != "active" else ""
        lines.append(
            CreatedLine(
                "purchase",
                product,
                f"{who}: {quantity:,} × {format_gbp(unit_price)} = "
                f"{format_gbp(unit_price * quantity)}, ordered {day:%-d %b %Y}{void}",
            )
        )
    return tuple(lines)


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


class NoticeService:
    """Import, list and show notices; one transaction per file or per question."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def import_paths(
        self,
        paths: Sequence[Path],
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        check: Callable[[], None] | None = None,
    ) -> ImportSummary:
        """Import each file under ``paths``; a file that is not OCDS is refused, the rest go on."""
        files = paths_to_files(paths)
        if not dry_run:
            self.ctx.db.require_writable()
        importer = Importer(self.ctx)
        reports: list[FileReport] = []
        for path in files:
            reports.append(
                importer.import_file(path, dry_run=dry_run, progress=progress, check=check)
            )
        return ImportSummary(reports, dry_run)

    def list(self, query: NoticeQuery = NoticeQuery(), limit: int | None = None) -> list[NoticeRow]:
        if query.kind is not None and query.kind not in KINDS:
            raise ValidationError(
                f"“{query.kind}” is not a kind of notice; choose one of {', '.join(KINDS)}",
                field="kind",
            )
        statement = select(Notice)
        if query.buyer == "other":
            statement = statement.where(Notice.buyer_code.is_(None))
        elif query.buyer:
            statement = statement.where(Notice.buyer_code == query.buyer)
        if query.kind:
            statement = statement.where(Notice.kind == query.kind)
        if query.since:
            statement = statement.where(
                Notice.date >= datetime.combine(query.since, time(), tzinfo=UTC)
            )
        for word in query.text.lower().split():
            like = f"%{word}%"
            statement = statement.where(
                or_(
                    func.lower(Notice.title).like(like),
                    func.lower(Notice.buyer_name).like(like),
                    func.lower(Notice.ocid).like(like),
                )
            )
        statement = statement.order_by(Notice.date.desc(), Notice.ocid)
        if limit is not None:
            statement = statement.limit(limit)
        with self.ctx.db.reading() as session:
            return [_row(n) for n in session.scalars(statement)]

    def show(self, ocid: str) -> NoticeDetail:
        with self.ctx.db.reading() as session:
            notice = session.get(Notice, ocid)
            if notice is None:
                raise NotFoundError(f"No imported notice has the ocid {ocid}.")
            compiled = _compiled(session, notice)
            tender = compiled.get("tender") if isinstance(compiled.get("tender"), dict) else {}
            period = tender.get("contractPeriod") if isinstance(tender, dict) else None
            period = period if isinstance(period, dict) else {}
            framework_title = None
            if notice.framework_ocid:
                framework_title = session.scalar(
                    select(Notice.title).where(Notice.ocid == notice.framework_ocid)
                )
            call_offs = tuple(
                (call_off, title)
                for call_off, title in session.execute(
                    select(Notice.ocid, Notice.title)
                    .where(Notice.framework_ocid == ocid)
                    .order_by(Notice.date)
                )
            )
            suppliers = tuple(
                SupplierLine(
                    s.name,
                    f"{s.scheme} {s.identifier}" if s.scheme else None,
                    s.supplier_code,
                    s.matched_by,
                    s.possible_duplicate,
                )
                for s in session.scalars(
                    select(NoticeSupplier)
                    .where(NoticeSupplier.ocid == ocid)
                    .order_by(NoticeSupplier.name)
                )
            )
            releases = tuple(
                ReleaseLine(
                    r.release_id,
                    r.release_date,
                    r.tags,
                    Path(r.source).name,
                    r.edited,
                    r.imported_at,
                    tuple(json.loads(r.warnings)),
                    tuple(schema_problems(load_json(r.data))),
                )
                for r in session.scalars(
                    select(NoticeRelease)
                    .where(NoticeRelease.ocid == ocid)
                    .order_by(NoticeRelease.release_date, NoticeRelease.id)
                )
            )
            description = tender.get("description") if isinstance(tender, dict) else None
            return NoticeDetail(
                row=_row(notice),
                description=" ".join(description.split()) if isinstance(description, str) else "",
                cpv=notice.cpv,
                url=notice.url,
                first_date=notice.first_date,
                framework_ocid=notice.framework_ocid,
                framework_title=framework_title,
                call_offs=call_offs,
                suppliers=suppliers,
                releases=releases,
                period=(_day(period.get("startDate")), _day(period.get("endDate"))),
                created=_created(session, ocid),
            )
