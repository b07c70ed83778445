"""Medians of repeated runs, and the result line format."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Line:
    name: str
    figure: float | None
    floor: float | None = None
    unit: str = "ms"
    target: str = ""
    met: bool | None = None
    note: str = ""
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        if self.figure is None or not self.floor:
            return None
        if self.higher_is_better:
            return self.floor / self.figure if self.figure else None
        return self.figure / self.floor

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def median_ms(fn: Callable[[], object], runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.1f} {unit}"


def table(lines: list[Line]) -> str:
    rows = [("measure", "figure", "floor", "ratio", "target", "")]
    for line in lines:
        ratio = line.ratio
        verdict = {True: "met", False: "MISSED", None: ""}[line.met]
        rows.append(
            (
                line.name,
                fmt(line.figure, line.unit),
                fmt(line.floor, line.unit),
                f"{ratio:.2f}×" if ratio is not None else "—",
                line.target,
                verdict + (f"  {line.note}" if line.note else ""),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    out = []
    for n, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in (1, 2, 3)]
        cells += [r[4].ljust(widths[4]), r[5]]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("-" * len(out[0]))
    return "\n".join(out)
