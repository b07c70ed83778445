"""Which force or collaboration a published buyer is.

Notices name buyers the way each authority signs its contracts: the force
("Lancashire Constabulary"), its police and crime commissioner ("The Police
and Crime Commissioner for Bedfordshire,"), a police, fire and crime
commissioner, a mayor holding the commissioner's powers ("Mayor's Office for
Policing and Crime"), a chief constable, or a collaboration. The matcher:

1. normalises the name (case, "&", punctuation, a leading "The", Welsh "Heddlu");
2. looks it up among the exact names: each force's and collaboration's name,
   and :data:`ALIASES`, the bodies whose name does not contain their area;
3. otherwise, for a name that speaks of policing (police, constabulary, crime
   commissioner, chief constable), takes the area out of it and looks that up
   among the forces' areas (:data:`AREA_ALIASES` adds the other spellings).

Fire and rescue authorities, councils and every other body stay unmatched:
their notices are kept as other public bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Bodies whose published names do not say their force's area.
ALIASES: dict[str, str] = {
    "mayors office for policing and crime": "metropolitan",
    "mopac": "metropolitan",
    "commissioner of police of the metropolis": "metropolitan",
    "metropolitan police": "metropolitan",
    "metropolitan police service": "metropolitan",
    "scottish police authority": "police-scotland",
    "police scotland": "police-scotland",
    "northern ireland policing board": "psni",
    "british transport police authority": "btp",
    "greater manchester combined authority": "greater-manchester",
    "west yorkshire combined authority": "west-yorkshire",
    "york and north yorkshire combined authority": "north-yorkshire",
    "common council of the city of london police authority": "city-of-london",
}

# Other spellings of a force's area, as they appear after "Commissioner for".
AREA_ALIASES: dict[str, str] = {
    "metropolis": "metropolitan",
    "london metropolitan": "metropolitan",
    "hampshire and the isle of wight": "hampshire",
    "hampshire and isle of wight": "hampshire",
    "devon cornwall and the isles of scilly": "devon-and-cornwall",
    "devon and cornwall and the isles of scilly": "devon-and-cornwall",
    "avon somerset": "avon-and-somerset",
    "dyfed powys": "dyfed-powys",
    "de cymru": "south-wales",
    "gogledd cymru": "north-wales",
    "northern ireland": "psni",
    "scotland": "police-scotland",
    "british transport": "btp",
    "york and north yorkshire": "north-yorkshire",
}

POLICING = re.compile(
    r"\b(police|policing|constabulary|chief constable|crime commissioner|heddlu|o?pcc|o?pfcc)\b"
)
NOT_POLICE = re.compile(r"\b(fire and rescue|fire authority|council|nhs|university)\b")
# Words around the area in a policing body's name, longest first.
_AROUND = [
    r"^(office of the )?(police fire and crime|police and crime|police crime) "
    r"commissioner(s)? (for|of) ",
    r"^(office of the )?chief constable (for|of) ",
    r"^o?p?f?cc (for|of) ",
    r" o?p?f?cc$",
    r"^(the )?chief constable of ",
    r" (office of the )?(police fire and crime|police and crime) commissioner(s)?$",
    r" (police fire and crime|police and crime) commissioner(s)? office$",
    r" (police|police service|police force|constabulary|police authority)( and crime panel)?$",
    r"^heddlu ",
]


@dataclass(frozen=True)
class BuyerMatch:
    code: str | None  # a force's or collaboration's code, or None for any other body
    kind: str  # "force", "collaboration" or "other"


def normalise(name: str) -> str:
    text = name.lower().replace("&", " and ").replace("’", "'")
    text = text.replace("'", "")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^the ", "", text)


class BuyerMatcher:
    """Matches buyer names against the forces and collaborations in the database."""

    def __init__(
        self,
        forces: Iterable[tuple[str, str, str, str | None]],
        collaborations: Iterable[tuple[str, str]],
    ) -> None:
        """``forces``: (code, name, short name, Welsh name); ``collaborations``: (code, name)."""
        self._kind: dict[str, str] = {}
        self._exact: dict[str, str] = {}
        self._areas: dict[str, str] = {}
        for code, name, short, welsh in forces:
            self._kind[code] = "force"
            self._exact[normalise(name)] = code
            if welsh:
                self._exact[normalise(welsh)] = code
            self._areas[normalise(short)] = code
            self._areas[normalise(code.replace("-", " "))] = code
            self._areas[_area(normalise(name))] = code
        for code, name in collaborations:
            self._kind[code] = "collaboration"
            self._exact[normalise(name)] = code
        for alias, code in ALIASES.items():
            if code in self._kind:
                self._exact[alias] = code
        for alias, code in AREA_ALIASES.items():
            if code in self._kind:
                self._areas[alias] = code
        self._cache: dict[str, BuyerMatch] = {}

    def match(self, name: str | None) -> BuyerMatch:
        if not name:
            return BuyerMatch(None, "other")
        found = self._cache.get(name)
        if found is None:
            code = self._code(normalise(name))
            found = BuyerMatch(code, self._kind[code] if code else "other")
            self._cache[name] = found
        return found

    def _code(self, text: str) -> str | None:
        if text in self._exact:
            return self._exact[text]
        if not POLICING.search(text) or NOT_POLICE.search(text):
            return None
        area = _area(text)
        return self._areas.get(area)


def _area(text: str) -> str:
    for pattern in _AROUND:
        text = re.sub(pattern, "", text).strip()
    return re.sub(r"^the ", "", text)
