"""A process's releases compiled into its current state, and what the lists show of it.

Releases are merged with ocdsmerge under the bundled OCDS 1.1 schema's merge
rules, oldest first. Dates are normalised to UTC before ordering, because real
feeds mix ``Z`` and ``+01:00``; releases without a date come first, and a
release the publisher edited (same id, new content) replaces its earlier copy.

What kind of notice a process is (see docs/notices.md):

- framework: ``tender.techniques.hasFrameworkAgreement`` is true, or the
  procurement method details or the title speak of setting up a framework
  agreement and not of a call-off from one;
- call-off: ``relatedProcesses`` has a relationship ``framework`` (the
  framework's ocid is kept), or the procurement method details say "call-off",
  "from a framework", "further competition" or "dynamic purchasing system";
- otherwise contract, award, tender or planning by the latest stage present.
"""

from __future__ import annotations

import re
import warnings as py_warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from catalogue_app.domain.enums import NOTICE_KINDS
from catalogue_app.domain.money import round_money
from catalogue_app.interchange.ocds import cpv
from catalogue_app.interchange.ocds.releases import amount, utc_text
from catalogue_app.interchange.ocds.schema import release_schema

if TYPE_CHECKING:
    from ocdsmerge.rules import MergeRules  # type: ignore[import-untyped]

# ocdsmerge is imported where releases are merged: loading it costs the app's start otherwise
KINDS = NOTICE_KINDS
CALL_OFF = re.compile(
    r"call[- ]?off|from a framework|under a framework|further competition|mini[- ]competition|"
    r"dynamic purchasing system|direct award from"
)
FRAMEWORK = re.compile(r"framework")
INACTIVE = {"cancelled", "unsuccessful", "pending"}


@cache
def merge_rules() -> MergeRules:
    from ocdsmerge.rules import get_merge_rules

    return get_merge_rules(release_schema())


@dataclass
class StoredRelease:
    release_id: str
    date: datetime | None
    data: dict[str, Any]
    publisher: str | None
    warnings: list[str]


@dataclass
class Compiled:
    """One process: its compiled release and the fields the lists show."""

    ocid: str
    compiled: dict[str, Any]
    kind: str
    buyer_name: str | None
    title: str
    value: Decimal | None
    currency: str | None
    date: datetime | None
    first_date: datetime | None
    publisher: str | None
    url: str | None
    cpv: str | None
    framework_ocid: str | None
    releases: int
    warnings: list[str] = field(default_factory=list)
    latest_release: str | None = None  # the id of the latest release


def compile_process(ocid: str, releases: Sequence[StoredRelease]) -> Compiled:
    """Merge ``releases`` (all of one ocid) oldest first; never raises on bad data."""
    ordered = sorted(releases, key=lambda r: (r.date is not None, r.date or datetime.min))
    notes: list[str] = []
    if len(ordered) == 1 and ordered[0].date is not None and _plainly_mergeable(ordered[0].data):
        compiled = single_compiled(ocid, ordered[0])
    else:
        compiled = _merged(ocid, ordered, notes)
    dated = [r.date for r in ordered if r.date is not None]
    latest = ordered[-1] if ordered else None
    summary = summarise(compiled, notes)
    return Compiled(
        ocid=ocid,
        compiled=compiled,
        kind=summary.kind,
        buyer_name=summary.buyer_name,
        title=summary.title,
        value=summary.value,
        currency=summary.currency,
        date=max(dated) if dated else None,
        first_date=min(dated) if dated else None,
        publisher=next((r.publisher for r in reversed(ordered) if r.publisher), None)
        if latest
        else None,
        url=summary.url,
        cpv=summary.cpv,
        framework_ocid=summary.framework_ocid,
        releases=len(ordered),
        warnings=notes,
        latest_release=latest.release_id if latest else None,
    )


def _plainly_mergeable(value: Any) -> bool:
    """Whether merging this release alone changes nothing but the top-level fields: no
    nulls or empty objects to drop, and in each list of objects either no ids or unique ids."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            if not item:
                return False
            for v in item.values():
                if v is None:
                    return False
                if type(v) is dict or type(v) is list:
                    stack.append(v)
        elif type(item) is list:
            ids = [v.get("id") for v in item if type(v) is dict]
            named = [i for i in ids if i is not None]
            if named and (len(named) != len(item) or len(set(map(str, named))) != len(named)):
                return False
            stack.extend(v for v in item if type(v) is dict or type(v) is list)
    return True


def single_compiled(ocid: str, release: StoredRelease) -> dict[str, Any]:
    """What ocdsmerge makes of one release alone, without its cost (tested against it)."""
    compiled = {k: v for k, v in release.data.items() if (k,) not in _omitted() and k != "ocid"}
    date = utc_text(release.date) if release.date is not None else release.data.get("date")
    compiled.update({"id": f"{ocid}-{date}", "date": date, "ocid": ocid, "tag": ["compiled"]})
    return compiled


@cache
def _omitted() -> frozenset[tuple[str, ...]]:
    return frozenset(path for path, rule in merge_rules().items() if rule == "omitWhenMerged")


def _merged(ocid: str, ordered: Sequence[StoredRelease], notes: list[str]) -> dict[str, Any]:
    from ocdsmerge.merge import CompiledRelease  # type: ignore[import-untyped]

    merged = CompiledRelease(merge_rules=merge_rules())
    for release in ordered:
        data = dict(release.data)
        data["ocid"] = ocid
        if release.date is not None:
            data["date"] = utc_text(release.date)
        with py_warnings.catch_warnings(record=True) as caught:
            py_warnings.simplefilter("always")
            try:
                merged.append(data)
            except (TypeError, ValueError, KeyError) as exc:
                notes.append(f"release {release.release_id} could not be merged ({exc})")
        if caught:
            notes.append(
                f"release {release.release_id} repeats an id inside a list; "
                "its entries were merged in order"
            )
    compiled: dict[str, Any] = merged.asdict()
    return compiled


@dataclass
class Summary:
    kind: str
    buyer_name: str | None
    title: str
    value: Decimal | None
    currency: str | None
    url: str | None
    cpv: str | None
    framework_ocid: str | None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def framework_parent(compiled: dict[str, Any]) -> str | None:
    """The ocid of the framework a process calls off, when it names one."""
    for related in _list(compiled.get("relatedProcesses")):
        relationship = related.get("relationship")
        kinds = relationship if isinstance(relationship, list) else [relationship]
        if "framework" in kinds:
            identifier = related.get("identifier")
            if isinstance(identifier, str) and identifier.strip():
                return identifier.strip()
    return None


def kind_of(compiled: dict[str, Any]) -> tuple[str, str | None]:
    """(kind, framework ocid for a call-off)."""
    tender = _dict(compiled.get("tender"))
    parent = framework_parent(compiled)
    if parent:
        return "call-off", parent
    details = _text(tender.get("procurementMethodDetails")).lower()
    if CALL_OFF.search(details):
        return "call-off", None
    techniques = _dict(tender.get("techniques"))
    title = _text(tender.get("title")).lower()
    if techniques.get("hasFrameworkAgreement") is True:
        return "framework", None
    if FRAMEWORK.search(details) or (FRAMEWORK.search(title) and not CALL_OFF.search(title)):
        return "framework", None
    if _list(compiled.get("contracts")):
        return "contract", None
    if _list(compiled.get("awards")):
        return "award", None
    tags = compiled.get("tag") or []
    if tender or "tender" in tags:
        return (
            "planning" if _text(tender.get("status")) in ("planning", "planned") else "tender"
        ), None
    return "planning", None


def _value(compiled: dict[str, Any], notes: list[str]) -> tuple[Decimal | None, str | None]:
    """The active awards' total if any has a value, else the contracts', else the tender's."""
    for key in ("awards", "contracts"):
        totals: dict[str | None, Decimal] = {}
        for entry in _list(compiled.get(key)):
            if _text(entry.get("status")) in INACTIVE:
                continue
            value = _dict(entry.get("value"))
            number = amount(value.get("amount"))
            if number is None:
                continue
            currency = value.get("currency") if isinstance(value.get("currency"), str) else None
            totals[currency] = totals.get(currency, Decimal(0)) + number
        if len(totals) > 1:
            notes.append(f"the {key} are in more than one currency, so no total is given")
            return None, None
        if totals:
            ((currency, total),) = totals.items()
            return _money(total, notes), currency
    tender = _dict(compiled.get("tender"))
    value = _dict(tender.get("value"))
    number = amount(value.get("amount"))
    if number is None:
        return None, None
    currency = value.get("currency")
    return _money(number, notes), currency if isinstance(currency, str) else None


def _money(value: Decimal, notes: list[str]) -> Decimal:
    rounded = round_money(value)
    if rounded != value:
        notes.append(f"the value {value} has parts of a penny; it is shown as {rounded}")
    return rounded


def _url(compiled: dict[str, Any]) -> str | None:
    places = [*_list(compiled.get("awards")), _dict(compiled.get("tender"))]
    for place in places:
        for document in _list(place.get("documents")):
            url = document.get("url")
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                return url
    for link in _list(compiled.get("links")):
        href = link.get("href")
        if isinstance(href, str) and href.startswith(("http://", "https://")):
            return href
    return None


def _cpv(compiled: dict[str, Any], notes: list[str]) -> str | None:
    tender = _dict(compiled.get("tender"))
    codes = [_dict(tender.get("classification")).get("id")]
    codes += [_dict(i.get("classification")).get("id") for i in _list(tender.get("items"))]
    for code in codes:
        if code is None:
            continue
        found = cpv.lookup(code)
        if found:
            return found[0]
        notes.append(f"the CPV code {code!r} is not in the CPV 2008 list")
    return None


def _title(compiled: dict[str, Any], tender: dict[str, Any]) -> str:
    """The tender's title; else an award's or contract's; else the first item's description."""
    entries = [tender, *_list(compiled.get("awards")), *_list(compiled.get("contracts"))]
    for entry in entries:
        if _text(entry.get("title")):
            return _text(entry.get("title"))
    for entry in entries:
        for item in _list(entry.get("items")):
            if _text(item.get("description")):
                return _text(item.get("description"))
    return ""


def summarise(compiled: dict[str, Any], notes: list[str]) -> Summary:
    kind, parent = kind_of(compiled)
    tender = _dict(compiled.get("tender"))
    buyer = _dict(compiled.get("buyer"))
    buyer_name = _text(buyer.get("name")) or None
    if buyer_name is None:
        for party in _list(compiled.get("parties")):
            roles = party.get("roles")
            if isinstance(roles, list) and "buyer" in roles and _text(party.get("name")):
                buyer_name = _text(party.get("name"))
                break
    title = _title(compiled, tender)
    value, currency = _value(compiled, notes)
    return Summary(
        kind=kind,
        buyer_name=buyer_name,
        title=title,
        value=value,
        currency=currency.upper() if currency else None,
        url=_url(compiled),
        cpv=_cpv(compiled, notes),
        framework_ocid=parent,
    )
