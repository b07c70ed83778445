"""The comparison CSV: the blocks the comparison window shows, one under another.

A block is a title row (optional), a header row and its rows. Money is written
to the penny without separators, counts as plain numbers, nothing as an empty
cell; text is neutralised against formula injection (see
:mod:`catalogue_app.interchange.purchases`).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from catalogue_app.interchange.atomic import atomic_open
from catalogue_app.interchange.purchases import neutralise


@dataclass(frozen=True)
class Block:
    title: str | None
    header: Sequence[str]
    rows: Sequence[Sequence[object]]


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool | int):
        return str(value)
    return neutralise(str(value))


def write_comparison_csv(
    blocks: Sequence[Block],
    target: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protected: Iterable[Path] = (),
) -> None:
    """Write ``blocks`` with an empty row between them."""
    with atomic_open(
        target, "w", overwrite=overwrite, protected=protected, newline="", encoding="utf-8"
    ) as handle:
        writer = csv.writer(handle)
        for n, block in enumerate(blocks):
            if n:
                writer.writerow([])
            if block.title is not None:
                writer.writerow([cell(block.title)])
            writer.writerow([cell(h) for h in block.header])
            writer.writerows([cell(v) for v in row] for row in block.rows)
