"""Search synonyms: other words officers use for the same kind of product.

A search for "body armour" should also find the vests filed under the CPV
category "Bullet-proof vests". The synonym table (``db/reference/synonyms.csv``)
lists groups of interchangeable phrases; a category group ("Body armour") also
leads to the labels of the categories in it, one way only (a search for "vans"
must not find motorcycles because both are vehicles).

Words are compared loosely: case, punctuation and a plural "s" do not matter,
so "Body-worn cameras" matches the phrase "body worn camera". The phrases put
in a search's place are given in that loose form too, and every word of them
is matched as a prefix ("vest" finds "vests").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from catalogue_app.domain.errors import ReferenceDataError

MAX_ALTERNATIVES = 24
_WORD = re.compile(r"[^\W_]+")

Phrase = tuple[str, ...]


def stem(word: str) -> str:
    """A word as phrases are compared: lower case, without a plural "s"."""
    word = word.lower()
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def phrase(text: str) -> Phrase:
    """The words of ``text`` in the loose form phrases are compared in."""
    return tuple(stem(w) for w in _WORD.findall(text))


@dataclass(frozen=True)
class SynonymTable:
    """Rules from a phrase to the phrases that may stand in its place."""

    rules: Mapping[Phrase, tuple[Phrase, ...]] = field(default_factory=dict)

    @classmethod
    def from_rows(
        cls, rows: Iterable[Mapping[str, str | None]], source: str = "synonyms.csv"
    ) -> SynonymTable:
        """Groups of interchangeable terms: rows with the same ``group`` are synonyms."""
        groups: dict[str, list[Phrase]] = {}
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            group = (row.get("group") or "").strip()
            term = phrase(row.get("term") or "")
            if not group or not term:
                raise ReferenceDataError(f"{source}, row {number}: needs both a group and a term")
            members = groups.setdefault(group, [])
            if term not in members:
                members.append(term)
        table = cls()
        for name, members in groups.items():
            if len(members) < 2:
                raise ReferenceDataError(f"{source}: the synonym group “{name}” has only one term")
            table = table.with_rules((m, [o for o in members if o != m]) for m in members)
        return table

    def with_rules(self, rules: Iterable[tuple[Phrase, Iterable[Phrase]]]) -> SynonymTable:
        """This table and, one way, each phrase's further alternatives."""
        merged = {k: list(v) for k, v in self.rules.items()}
        for source, targets in rules:
            if not source:
                continue
            known = merged.setdefault(source, [])
            known.extend(t for t in targets if t and t != source and t not in known)
        return SynonymTable({k: tuple(v) for k, v in merged.items() if v})

    def alternatives(self, text: str) -> list[list[str]]:
        """Other searches that mean what ``text`` means: each replaces one phrase of it
        with a synonym. The search itself is not among them."""
        words = phrase(text)
        found: list[list[str]] = []
        seen = {words}
        for start in range(len(words)):
            for source, targets in self.rules.items():
                end = start + len(source)
                if words[start:end] != source:
                    continue
                for target in targets:
                    candidate = words[:start] + target + words[end:]
                    if candidate not in seen:
                        seen.add(candidate)
                        found.append(list(candidate))
                        if len(found) == MAX_ALTERNATIVES:
                            return found
        return found
