"""Which catalogue supplier a notice's supplier is: by scheme identifier, then by name.

An identifier decides when the notice gives one (``identifier.scheme`` and
``identifier.id``, or a party id such as ``GB-COH-01234567``) and the catalogue
holds the same one (a supplier identifier, or the Companies House number). Else
the names are compared once normalised (case, punctuation, "&", and the legal
endings Ltd, Limited, PLC, LLP, "(UK)"). A name that is close but not the same
is a possible duplicate: it is offered for review and never merged by itself.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

LEGAL_ENDINGS = re.compile(
    r"\b(limited|ltd|plc|llp|llc|inc|incorporated|company|co|uk|gb|group|holdings|the)\b"
)
SCHEME_ID = re.compile(r"^(GB-[A-Z]{2,4}|[A-Z]{2}-[A-Z0-9]{2,10})-(.+)$")
CLOSE_ENOUGH = 0.88


@dataclass(frozen=True)
class SupplierMatch:
    supplier_code: str | None
    matched_by: str | None  # "identifier", "name" or None
    possible_duplicate: str | None


@dataclass(frozen=True)
class CatalogueSupplier:
    code: str
    name: str
    identifiers: tuple[tuple[str, str], ...]  # (scheme, identifier)
    from_notice: bool = False  # added to the catalogue from a published notice


def normalise_name(name: str) -> str:
    text = name.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = LEGAL_ENDINGS.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def _identifier(scheme: str, value: str) -> tuple[str, str]:
    scheme = scheme.strip().upper()
    value = value.strip().upper().replace(" ", "")
    if scheme == "GB-COH" and value.isdigit():
        value = value.zfill(8)
    return scheme, value


def party_identifier(party: dict[str, Any]) -> tuple[str, str] | None:
    """(scheme, id) from a party's identifier, or from an id in scheme-id form."""
    identifier = party.get("identifier")
    if isinstance(identifier, dict):
        scheme, value = identifier.get("scheme"), identifier.get("id")
        if isinstance(scheme, str) and scheme.strip() and value is not None and str(value).strip():
            return _identifier(scheme, str(value))
    party_id = party.get("id")
    if isinstance(party_id, str):
        match = SCHEME_ID.match(party_id.strip())
        if match:
            return _identifier(match.group(1), match.group(2))
    return None


class SupplierMatcher:
    def __init__(self, suppliers: Iterable[CatalogueSupplier]) -> None:
        self._by_identifier: dict[tuple[str, str], str] = {}
        self._by_name: dict[str, str] = {}
        self._from_notices: set[str] = set()
        for supplier in suppliers:
            if supplier.from_notice:
                self._from_notices.add(supplier.code)
            for scheme, value in supplier.identifiers:
                self._by_identifier[_identifier(scheme, value)] = supplier.code
            self._by_name.setdefault(normalise_name(supplier.name), supplier.code)
        self._names = list(self._by_name)
        self._cache: dict[tuple[str, tuple[str, str] | None], SupplierMatch] = {}

    def add(self, supplier: CatalogueSupplier) -> None:
        """A supplier added to the catalogue while importing: later notices match it."""
        if supplier.from_notice:
            self._from_notices.add(supplier.code)
        for scheme, value in supplier.identifiers:
            self._by_identifier[_identifier(scheme, value)] = supplier.code
        normal = normalise_name(supplier.name)
        if normal not in self._by_name:
            self._by_name[normal] = supplier.code
            self._names.append(normal)
        self._cache.clear()

    def match(self, name: str, identifier: tuple[str, str] | None) -> SupplierMatch:
        key = (name, identifier)
        found = self._cache.get(key)
        if found is None:
            found = self._match(name, identifier)
            self._cache[key] = found
        return found

    def _match(self, name: str, identifier: tuple[str, str] | None) -> SupplierMatch:
        normal = normalise_name(name)
        if identifier is not None and identifier in self._by_identifier:
            found = SupplierMatch(self._by_identifier[identifier], "identifier", None)
        elif normal and normal in self._by_name:
            found = SupplierMatch(self._by_name[normal], "name", None)
        else:
            return SupplierMatch(None, None, self._close(normal, None))
        if found.supplier_code in self._from_notices:
            # added from a notice: a close name stays offered until someone reviews it
            return SupplierMatch(found.supplier_code, "added", self._close(normal, found))
        return found

    def _close(self, normal: str, found: SupplierMatch | None) -> str | None:
        """The catalogue supplier whose name is close to ``normal`` (not ``found`` itself)."""
        names = self._names
        if found is not None:
            names = [n for n in names if self._by_name[n] != found.supplier_code]
        close = difflib.get_close_matches(normal, names, n=1, cutoff=CLOSE_ENOUGH)
        return self._by_name[close[0]] if close else None
