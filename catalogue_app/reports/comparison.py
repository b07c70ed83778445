"""Comparison and pooling results as PDF, in the briefings' style (every text escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.pooling import PoolOutcome
from catalogue_app.reports.document import ACCENT, RULE, PageFurniture, ReportDocument, styles
from catalogue_app.reports.markup import para
from catalogue_app.services.compare import ProductComparison, RouteOption

ATTRIBUTES = [
    ("supplier", "Supplier"),
    ("supplier_status", "Supplier status"),
    ("category", "Category"),
    ("status", "Status"),
    ("accredited_to", "Accredited to"),
    ("unit", "Unit"),
    ("list_price", "List price"),
    ("best_route", "Best route"),
    ("unit_price", "Unit price"),
    ("total", "Total"),
    ("saving_vs_list", "Saving against list price"),
    ("forces_using", "Forces using it"),
    ("lowest_paid", "Lowest paid"),
    ("median_paid", "Median paid"),
    ("highest_paid", "Highest paid"),
    ("buyer_last_paid", "Last paid by the buyer"),
]


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format_gbp(value)
    return str(value)


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f5f8")]),
            ]
        )
    )
    return table


def comparison_story(rows: Sequence[ProductComparison], quantity: int) -> list[Any]:
    st = styles()
    width = landscape(A4)[0] - 36 * mm
    first = 45 * mm
    each = (width - first) / max(1, len(rows))
    header = [para("", st["head"])] + [para(f"{r.name} ({r.code})", st["head"]) for r in rows]
    body = [header]
    for key, title in shown_attributes(rows):
        label = f"{title} at {quantity:,}" if key in ("unit_price", "total") else title
        best = best_columns(rows, key)
        body.append(
            [para(label, st["cell"])]
            + [
                para(
                    _text(getattr(r, key)) + (" (best)" if n in best else ""),
                    st["cell_bold"] if n in best else st["cell"],
                )
                for n, r in enumerate(rows)
            ]
        )
    story: list[Any] = [
        para(f"Comparison at {quantity:,} units", st["h1"]),
        _grid(body, [first] + [each] * len(rows)),
    ]
    notes = [
        f"{r.name} ({r.code}): no framework offers it today; priced at list price."
        for r in rows
        if r.priced_at_list
    ]
    story += [Spacer(1, 2 * mm)] + [para(n, st["small"]) for n in notes]
    return story


def shown_attributes(rows: Sequence[ProductComparison]) -> list[tuple[str, str]]:
    """The attribute rows, without the buyer's row when no buyer was chosen."""
    no_buyer = all(r.buyer_last_paid is None for r in rows)
    return [(k, t) for k, t in ATTRIBUTES if not (k == "buyer_last_paid" and no_buyer)]


# Numeric rows and which way is better: lower prices, higher savings and adoption.
BETTER = {
    "list_price": min,
    "unit_price": min,
    "total": min,
    "saving_vs_list": max,
    "forces_using": max,
    "median_paid": min,
}


def best_columns(rows: Sequence[ProductComparison], key: str) -> set[int]:
    """Columns holding the best value of a numeric row (none when all are equal)."""
    if key not in BETTER:
        return set()
    values = [getattr(r, key) for r in rows]
    present = [v for v in values if v is not None]
    if len(set(present)) < 2:
        return set()
    best = BETTER[key](present)
    return {n for n, v in enumerate(values) if v == best}


def routes_story(product: str, options: Sequence[RouteOption], quantity: int) -> list[Any]:
    st = styles()
    head = [
        "Route",
        "Routes to market",
        "Unit price",
        "Total",
        "Ends",
        "Extensions left",
        "Headroom",
        "Notes",
    ]
    body = [[para(h, st["head"]) for h in head]]
    for o in options:
        cells = [
            o.route,
            o.routes_to_market,
            _text(o.unit_price),
            _text(o.total),
            _text(o.ends),
            str(o.extensions_left),
            _text(o.headroom),
            "; ".join(o.flags),
        ]
        body.append([para(c, st["cell"]) for c in cells])
    widths = [40 * mm, 38 * mm, 24 * mm, 30 * mm, 22 * mm, 22 * mm, 34 * mm, 50 * mm]
    return [para(f"Routes for {product} at {quantity:,} units", st["h1"]), _grid(body, widths)]


def pool_story(product: str, outcome: PoolOutcome) -> list[Any]:
    st = styles()
    head = [
        "Force",
        "Quantity",
        "Alone: route",
        "Alone: unit price",
        "Alone: total",
        "Share of pooled cost",
        "Saving",
    ]
    body = [[para(h, st["head"]) for h in head]]
    for m in outcome.members:
        cells = [
            m.member,
            f"{m.quantity:,}",
            m.alone.route,
            _text(m.alone.unit_price),
            _text(m.alone.total),
            _text(m.pooled_share),
            _text(m.saving),
        ]
        body.append([para(c, st["cell"]) for c in cells])
    widths = [40 * mm, 22 * mm, 45 * mm, 30 * mm, 36 * mm, 38 * mm, 30 * mm]
    summary = (
        f"Pooled: {outcome.quantity:,} units at {_text(outcome.pooled.unit_price)} through "
        f"{outcome.pooled.route} = {_text(outcome.pooled.total)}. Bought alone: "
        f"{_text(outcome.alone_total)}. Pooling saves {_text(outcome.saving)}."
    )
    return [
        para(f"Pooling demand for {product}", st["h1"]),
        para(summary, st["body"]),
        Spacer(1, 3 * mm),
        _grid(body, widths),
    ]


def render(furniture: PageFurniture, story: list[Any], target: str | BinaryIO) -> int:
    """Write a landscape PDF of ``story``; return the number of pages."""
    st = styles()
    doc = ReportDocument(target, furniture, pagesize=landscape(A4))
    doc.build_story(
        [
            para(furniture.title, st["title"]),
            *story,
            Spacer(1, 4 * mm),
            para("Prices and dates in the reference catalogue are illustrative.", st["small"]),
        ]
    )
    return doc.page
