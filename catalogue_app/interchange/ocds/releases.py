"""One release made ready to keep: its marked tokens resolved, its problems named.

Everything here works on one release at a time and never raises on bad data:
each problem becomes a sentence in the release's warnings and the rest of the
release is kept. The canonical JSON (sorted keys, no spaces, UTF-8) and its
SHA-256 identify a release's content, so importing the same release twice is
recognised whatever the file's layout.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from catalogue_app.interchange.ocds.reader import MARK, RawRelease

# Amounts beyond this are not money anyone publishes (and would not fit the tables).
LARGEST_AMOUNT = Decimal("1e13")
MOJIBAKE = ("â€", "Ã©", "Ã¨", "Â£")
ORGANISATION_REFERENCES = (
    ("buyer",),
    ("tender", "procuringEntity"),
    ("tender", "tenderers"),
    ("awards", "suppliers"),
)
LISTS_WITH_IDS = (
    ("parties",),
    ("awards",),
    ("contracts",),
    ("tender", "items"),
    ("tender", "lots"),
    ("tender", "documents"),
    ("relatedProcesses",),
)


@dataclass
class PreparedRelease:
    """A release as it will be kept in the raw layer."""

    ocid: str  # "" when the release names none
    release_id: str
    date: datetime | None
    tags: list[str]
    text: str  # canonical JSON
    sha256: str
    publisher: str | None
    position: int
    warnings: list[str]


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, non-ASCII kept: the same content gives the same text."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_number,
    )


def load_json(text: str) -> Any:
    """Canonical JSON back to values, decimals exact."""
    return json.loads(text, parse_float=Decimal)


def _number(value: Any) -> Any:
    """A Decimal as JSON writes it: whole numbers as integers, others with their digits.

    A float with at most 15 significant digits writes back the same digits, and
    :func:`load_json` reads them as that exact Decimal again.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        if value == value.to_integral_value():
            return int(value)
        return float(value) if len(value.as_tuple().digits) <= 15 else str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def parse_date(value: Any) -> datetime | None:
    """An OCDS date-time as a UTC timestamp (a date alone is midnight UTC); None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def amount(value: Any) -> Decimal | None:
    """A published amount as a Decimal: numbers, and text like "1,234.50"; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.replace(",", "").replace("£", "").strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() and abs(number) < LARGEST_AMOUNT else None


def _path_text(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _resolve_marks(value: Any, path: tuple[Any, ...], warnings: list[str]) -> Any:
    """Marked tokens back to values: leading-zero numbers to numbers, NaN and Infinity to null."""
    if isinstance(value, dict):
        return {k: _resolve_marks(v, (*path, k), warnings) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_marks(v, (*path, i), warnings) for i, v in enumerate(value)]
    if isinstance(value, str) and value.startswith(MARK):
        token = value[len(MARK) :]
        where = _path_text(path)
        if token.lstrip("-") in ("NaN", "Infinity"):
            warnings.append(f"{where} was {token}, which is not a number; it was left empty")
            return None
        warnings.append(f"{where} was written as {token}; it was read as {Decimal(token)}")
        return Decimal(token)
    return value


def _values(release: dict[str, Any]) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every object with an ``amount`` (a Value), with its path."""
    found: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(release, ())]
    while stack:
        value, path = stack.pop()
        if type(value) is dict:
            if "amount" in value and type(value["amount"]) is not dict:
                found.append((path, value))
            for k, v in value.items():
                if type(v) is dict or type(v) is list:
                    stack.append((v, (*path, k)))
        else:
            for i, v in enumerate(value):
                if type(v) is dict or type(v) is list:
                    stack.append((v, (*path, i)))
    return found


def _at(release: dict[str, Any], path: tuple[str, ...]) -> list[Any]:
    """Every value at ``path``, stepping into lists on the way."""
    values: list[Any] = [release]
    for key in path:
        found: list[Any] = []
        for value in values:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and key in item:
                    found.append(item[key])
        values = found
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


def _check_values(release: dict[str, Any], warnings: list[str]) -> None:
    """Every ``{"amount", "currency"}`` object: a number, with a currency."""
    for path, value in _values(release):
        where = _path_text(path)
        raw = value.get("amount")
        if raw is None:
            continue
        number = amount(raw)
        if number is None:
            warnings.append(f"{where} has an amount that is not a usable number ({raw!r})")
            value["amount"] = None
            continue
        if not isinstance(raw, int | Decimal):
            warnings.append(f"{where} gives its amount as text ({raw!r}); it was read as {number}")
            value["amount"] = number
        currency = value.get("currency")
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
            warnings.append(
                f"{where} has no currency, so its amount is not counted as pounds "
                "or any other money"
            )
        elif currency != currency.strip().upper():
            value["currency"] = currency.strip().upper()


def _check_references(release: dict[str, Any], warnings: list[str]) -> None:
    parties = release.get("parties")
    known = {
        str(p.get("id"))
        for p in (parties if isinstance(parties, list) else [])
        if isinstance(p, dict) and p.get("id") is not None
    }
    for path in ORGANISATION_REFERENCES:
        for ref in _at(release, path):
            if not isinstance(ref, dict):
                continue
            ref_id = ref.get("id")
            if ref_id is None or str(ref_id) not in known:
                name = ref.get("name") or ref_id or "an organisation"
                warnings.append(
                    f"{'.'.join(path)} names {name}, which is not among the release's parties"
                )


def _check_duplicates(release: dict[str, Any], warnings: list[str]) -> None:
    for path in LISTS_WITH_IDS:
        for found in _at_lists(release, path):
            seen: set[str] = set()
            for item in found:
                if isinstance(item, dict) and item.get("id") is not None:
                    key = str(item["id"])
                    if key in seen:
                        warnings.append(
                            f"{'.'.join(path)} has more than one entry with id {key}; "
                            "they are kept as published"
                        )
                    seen.add(key)


def _at_lists(release: dict[str, Any], path: tuple[str, ...]) -> list[list[Any]]:
    parent: Any = release
    for key in path[:-1]:
        parent = parent.get(key) if isinstance(parent, dict) else None
    lists = parent.get(path[-1]) if isinstance(parent, dict) else None
    return [lists] if isinstance(lists, list) else []


def prepare(raw: RawRelease, marked: bool) -> PreparedRelease:
    """Resolve, check and fingerprint one release; ``marked`` if its file needed tolerance."""
    warnings = list(raw.warnings)
    data = _resolve_marks(raw.data, (), warnings) if marked else raw.data
    ocid = data.get("ocid")
    if not isinstance(ocid, str) or not ocid.strip():
        warnings.append("the release has no ocid, so it cannot be joined to a process")
        ocid = ""
    moment = parse_date(data.get("date"))
    if data.get("date") is None:
        warnings.append("the release has no date; it is ordered before the dated releases")
    elif moment is None:
        warnings.append(f"the release date {data.get('date')!r} is not a date")
    tags = data.get("tag")
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list):
        warnings.append("the release has no tag saying what kind of notice it is")
        tags = []
    _check_values(data, warnings)
    _check_references(data, warnings)
    _check_duplicates(data, warnings)
    text = canonical_json(data)
    if any(sign in text for sign in MOJIBAKE):
        warnings.append("some text is garbled by a wrong character encoding (for example â€)")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    release_id = data.get("id")
    if release_id is None or (isinstance(release_id, str) and not release_id.strip()):
        warnings.append("the release has no id; it is identified by its content")
        release_id = f"sha256:{digest[:16]}"
    return PreparedRelease(
        ocid=ocid.strip(),
        release_id=str(release_id)[:200],
        date=moment,
        tags=[str(t) for t in tags],
        text=text,
        sha256=digest,
        publisher=raw.publisher,
        position=raw.position,
        warnings=list(dict.fromkeys(warnings)),
    )
