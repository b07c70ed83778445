"""Medians of repeated runs, and the result line format."""

from __future__ import annotations

import math
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
    grows: float | None = None  # k in time ∝ nᵏ, measured between two sizes

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
    if unit == "×":
        return f"{value:,.2f}×"
    return f"{value:,.1f} {unit}"


def grows_like(exponent: float | None) -> str:
    """``n^1.02``, named when it is plainly linear or quadratic."""
    if exponent is None:
        return "—"
    name = (
        " sublinear"
        if exponent < 0.85
        else " linear"
        if exponent < 1.15
        else " quadratic"
        if 1.85 <= exponent <= 2.15
        else ""
    )
    return f"n^{exponent:.2f}{name}"


def table(lines: list[Line]) -> str:
    rows = [("measure", "figure", "floor", "ratio", "grows like", "target", "")]
    for line in lines:
        ratio = line.ratio
        verdict = {True: "met", False: "MISSED", None: ""}[line.met]
        rows.append(
            (
                line.name,
                fmt(line.figure, line.unit),
                fmt(line.floor, line.unit),
                f"{ratio:.2f}×" if ratio is not None else "—",
                grows_like(line.grows),
                line.target,
                verdict + (f"  {line.note}" if line.note else ""),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    out = []
    for n, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in (1, 2, 3, 4)]
        cells += [r[5].ljust(widths[5]), r[6]]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("-" * len(out[0]))
    return "\n".join(out)


def growth(small: float, small_seconds: float, large: float, large_seconds: float) -> float:
    """The exponent k in time ∝ nᵏ between two sizes: 1 is linear, 2 quadratic."""
    return math.log(large_seconds / small_seconds) / math.log(large / small)
