"""Purchase ledger as table pages: every line, header row repeated on each page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Spacer, TableStyle

from catalogue_app.domain.money import format_gbp
from catalogue_app.reports.document import (
    ACCENT,
    FONT,
    FONT_BOLD,
    RULE,
    PageFurniture,
    ReportDocument,
    fit,
    styles,
)
from catalogue_app.reports.markup import para
from catalogue_app.services.ledger import LedgerLine

HEADERS = [
    "Date",
    "Order ref",
    "Product",
    "Supplier",
    "Route",
    "Qty",
    "Unit price",
    "Total",
    "Saving",
]
WIDTHS = [18 * mm, 38 * mm, 58 * mm, 38 * mm, 28 * mm, 14 * mm, 20 * mm, 27 * mm, 20 * mm]
FONT_SIZE = 7.5
PADDING = 2


@dataclass(frozen=True)
class LedgerReport:
    furniture: PageFurniture
    lines: Sequence[LedgerLine]


def ledger_table(lines: Sequence[LedgerLine]) -> LongTable:
    """One line per purchase, for a landscape A4 page. Cells are plain strings (drawn
    literally, never markup), cut to their column's width so that every row is one line."""
    widths = WIDTHS
    room = [w - 2 * PADDING for w in widths]
    body: list[list[str]] = [HEADERS]
    total = saving = Decimal(0)
    for line in lines:
        total += line.total
        saving += line.saving
        body.append(
            [
                line.order_date.isoformat(),
                fit(line.order_reference, room[1]),
                fit(line.product, room[2]),
                fit(line.supplier, room[3]),
                fit(str(line.route), room[4]),
                f"{line.quantity:,}",
                format_gbp(line.unit_price),
                format_gbp(line.total),
                format_gbp(line.saving),
            ]
        )
    body.append(
        [
            "Total",
            f"{len(lines):,} purchases",
            "",
            "",
            "",
            "",
            "",
            format_gbp(total),
            format_gbp(saving),
        ]
    )
    # Every row is one line: fixed heights spare reportlab measuring each cell again
    # every time the table breaks across a page (quadratic in the number of rows).
    row_height = FONT_SIZE + 1.5 + 2 * 1.5 + 1
    table = LongTable(body, colWidths=widths, rowHeights=[row_height] * len(body), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), FONT_SIZE),
                ("LEADING", (0, 0), (-1, -1), FONT_SIZE + 1.5),
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
                ("ALIGN", (5, 0), (-1, -1), "RIGHT"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f2f5f8")]),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
            ]
        )
    )
    return table


def render_ledger(report: LedgerReport, target: str | BinaryIO) -> int:
    """Write the ledger PDF (A4 landscape); return the number of pages."""
    st = styles()
    doc = ReportDocument(target, report.furniture, pagesize=landscape(A4))
    story: list[Any] = [
        para(report.furniture.title, st["title"]),
        para(report.furniture.buyer, st["h1"]),
        Spacer(1, 2 * mm),
    ]
    if report.lines:
        story.append(ledger_table(report.lines))
    else:
        story.append(para("No purchases were recorded in this period.", st["body"]))
    doc.build_story(story)
    return doc.page
