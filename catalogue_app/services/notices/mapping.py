"""What a compiled notice puts in the catalogue and the ledger (see docs/notices.md).

- A framework process becomes a framework (its reference derived from the
  ocid), its lots (``tender.lots``, or one lot "1" when none are published) and
  the suppliers its active awards name.
- The active contracts (else awards) of a process whose buyer is a force or a
  collaboration become purchases: one product per awarded item that gives a
  whole quantity and a unit price in pounds, else one product for the whole
  award with a quantity of 1. A call-off of a framework in the catalogue goes
  through that framework's lot, with the awarded price as the lot's offer.
- Suppliers are matched by scheme identifier, then by normalised name; one
  that matches neither is added, and a close name is offered as a possible
  duplicate (never merged).

Everything is written through the catalogue editor and the ledger's rules, in
the import's transaction, with one audit event per record. Importing the same
release again changes nothing; a publisher's edit updates what its notice
created (audited as an edit). Each process is mapped inside a savepoint, so a
notice that cannot be mapped leaves a note and nothing half-written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.db.notice_models import NoticePurchase, NoticeRecord
from catalogue_app.domain.enums import ProductStatus, PurchaseStatus
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.domain.money import round_money
from catalogue_app.interchange.ocds import cpv
from catalogue_app.interchange.ocds.releases import amount, parse_date
from catalogue_app.services.audit import AuditWriter
from catalogue_app.services.context import AppContext
from catalogue_app.services.editing import CatalogueEditor
from catalogue_app.services.editing.records import (
    FRAMEWORK_ROUTES,
    FrameworkRecord,
    LotRecord,
    OfferRecord,
    ProductRecord,
    Record,
    SupplierRecord,
    kind_of,
)
from catalogue_app.services.ledger import queries
from catalogue_app.services.ledger.commands import (
    insert_purchases,
    next_revision,
    purchase_values,
    share_rows,
)
from catalogue_app.services.ledger.model import PurchaseDraft
from catalogue_app.services.ledger.queries import Lookups
from catalogue_app.services.ledger.rules import differences, validate
from catalogue_app.services.notices.compile import INACTIVE, Compiled
from catalogue_app.services.notices.suppliers import (
    CatalogueSupplier,
    SupplierMatcher,
    party_identifier,
)

TAG = "published-notice"
PROVENANCE = "From notice "  # how the source of every record a notice added begins
MAX_NOTES = 20
_COMPANY_NUMBER = re.compile(r"(\d{8}|[A-Z]{2}\d{6})")
_IDENTIFIER = re.compile(r"[A-Z]{2}-[A-Z0-9]{2,10}")
DPS = re.compile(r"dynamic purchasing system")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# Short enough that an offer's key ("REF lot 10 · CODE from 2025-01-23") fits the
# audit log's 80 characters.
REFERENCE_LENGTH = 20
CODE_LENGTH = 24


def framework_reference(ocid: str) -> str:
    """A framework's catalogue reference from its ocid: "OCDS-R6EBE6-1A2B3C4D"."""
    return short_key(ocid, REFERENCE_LENGTH)


def product_code(ocid: str, *parts: str) -> str:
    """A product's code from its ocid and its award's (and item's) ids."""
    return short_key("-".join((ocid, *parts)), CODE_LENGTH)


def short_key(text: str, limit: int) -> str:
    """A catalogue code from ``text`` (an ocid and more), in capitals as the catalogue's codes
    are: ``text`` when it fits in ``limit`` characters, else its start and a digest of it."""
    text = text.strip()
    if len(text) > limit:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        text = f"{text[: limit - 9].rstrip('-/ ')}-{digest}"
    return text.upper()


def provenance(ocid: str, publisher: str | None, day: datetime | None) -> str:
    """ "From notice OCID (publisher, 23 Jan 2025)"."""
    when = day.strftime("%-d %b %Y") if day is not None else "date not given"
    return f"{PROVENANCE}{ocid} ({publisher or 'publisher not given'}, {when})"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _day(value: Any) -> date | None:
    """The calendar day a date-time was written on, in its own time zone (an order dated
    "2020-10-05T00:00:00+01:00" was made on 5 October)."""
    if isinstance(value, str) and _ISO_DAY.match(value.strip()):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    moment = parse_date(value)
    return None if moment is None else moment.date()


@dataclass
class Outcome:
    """What mapping one file's processes did."""

    added: dict[str, int] = field(default_factory=dict)  # kind → records added
    changed: int = 0  # catalogue records a publisher's edit changed
    purchases_added: int = 0
    purchases_changed: int = 0
    not_recorded: int = 0  # awards of police buyers that made no purchase
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)
        elif len(self.notes) == MAX_NOTES:
            self.notes.append("more notices could not be fully mapped; see each notice")


@dataclass(frozen=True)
class _Line:
    """One purchase a notice gives: an award or contract, or one of its items."""

    key: str  # stable within the process: "award:ID" or "award:ID/item:ID"
    label: str  # "award 1", "contract C-7"
    code: str  # the product's code, also the purchase's order reference
    name: str
    cpv: str | None
    unit: str
    quantity: int
    unit_price: Decimal
    order_date: date
    supplier: dict[str, Any]
    lots: tuple[str, ...]


class NoticeMapper:
    """Maps compiled processes into the catalogue and the ledger, inside an open session."""

    def __init__(
        self,
        ctx: AppContext,
        suppliers: SupplierMatcher,
        compiled: Callable[[str], Compiled | None],
    ) -> None:
        """``compiled`` gives an imported process by its ocid (a framework a call-off names)."""
        self.ctx = ctx
        self.editor = CatalogueEditor(ctx)
        self.suppliers = suppliers
        self.compiled = compiled
        self.actor = ctx.actor
        self.today = ctx.today()

    def map_all(
        self, session: Session, processes: list[tuple[Compiled, str | None]], outcome: Outcome
    ) -> None:
        """Frameworks first, so that a call-off in the same batch finds its framework."""
        audit = AuditWriter(session, self.actor, self.ctx.now())
        lookups: Lookups | None = None
        ordered = sorted(processes, key=lambda p: p[0].kind != "framework")
        for compiled, buyer in ordered:
            wants_purchases = buyer is not None and compiled.kind in (
                "award",
                "contract",
                "call-off",
            )
            framework = compiled.kind == "framework" and (
                buyer is not None or _declared(compiled) or _in_catalogue(session, compiled.ocid)
            )
            if not framework and not wants_purchases:
                continue
            if lookups is None and wants_purchases:
                lookups = Lookups(session)
            try:
                with session.begin_nested():
                    if framework:
                        self._framework(session, audit, compiled, outcome)
                    elif buyer is not None and lookups is not None:
                        self._purchases(session, audit, lookups, compiled, buyer, outcome)
            except CatalogueError as exc:
                outcome.note(f"{compiled.ocid}: {exc}; nothing was added from it")
                lookups = None  # its caches may hold what the savepoint rolled back

    # -- records ------------------------------------------------------------------------------
    def _write(
        self,
        session: Session,
        audit: AuditWriter,
        ocid: str,
        records: list[Record],
        source: str,
        outcome: Outcome,
    ) -> None:
        changes = self.editor.write_in(session, audit, records)
        for change in changes:
            kind = change.kind.value
            if change.is_new:
                outcome.added[kind] = outcome.added.get(kind, 0) + 1
                self._mark(session, change.after, source)
            else:
                outcome.changed += 1
        known: set[tuple[str, str]] = set(
            session.execute(
                select(NoticeRecord.kind, NoticeRecord.key).where(NoticeRecord.ocid == ocid)
            )
        )
        rows = [
            {"ocid": ocid, "kind": kind_of(record).value, "key": record.key[:200]}
            for record in records
            if (kind_of(record).value, record.key[:200]) not in known
        ]
        if rows:
            session.execute(insert(NoticeRecord), _unique(rows))

    @staticmethod
    def _mark(session: Session, record: Record | None, source: str) -> None:
        """A record a notice created says where it came from, and is not illustrative."""
        match record:
            case SupplierRecord():
                table, where = m.Supplier, m.Supplier.code == record.code
            case ProductRecord():
                table, where = m.Product, m.Product.code == record.code  # type: ignore[assignment]
            case FrameworkRecord():
                table, where = m.Framework, m.Framework.reference == record.reference  # type: ignore[assignment]
            case _:
                return
        session.execute(
            update(table)
            .where(where)
            .values(source=source, illustrative=False)
            .execution_options(synchronize_session=False)
        )

    def _supplier(
        self, session: Session, ocid: str, party: dict[str, Any], records: list[Record]
    ) -> str | None:
        """The catalogue code of a published supplier; a new supplier record when unmatched."""
        name = _text(party.get("name"))
        if not name:
            return None
        identifier = party_identifier(party)
        found = self.suppliers.match(name, identifier)
        if found.supplier_code is not None:
            return found.supplier_code
        for record in records:
            if isinstance(record, SupplierRecord) and record.name == name[:160]:
                return record.code
        number, others = "", ""
        if identifier is not None:
            scheme, value = identifier
            if scheme == "GB-COH" and _COMPANY_NUMBER.fullmatch(value):
                number = value
            elif _IDENTIFIER.fullmatch(scheme) and value:
                others = f"{scheme}:{value[:78]}"
        taken = {r.code for r in records if isinstance(r, SupplierRecord)}
        code = _new_code(session, name, taken)
        record = SupplierRecord(code, name[:160], number, (others,) if others else ())
        records.append(record)
        ids: list[tuple[str, str]] = [("GB-COH", number)] if number else []
        if identifier is not None and others:
            ids.append(identifier)
        self.suppliers.add(CatalogueSupplier(code, record.name, tuple(ids), True))
        return code

    # -- frameworks --------------------------------------------------------------------------
    def _framework(
        self, session: Session, audit: AuditWriter, c: Compiled, outcome: Outcome
    ) -> None:
        data = c.compiled
        tender = _dict(data.get("tender"))
        awards = [a for a in _list(data.get("awards")) if _text(a.get("status")) not in INACTIVE]
        period = _dict(tender.get("contractPeriod"))
        starts = [_day(period.get("startDate"))]
        starts += [_day(_dict(a.get("contractPeriod")).get("startDate")) for a in awards]
        starts += [_day(a.get("date")) for a in awards]
        starts += [_day(_dict(tender.get("tenderPeriod")).get("endDate"))]
        start = next((d for d in starts if d is not None), None)
        if start is None and c.first_date is not None:
            start = c.first_date.date()
        end = _day(period.get("endDate"))
        days = amount(period.get("durationInDays"))
        if end is None and start is not None and days is not None and 0 < days < 36600:
            end = start + timedelta(days=int(days))
        if start is None or end is None or end < start:
            outcome.note(
                f"framework {c.ocid} gives no contract period (start and end, or a duration); "
                "it is listed with the notices but not added to the catalogue"
            )
            return
        parties = {str(p.get("id")): p for p in _list(data.get("parties")) if p.get("id")}
        records: list[Record] = []
        lots = _lots(tender, c.title)
        members: dict[str, set[str]] = {number: set() for number, _title, _ids in lots}
        for award in awards:
            related = {str(x) for x in award.get("relatedLots") or [] if x is not None}
            numbers = [n for n, _t, ids in lots if ids & related] or list(members)
            for ref in _list(award.get("suppliers")):
                party = parties.get(str(ref.get("id")), ref)
                code = self._supplier(session, c.ocid, party, records)
                for number in numbers:
                    if code is not None:
                        members[number].add(code)
        suppliers = set().union(*members.values())
        details = _text(tender.get("procurementMethodDetails")).lower()
        if DPS.search(details):
            route = FRAMEWORK_ROUTES[2]
        elif len(suppliers) == 1:
            route = FRAMEWORK_ROUTES[1]
        else:
            route = FRAMEWORK_ROUTES[0]
        value = _dict(tender.get("value"))
        maximum = amount(value.get("amount"))
        if maximum is not None and value.get("currency") != "GBP":
            outcome.note(
                f"framework {c.ocid}: its value is not in pounds "
                f"({value.get('currency') or 'no currency'}), so no maximum value is kept"
            )
            maximum = None
        reference = framework_reference(c.ocid)
        records.append(
            FrameworkRecord(
                reference=reference,
                title=(c.title or "Untitled framework")[:200],
                owner=(c.buyer_name or c.publisher or "Not given")[:120],
                route=route,
                start_date=start,
                end_date=end,
                max_value=None if maximum is None or maximum < 0 else round_money(maximum),
                description=_text(tender.get("description")),
            )
        )
        records += [
            LotRecord(
                reference, number, (title or c.title or "Lot")[:200], tuple(sorted(members[number]))
            )
            for number, title, _ids in lots
        ]
        self._write(
            session, audit, c.ocid, records, provenance(c.ocid, c.publisher, c.first_date), outcome
        )

    # -- purchases ---------------------------------------------------------------------------
    def _purchases(
        self,
        session: Session,
        audit: AuditWriter,
        lookups: Lookups,
        c: Compiled,
        buyer: str,
        outcome: Outcome,
    ) -> None:
        source = provenance(c.ocid, c.publisher, c.first_date)
        lines = list(self._lines(c, outcome))
        if not lines:
            return
        route = self._route(session, audit, c, outcome)
        parties = {str(p.get("id")): p for p in _list(c.compiled.get("parties")) if p.get("id")}
        records: list[Record] = []
        planned: list[tuple[_Line, ProductRecord]] = []
        for line in lines:
            category = line.cpv or c.cpv
            if category is None:
                outcome.not_recorded += 1
                outcome.note(f"{c.ocid}: {line.label} has no CPV code, so no purchase is recorded")
                continue
            party = parties.get(str(line.supplier.get("id")), line.supplier)
            supplier = self._supplier(session, c.ocid, party, records)
            if supplier is None:
                outcome.not_recorded += 1
                outcome.note(
                    f"{c.ocid}: {line.label} names no supplier, so no purchase is recorded"
                )
                continue
            product = ProductRecord(
                code=line.code,
                name=line.name[:200],
                category=category,
                supplier=supplier,
                status=ProductStatus.APPROVED.value,
                unit=line.unit[:60],
                list_price=line.unit_price,
                price_from=line.order_date,
                description=source,
                tags=(TAG,),
            )
            records.append(product)
            planned.append((line, product))
        routes: dict[str, tuple[str | None, str | None]] = {}
        for line, product in planned:
            framework, lot = route.get(line.lots, line.order_date)
            if framework is not None and lot is not None:
                records.append(
                    OfferRecord(framework, lot, product.code, line.order_date, line.unit_price)
                )
            elif route.reference is not None:
                outcome.note(
                    f"{c.ocid}: ordered on {line.order_date:%-d %b %Y}, outside framework "
                    f"{route.reference}'s period, so it is recorded off-framework"
                )
            routes[line.key] = (framework, lot)
        self._write(session, audit, c.ocid, records, source, outcome)
        for line, _product in planned:
            framework, lot = routes[line.key]
            draft = PurchaseDraft(
                buyer=buyer,
                product=line.code,
                quantity=line.quantity,
                order_date=line.order_date,
                order_reference=line.code,
                framework=framework,
                lot=lot,
                unit_price=line.unit_price,
                notes=source,
            )
            self._purchase(session, audit, lookups, c, line, draft, outcome)

    def _purchase(
        self,
        session: Session,
        audit: AuditWriter,
        lookups: Lookups,
        c: Compiled,
        line: _Line,
        draft: PurchaseDraft,
        outcome: Outcome,
    ) -> None:
        known = session.scalar(
            select(NoticePurchase.purchase_id).where(
                NoticePurchase.ocid == c.ocid, NoticePurchase.line == line.key
            )
        )
        release_id = c.latest_release or ""
        if known is None:
            valid = validate(lookups, draft, self.today)
            if queries.active_reference_used(session, valid.buyer, valid.order_reference):
                outcome.not_recorded += 1
                outcome.note(
                    f"{c.ocid}: {valid.buyer.code} already has a purchase with the order "
                    f"reference {valid.order_reference}, so it is not recorded again"
                )
                return
            insert_purchases(session, [valid], audit, "import")
            session.execute(
                insert(NoticePurchase),
                [
                    {
                        "ocid": c.ocid,
                        "line": line.key,
                        "release_id": release_id[:200],
                        "purchase_id": valid.id,
                        "url": c.url,
                    }
                ],
            )
            outcome.purchases_added += 1
            return
        before = queries.stored(session, known)
        if before.status is not PurchaseStatus.ACTIVE:
            return  # voided by an officer: the publisher's edit does not bring it back
        valid = validate(lookups, replace(draft, id=known), self.today)
        if not differences(before.snapshot(), valid.snapshot()):
            return
        revision = next_revision(
            session,
            audit,
            "edit",
            known,
            before.revision,
            before.order_reference,
            shares={r["force_id"]: r["amount"] for r in share_rows([valid])},
            **purchase_values(valid),
        )
        audit.write(
            "edit",
            [
                (
                    known,
                    {**before.snapshot(), "revision": before.revision},
                    {**valid.snapshot(), "revision": revision},
                )
            ],
        )
        session.execute(
            update(NoticePurchase)
            .where(NoticePurchase.ocid == c.ocid, NoticePurchase.line == line.key)
            .values(release_id=release_id[:200], url=c.url)
            .execution_options(synchronize_session=False)
        )
        outcome.purchases_changed += 1

    def _lines(self, c: Compiled, outcome: Outcome) -> Iterator[_Line]:
        data = c.compiled
        contracts = [
            x for x in _list(data.get("contracts")) if _text(x.get("status")) not in INACTIVE
        ]
        awards = [x for x in _list(data.get("awards")) if _text(x.get("status")) not in INACTIVE]
        by_award = {str(a.get("id")): a for a in awards}
        entries = [("contract", x) for x in contracts] or [("award", x) for x in awards]
        fallback = c.date.date() if c.date is not None else self.today
        seen: set[str] = set()
        for n, (what, entry) in enumerate(entries, start=1):
            award = by_award.get(str(entry.get("awardID")), {}) if what == "contract" else entry
            ident = str(entry.get("id") or "").strip()
            if not ident or ident in seen:
                ident = f"{n}"
            seen.add(ident)
            key = f"{what}:{ident}"
            part = ident.removeprefix(c.ocid).lstrip("-/") or str(n)
            value = _dict(entry.get("value"))
            total = amount(value.get("amount"))
            currency = value.get("currency")
            label = f"{what} {ident}"
            if total is None or total <= 0:
                outcome.not_recorded += 1
                outcome.note(f"{c.ocid}: {label} gives no value, so no purchase is recorded")
                continue
            if currency != "GBP":
                outcome.not_recorded += 1
                outcome.note(
                    f"{c.ocid}: {label} is in {currency or 'no stated currency'}, not pounds, "
                    "so no purchase is recorded (it is kept with the notice)"
                )
                continue
            suppliers = _list(award.get("suppliers"))
            if not suppliers:
                outcome.not_recorded += 1
                outcome.note(f"{c.ocid}: {label} names no supplier, so no purchase is recorded")
                continue
            when = (
                _day(entry.get("dateSigned"))
                or _day(entry.get("date"))
                or _day(_dict(entry.get("period")).get("startDate"))
                or _day(award.get("date"))
                or _day(_dict(award.get("contractPeriod")).get("startDate"))
                or fallback
            )
            title = _text(entry.get("title")) or _text(award.get("title")) or c.title or label
            lots = tuple(str(x) for x in award.get("relatedLots") or [] if x is not None)
            items = _priced_items(entry) or _priced_items(award)
            if items:
                for m_id, (item, quantity, unit) in enumerate(items, start=1):
                    item_id = str(item.get("id") or m_id)
                    yield _Line(
                        key=f"{key}/item:{item_id}"[:200],
                        label=f"{label}, item {item_id}",
                        code=product_code(c.ocid, part, item_id),
                        name=_text(item.get("description")) or title,
                        cpv=_item_cpv(item),
                        unit=_text(_dict(item.get("unit")).get("name")) or "unit",
                        quantity=quantity,
                        unit_price=unit,
                        order_date=when,
                        supplier=suppliers[0],
                        lots=lots,
                    )
                continue
            first = next(iter(_list(entry.get("items")) or _list(award.get("items"))), {})
            yield _Line(
                key=key[:200],
                label=label,
                code=product_code(c.ocid, part),
                name=title,
                cpv=_item_cpv(first),
                unit="whole contract",
                quantity=1,
                unit_price=round_money(total),
                order_date=when,
                supplier=suppliers[0],
                lots=lots,
            )

    def _route(self, session: Session, audit: AuditWriter, c: Compiled, outcome: Outcome) -> _Route:
        """The framework a call-off goes through: added to the catalogue from its own notice
        now if only its call-off shows that police buy through it."""
        if c.framework_ocid is None:
            return _Route(None, [], None, None)
        reference = _in_catalogue(session, c.framework_ocid)
        if reference is None:
            parent = self.compiled(c.framework_ocid)
            if parent is None or parent.kind != "framework":
                return _Route(None, [], None, None)
            self._framework(session, audit, parent, outcome)
            reference = _in_catalogue(session, c.framework_ocid)
        if reference is None:
            return _Route(None, [], None, None)
        row = session.scalar(select(m.Framework).where(m.Framework.reference == reference))
        if row is None:
            return _Route(None, [], None, None)
        numbers = list(session.scalars(select(m.Lot.number).where(m.Lot.framework_id == row.id)))
        return _Route(reference, numbers, row.start_date, row.term.effective_end)


@dataclass(frozen=True)
class _Route:
    reference: str | None
    lots: list[str]
    start: date | None
    end: date | None

    def get(self, wanted: tuple[str, ...], day: date) -> tuple[str | None, str | None]:
        """(framework, lot) for an order on ``day``, or (None, None) for off-framework."""
        if self.reference is None or not self.lots or self.start is None or self.end is None:
            return None, None
        if not self.start <= day <= self.end:
            return None, None
        for number in wanted:
            if number[:10] in self.lots:
                return self.reference, number[:10]
        return self.reference, ("1" if "1" in self.lots else self.lots[0])


def _declared(c: Compiled) -> bool:
    """Whether the notice itself says it sets up a framework agreement (OCDS techniques)."""
    tender = _dict(c.compiled.get("tender"))
    return _dict(tender.get("techniques")).get("hasFrameworkAgreement") is True


def _in_catalogue(session: Session, ocid: str) -> str | None:
    """The reference of the catalogue framework this framework notice added, if any."""
    return session.scalar(
        select(NoticeRecord.key).where(NoticeRecord.ocid == ocid, NoticeRecord.kind == "framework")
    )


def _lots(tender: dict[str, Any], title: str) -> list[tuple[str, str, set[str]]]:
    """(number, title, published ids) of each lot; one lot "1" when none are published."""
    out: list[tuple[str, str, set[str]]] = []
    for n, lot in enumerate(_list(tender.get("lots")), start=1):
        ident = str(lot.get("id") or n)
        number = ident if len(ident) <= 10 else str(n)
        if any(number == o[0] for o in out):
            number = str(n)
        out.append((number, _text(lot.get("title")) or f"Lot {number}", {ident}))
    return out or [("1", title, set())]


def _priced_items(entry: dict[str, Any]) -> list[tuple[dict[str, Any], int, Decimal]]:
    """Every item with a whole quantity and a unit price in pounds, or none if any lacks one."""
    items = _list(entry.get("items"))
    out = []
    for item in items:
        quantity = amount(item.get("quantity"))
        unit_value = _dict(_dict(item.get("unit")).get("value"))
        price = amount(unit_value.get("amount"))
        if (
            quantity is None
            or quantity <= 0
            or quantity != quantity.to_integral_value()
            or price is None
            or price < 0
            or unit_value.get("currency") != "GBP"
        ):
            return []
        out.append((item, int(quantity), round_money(price)))
    return out


def _item_cpv(item: dict[str, Any]) -> str | None:
    found = cpv.lookup(_dict(item.get("classification")).get("id"))
    return found[0] if found else None


def _unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for row in rows:
        if (row["kind"], row["key"]) not in seen:
            seen.add((row["kind"], row["key"]))
            out.append(row)
    return out


def _new_code(session: Session, name: str, taken: set[str]) -> str:
    """A supplier code from its name, unused so far: "marstons-holdings", "…-2"."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:70] or "supplier"
    code, n = base, 1
    while (
        code in taken
        or session.scalar(select(m.Supplier.id).where(m.Supplier.code == code)) is not None
    ):
        n += 1
        code = f"{base}-{n}"
    return code
