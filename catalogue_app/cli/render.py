"""Rendering command results for the terminal: aligned table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

FORMATS = ("table", "json", "csv")
MAX_CELL = 48


def as_json(value: Any) -> str:
    """``value`` (records, or one record) as indented JSON, non-ASCII kept readable."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def render(records: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    if fmt == "json":
        return as_json(list(records))
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow({c: _cell(record.get(c), limit=None) for c in columns})
        return buffer.getvalue()
    return _table(records, columns)


def _cell(value: Any, *, limit: int | None = MAX_CELL) -> str:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).isdigit()


def _table(records: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    if not records:
        return "(none)\n"
    cells = [[_cell(r.get(c)) for c in columns] for r in records]
    headers = [c.replace("_", " ") for c in columns]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) or not row[i] for row in cells) for i in range(len(columns))]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out) + "\n"
