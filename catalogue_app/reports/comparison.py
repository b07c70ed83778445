"""Comparison and pooling results as PDF, in the briefings' style (every text escaped)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.pooling import MemberOutcome, PoolOutcome
from catalogue_app.interchange.atomic import atomic_path
from catalogue_app.interchange.comparison import Block
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


def display_text(value: Any) -> str:
    """A value as a reader sees it: money in pounds, counts with thousands separators."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format_gbp(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def plain(value: Any) -> str:
    """A value for a CSV cell: money as 1234.50, no separators, empty for none."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
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
                    display_text(getattr(r, key)) + (" (best)" if n in best else ""),
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


# Every numeric row and which way is better: lower prices, higher savings and adoption.
BETTER = {
    "list_price": min,
    "unit_price": min,
    "total": min,
    "saving_vs_list": max,
    "forces_using": max,
    "lowest_paid": min,
    "median_paid": min,
    "highest_paid": min,
    "buyer_last_paid": min,
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


ROUTE_HEAD = [
    "Route",
    "Routes to market",
    "Unit price",
    "Total",
    "Ends",
    "Extensions left",
    "Headroom",
    "Notes",
]
POOL_HEAD = [
    "Force",
    "Quantity",
    "Alone: route",
    "Alone: unit price",
    "Alone: total",
    "Pooled share",
    "Saving",
]


def route_values(o: RouteOption) -> list[Any]:
    """One route as values in ROUTE_HEAD order (the window, the PDF and the CSV share it)."""
    return [
        o.route,
        o.routes_to_market,
        o.unit_price,
        o.total,
        o.ends,
        o.extensions_left,
        o.headroom,
        "; ".join(o.flags),
    ]


def pool_values(m: MemberOutcome, names: Mapping[str, str] | None = None) -> list[Any]:
    """One member of a pool in POOL_HEAD order; ``names`` turns force codes into names."""
    return [
        (names or {}).get(m.member, m.member),
        m.quantity,
        m.alone.route,
        m.alone.unit_price,
        m.alone.total,
        m.pooled_share,
        m.saving,
    ]


def pool_summary(outcome: PoolOutcome) -> str:
    pooled = outcome.pooled
    how = (
        "off-framework at list price"
        if pooled.route.is_off_framework
        else f"through {pooled.route}"
    )
    return (
        f"Pooled: {outcome.quantity:,} units at {display_text(pooled.unit_price)} {how} = "
        f"{display_text(pooled.total)}. Bought alone: {display_text(outcome.alone_total)}. "
        f"Pooling saves {display_text(outcome.saving)}."
    )


def routes_story(product: str, options: Sequence[RouteOption], quantity: int) -> list[Any]:
    st = styles()
    body = [[para(h, st["head"]) for h in ROUTE_HEAD]]
    body += [[para(display_text(v), st["cell"]) for v in route_values(o)] for o in options]
    widths = [40 * mm, 38 * mm, 24 * mm, 30 * mm, 22 * mm, 22 * mm, 34 * mm, 50 * mm]
    return [para(f"Routes for {product} at {quantity:,} units", st["h1"]), _grid(body, widths)]


def pool_story(
    product: str, outcome: PoolOutcome, names: Mapping[str, str] | None = None
) -> list[Any]:
    """The pooling result, members by name when ``names`` knows them."""
    st = styles()
    body = [[para(h, st["head"]) for h in POOL_HEAD]]
    body += [
        [para(display_text(v), st["cell"]) for v in pool_values(m, names)] for m in outcome.members
    ]
    widths = [52 * mm, 22 * mm, 45 * mm, 30 * mm, 36 * mm, 38 * mm, 30 * mm]
    return [
        para(f"Pooling demand for {product}", st["h1"]),
        para(pool_summary(outcome), st["body"]),
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


def write_pdf(
    furniture: PageFurniture,
    story: list[Any],
    target: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protected: Iterable[Path] = (),
) -> int:
    """:func:`render` into ``target`` through the atomic writer; return the number of pages."""
    with atomic_path(target, overwrite=overwrite, protected=protected) as temporary:
        return render(furniture, story, str(temporary))


def comparison_blocks(
    rows: Sequence[ProductComparison],
    *,
    routes: Sequence[RouteOption] = (),
    route_product: str | None = None,
    quantity: int | None = None,
    outcome: PoolOutcome | None = None,
    pool_product: str | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Block]:
    """The comparison as the CSV writes it: the same three parts as the PDF, each a block
    (attributes; routes for one product at a quantity; pooling demand), the last two only
    when they were worked out."""
    blocks = [
        Block(
            None,
            ["attribute", *[r.code for r in rows]],
            [[title, *[getattr(r, key) for r in rows]] for key, title in shown_attributes(rows)],
        )
    ]
    if route_product and routes:
        blocks.append(
            Block(
                f"Routes for {route_product} at {quantity}",
                ROUTE_HEAD,
                [route_values(o) for o in routes],
            )
        )
    if outcome is not None:
        pooled = outcome.pooled
        blocks.append(
            Block(
                f"Pooling demand for {pool_product}",
                POOL_HEAD,
                [
                    *[pool_values(m, names) for m in outcome.members],
                    [
                        "Pooled",
                        outcome.quantity,
                        pooled.route,
                        pooled.unit_price,
                        None,
                        pooled.total,
                        outcome.saving,
                    ],
                ],
            )
        )
    return blocks
