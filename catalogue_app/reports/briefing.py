"""The police authority briefing: BriefingData in, a PDF out.

Every piece of text from the database or the user reaches a Paragraph through
:func:`~catalogue_app.reports.markup.para`, so names print literally.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.pricing import add_months
from catalogue_app.interchange.atomic import atomic_path
from catalogue_app.reports.document import (
    ACCENT,
    FONT,
    FONT_BOLD,
    RULE,
    PageFurniture,
    ReportDocument,
    styles,
    wrap,
)
from catalogue_app.reports.markup import para
from catalogue_app.services.briefing import (
    CHAMPIONS_LISTED,
    SAVINGS_DEFINITION,
    SECTIONS,
    BriefingData,
    Line,
    TargetProgress,
    day_text,
    plural,
)

PREVIOUS = colors.HexColor("#9fb3c8")
_ONE_DAY = timedelta(days=1)
DEMO_MARK = "Includes demonstration data"
WIDTH = 174 * mm


def _money(value: Decimal | None) -> str:
    return "—" if value is None else format_gbp(value)


def _money_short(value: Decimal) -> str:
    """A figure for a tile: £2.4m, £101k, or pounds and pence below £10,000."""
    sign, size = ("-" if value < 0 else ""), abs(value)
    if size >= 1_000_000:
        return f"{sign}£{size / 1_000_000:,.1f}m"
    if size >= 10_000:
        return f"{sign}£{size / 1_000:,.0f}k"
    return format_gbp(value)


def _table(
    head: list[str],
    rows: list[list[str]],
    widths: list[float],
    total: list[str] | None = None,
    figures: bool = True,
) -> Table:
    """A table with a header row (none when ``head`` is empty) and an optional total.
    With ``figures``, numbers after the first column are set flush right."""
    st = styles()
    right = ParagraphStyle("head_right", st["head"], alignment=TA_RIGHT)
    numeric = [
        figures and n > 0 and bool(rows) and all(_numeric(r[n]) or r[n] in ("", "—") for r in rows)
        for n in range(len(head))
    ]
    body = [[para(h, right if numeric[n] else st["head"]) for n, h in enumerate(head)]]
    body = body if head else []
    body += [
        [
            para(c, st["cell_right"] if figures and n and _numeric(c) else st["cell"])
            for n, c in enumerate(r)
        ]
        for r in rows
    ]
    if total:
        bold_right = ParagraphStyle("cell_bold_right", st["cell_bold"], alignment=TA_RIGHT)
        body.append(
            [
                para(c, bold_right if figures and n and _numeric(c) else st["cell_bold"])
                for n, c in enumerate(total)
            ]
        )
    table = Table(body, colWidths=widths, repeatRows=1 if head else 0)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT if head else colors.white),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f5f8")]),
    ]
    if total:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT))
    table.setStyle(TableStyle(style))
    return table


def _numeric(text: str) -> bool:
    return text[:1] in "£-−0123456789" and any(ch.isdigit() for ch in text)


def _lines_table(lines: list[Line], what: str, compare: bool, limit: int = 15) -> Table:
    """Spend by ``what``, the largest ``limit`` lines and the rest in one; with ``compare``,
    beside the previous period, otherwise with each line's share of the spend."""
    whole = sum((ln.spend for ln in lines), Decimal(0))

    def figures(label: str, group: list[Line]) -> list[str]:
        spend = sum((ln.spend for ln in group), Decimal(0))
        if not compare:
            share = (spend * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal(0)
            return [label, _money(spend), f"{share}%"]
        previous = sum((ln.previous for ln in group), Decimal(0))
        return [label, _money(spend), _money(previous), _money(spend - previous)]

    rows = [figures(ln.label, [ln]) for ln in lines[:limit]]
    if lines[limit:]:
        rows.append(figures(f"and {len(lines) - limit:,} more", lines[limit:]))
    if compare:
        head, widths = ["This period", "Previous period", "Change"], [30 * mm] * 3
    else:
        head, widths = ["This period", "Share of spend"], [30 * mm] * 2
    return _table(
        [what, *head],
        rows,
        [174 * mm - sum(widths), *widths],
        figures("Total", lines),
    )


def _bar_chart(lines: list[Line], title: str, compare: bool) -> Drawing:
    shown = lines[:8][::-1]
    height = 28 + 22 * max(1, len(shown))
    drawing = Drawing(WIDTH, height + 20)  # labels wrap at 140 points
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 10
    chart.width, chart.height = WIDTH - 170, height
    # bar lengths only: the figures printed beside the chart are the exact Decimals
    chart.data = [[float(ln.spend) for ln in shown]]
    if compare:
        chart.data.insert(0, [float(ln.previous) for ln in shown])
    chart.categoryAxis.categoryNames = ["\n".join(wrap(ln.label, 140, size=6.5)) for ln in shown]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labelTextFormat = lambda v: f"£{v / 1000:,.0f}k"
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = PREVIOUS if compare else ACCENT
    chart.bars[1].fillColor = ACCENT
    chart.barSpacing = 1
    drawing.add(chart)
    drawing.add(String(0, height + 10, title, fontName=FONT, fontSize=8))
    drawing.add(
        String(
            WIDTH - 170, height + 10, "■ this period", fontName=FONT, fontSize=7, fillColor=ACCENT
        )
    )
    if compare:
        drawing.add(
            String(
                WIDTH - 100,
                height + 10,
                "■ previous period",
                fontName=FONT,
                fontSize=7,
                fillColor=PREVIOUS,
            )
        )
    return drawing


def _savings_chart(target: TargetProgress) -> Drawing:
    drawing = Drawing(WIDTH, 150)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 50, 20, WIDTH - 70, 110
    # plotted coordinates only; the figures in the text and tables stay Decimal
    points = [(n, float(v)) for n, (_, v) in enumerate(target.cumulative)] or [(0, 0.0)]
    months = [target.cumulative[0][0]] if target.cumulative else [target.start]
    while months[-1] < target.end:  # month ends to the end of the target, counted or not
        months.append(add_months(months[-1].replace(day=1), 2).replace(day=1) - _ONE_DAY)
    last = max(1, len(months) - 1)
    plot.data = [points, [(0, 0.0), (last, float(target.amount))]]
    plot.lines[0].strokeColor = ACCENT
    plot.lines[0].strokeWidth = 1.5
    plot.lines[1].strokeColor = colors.HexColor("#b03a2e")
    plot.lines[1].strokeDashArray = [3, 2]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, last
    plot.xValueAxis.labels.fontName = FONT
    plot.xValueAxis.labels.fontSize = 6.5
    plot.xValueAxis.labelTextFormat = lambda v: (
        months[int(v)].strftime("%b %Y") if 0 <= int(v) < len(months) else ""
    )
    plot.xValueAxis.valueSteps = list(range(0, last + 1, max(1, last // 6)))
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.labels.fontName = FONT
    plot.yValueAxis.labels.fontSize = 6.5
    plot.yValueAxis.labelTextFormat = lambda v: f"£{v / 1_000_000:,.1f}m"
    drawing.add(plot)
    drawing.add(
        String(
            50, 138, "— realised savings (cumulative)", fontName=FONT, fontSize=7, fillColor=ACCENT
        )
    )
    drawing.add(
        String(
            220,
            138,
            "- - target, spread evenly",
            fontName=FONT,
            fontSize=7,
            fillColor=colors.HexColor("#b03a2e"),
        )
    )
    return drawing


def briefing_story(d: BriefingData) -> list[Any]:
    st = styles()
    story: list[Any] = [
        Spacer(1, 30 * mm),
        para("Procurement briefing", st["title"]),
        para(d.buyer_name, st["h1"]),
        para(d.period_label[:1].upper() + d.period_label[1:], st["body"]),
        Spacer(1, 8 * mm),
        _table(
            [],
            [
                [
                    "Prepared for",
                    "Members of the police authority / the police and crime commissioner's office",
                ],
                ["Protective marking", d.marking],
                ["Generated", day_text(d.generated_on)],
                ["Prepared with", f"catalogue-app {d.version}"],
                ["Data fingerprint", d.fingerprint],
                ["Audit trail head", d.audit_head],
            ],
            [50 * mm, 124 * mm],
            figures=False,
        ),
    ]
    if d.includes_demo_data:
        story += [
            Spacer(1, 6 * mm),
            para(DEMO_MARK, st["h2"]),
            para(
                "Some or all of the purchases counted in this briefing are invented "
                "demonstration data, added to show how the briefing works. Do not quote its "
                "figures as facts.",
                st["body"],
            ),
        ]
    sections = set(d.sections)
    if "summary" in sections:
        story += [PageBreak(), *_summary(d)]
    if not d.lines:
        story.append(
            para(
                "No purchases were recorded for this buyer in this period, so "
                "there is no spend to analyse.",
                st["body"],
            )
        )
    if "spend" in sections and d.lines:
        compare = _compares(d)
        story += [
            CondPageBreak(120 * mm),
            para(SECTIONS["spend"], st["h1"]),
            _bar_chart(d.by_category, "Spend by category (largest eight)", compare),
            Spacer(1, 3 * mm),
            _lines_table(d.by_category, "Category", compare),
            Spacer(1, 5 * mm),
            CondPageBreak(60 * mm),
            para("By supplier", st["h2"]),
            _lines_table(d.by_supplier, "Supplier", compare),
            Spacer(1, 5 * mm),
            CondPageBreak(50 * mm),
            para("By framework", st["h2"]),
            _lines_table(d.by_route, "Framework", compare),
        ]
    if "savings" in sections:
        story += [PageBreak(), *_savings(d)]
    if "champions" in sections:
        story += [CondPageBreak(80 * mm), *_champions(d)]
    if "members" in sections and d.members:
        story += [CondPageBreak(60 * mm), *_members(d)]
    if "expiring" in sections:
        story += [CondPageBreak(60 * mm), *_expiring(d)]
    if "method" in sections:
        story += [CondPageBreak(60 * mm), *_method(d)]
    if "appendix" in sections and d.lines:
        # nine columns need a landscape page, as in the ledger PDF
        story += [
            NextPageTemplate("wide"),
            PageBreak(),
            para(SECTIONS["appendix"], st["h1"]),
            _appendix_table(d),
        ]
    return story


def _summary(d: BriefingData) -> list[Any]:
    st = styles()
    out: list[Any] = [para(SECTIONS["summary"], st["h1"])]
    if d.includes_demo_data:
        out.append(
            para(
                f"{DEMO_MARK}: the figures below count invented demonstration purchases.",
                st["body_spaced"],
            )
        )
    out += [_key_figures(d), Spacer(1, 4 * mm)]
    previous = f"{day_text(d.previous_start)} to {day_text(d.previous_end)}"
    if d.previous_spend or d.previous_savings:
        change = d.spend - d.previous_spend
        compared = (
            f", against {_money(d.previous_spend)} in the previous period of the same length "
            f"({previous}), {'up' if change >= 0 else 'down'} {_money(abs(change))}."
        )
    else:
        compared = f". Nothing was recorded in the previous period of the same length ({previous})."
    sentences = [
        f"{d.period_phrase}, {d.buyer_name} recorded {plural(d.purchases, 'purchase')} "
        f"totalling {_money(d.spend)}{compared}"
    ]
    if d.lines:
        sentences += [
            f"These purchases realised savings of {_money(d.savings)} against baseline "
            "prices (Method and sources says how a saving is counted).",
            f"{d.framework_share}% of spend ({_money(d.framework_spend)}) went through "
            f"framework agreements; {_money(d.spend - d.framework_spend)} was bought "
            "off-framework.",
        ]
    if not d.targets:
        sentences.append("No savings target is set for this period.")
    sentences += [_progress(t) for t in d.targets]
    out += [para(s, st["body_spaced"]) for s in sentences]
    if d.lines and _compares(d):
        out += [
            Spacer(1, 3 * mm),
            para("The three biggest changes against the previous period, by category:", st["body"]),
        ]
        out.append(
            _table(
                ["Category", "This period", "Previous", "Change"],
                [
                    [ln.label, _money(ln.spend), _money(ln.previous), _money(ln.change)]
                    for ln in d.biggest_changes
                ],
                [84 * mm, 30 * mm, 30 * mm, 30 * mm],
            )
        )
    return out


def _compares(d: BriefingData) -> bool:
    """Whether the previous period had any spend to compare with."""
    return any(ln.previous for ln in d.by_category)


def _target_amount(t: TargetProgress) -> str:
    return _money(t.amount) + (f" to {_money(t.upper)}" if t.upper else "")


def _progress(t: TargetProgress) -> str:
    """One sentence: a target, the savings counted against it so far and what is left."""
    sentence = (
        f"Against the savings target of {_target_amount(t)} for {day_text(t.start)} to "
        f"{day_text(t.end)}, savings realised from {day_text(t.start)} to "
        f"{day_text(t.counted_to)} come to {_money(t.realised)}, {t.percent}% of "
        f"{_money(t.amount)}"
    )
    if not t.remaining:
        return sentence + "; the target has been met."
    if t.finished:
        return sentence + f"; the target period ended {_money(t.remaining)} short."
    return sentence + f", with {_money(t.remaining)} still to find by {day_text(t.end)}."


def _key_figures(d: BriefingData) -> Table:
    """The four figures a reader looks for first, as a row of tiles."""
    st = styles()
    tiles = [
        (_money_short(d.spend), "spend in the period"),
        (_money_short(d.savings), "savings realised"),
        (f"{d.framework_share}%", "of spend through frameworks"),
        (f"{d.purchases:,}", "purchase" if d.purchases == 1 else "purchases"),
    ]
    widths = [46 * mm, 46 * mm, 46 * mm, 36 * mm]
    cells = []
    for (figure, label), width in zip(tiles, widths, strict=True):
        # a national total may be long: shrink it to stay on one line rather than break it
        natural = pdfmetrics.stringWidth(figure, FONT_BOLD, 1)
        size = min(st["figure"].fontSize, (width - 14) / natural)
        style = ParagraphStyle("tile", st["figure"], fontSize=size, leading=size * 1.25)
        cells.append([para(figure, style), para(label, st["figure_label"])])
    table = Table([cells], colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f2f5f8")),
                ("LINEABOVE", (0, 0), (-1, 0), 1.5, ACCENT),
                ("LINEAFTER", (0, 0), (-2, -1), 2, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _savings(d: BriefingData) -> list[Any]:
    st = styles()
    out: list[Any] = [para(SECTIONS["savings"], st["h1"])]
    if not d.targets:
        out.append(para("No savings target is set for this period.", st["body"]))
    for t in d.targets:
        out.append(
            KeepTogether(
                [
                    para(f"Target for {day_text(t.start)} to {day_text(t.end)}", st["h2"]),
                    para(t.description, st["body_spaced"]),
                    para(_progress(t), st["body_spaced"]),
                    _savings_chart(t),
                    para(f"Source of the target: {t.source}", st["small"]),
                ]
            )
        )
    return out


def _champion_rows(champions: list[Any], bought: bool) -> list[list[str]]:
    """The first CHAMPIONS_LISTED champions (the service has ordered them), then a count;
    when ``bought``, with when each was first bought and how often in the period."""
    rows = [
        [
            c.name,
            *([day_text(c.first_bought) if c.first_bought else "—", f"{c.purchases:,}"] * bought),
            _money(c.peers.lowest),
            _money(c.peers.median),
            _money(c.peers.highest),
        ]
        for c in champions[:CHAMPIONS_LISTED]
    ]
    if len(champions) > CHAMPIONS_LISTED:
        more = f"and {len(champions) - CHAMPIONS_LISTED:,} more"
        rows.append([more] + [""] * (len(rows[0]) - 1))
    return rows


def _champions(d: BriefingData) -> list[Any]:
    st = styles()
    if d.buyer_kind == "collaboration":
        how = f"{d.buyer_name} has bought it jointly"
    else:
        how = (
            f"{d.buyer_name} has bought it, alone or through a collaboration it belonged "
            "to at the time"
        )
    out: list[Any] = [
        para(SECTIONS["champions"], st["h1"]),
        para(
            f"A champion product is in use when {how} by {day_text(d.end)}. "
            "What peers paid is shown only as the lowest, median and highest "
            "unit price across all forces' purchases.",
            st["small"],
        ),
    ]
    prices, widths = ["Lowest", "Median", "Highest"], [22 * mm] * 3
    if d.champions_used:
        out += [
            para(f"In use ({len(d.champions_used):,})", st["h2"]),
            _table(
                ["Champion product", "First bought", "Bought in period", *prices],
                _champion_rows(d.champions_used, True),
                [64 * mm, 22 * mm, 22 * mm, *widths],
            ),
        ]
    if d.champions_unused:
        out += [
            para(f"Not yet adopted ({len(d.champions_unused):,})", st["h2"]),
            _table(
                ["Champion product", *prices],
                _champion_rows(d.champions_unused, False),
                [108 * mm, *widths],
            ),
        ]
    return out


def _members(d: BriefingData) -> list[Any]:
    st = styles()
    rows = [[m.force, _money(m.spend), _money(m.savings)] for m in d.members]
    total = [
        "Total of joint purchases",
        _money(sum((m.spend for m in d.members), Decimal(0))),
        _money(sum((m.savings for m in d.members), Decimal(0))),
    ]
    return [
        para(SECTIONS["members"], st["h1"]),
        para(
            "Each joint purchase is split across the members to the penny; savings "
            "follow the same proportions, so the parts add up to the totals.",
            st["small"],
        ),
        _table(
            ["Member", "Share of spend", "Share of savings"],
            rows,
            [94 * mm, 40 * mm, 40 * mm],
            total,
        ),
    ]


def _expiring(d: BriefingData) -> list[Any]:
    st = styles()
    out: list[Any] = [
        para(SECTIONS["expiring"], st["h1"]),
        para(
            "Framework agreements ending in the twelve months after "
            f"{day_text(d.generated_on)}, the day this briefing was generated.",
            st["small"],
        ),
    ]
    if not d.expiring:
        return [*out, para("None.", st["body"])]
    rows = [
        [
            e.reference,
            e.title,
            day_text(e.ends),
            f"{e.extensions_left} × {e.extension_months} months" if e.extensions_left else "None",
        ]
        for e in d.expiring
    ]
    return [
        *out,
        _table(
            ["Reference", "Framework", "Ends", "Extensions left"],
            rows,
            [32 * mm, 88 * mm, 24 * mm, 30 * mm],
            figures=False,
        ),
    ]


def _method(d: BriefingData) -> list[Any]:
    st = styles()
    whose = (
        f"the joint purchases recorded for {d.buyer_name}"
        if d.buyer_kind == "collaboration"
        else f"the purchases {d.buyer_name} recorded itself and the joint purchases of "
        "collaborations it has a share in"
    )
    text = [
        f"The figures come from the purchase ledger kept in this catalogue: {whose}, "
        f"ordered from {day_text(d.start)} to {day_text(d.end)} and not voided. A ledger "
        "export for the same buyer and period lists the same purchases, and its totals "
        "agree with this briefing to the penny.",
        "Spend is quantity × unit price of each of those purchases. The previous period is "
        "the same number of days immediately before, counted the same way.",
        SAVINGS_DEFINITION,
        "Money is held exactly in pence and rounded half up to the penny in one place. The "
        "summary tiles show the same figures rounded: to the nearest £1,000 from £10,000, "
        "and to the nearest £100,000 from £1 million.",
        "Reference prices, most framework dates and all demonstration purchases are "
        "illustrative; each record of the catalogue says where its facts come from.",
        f"{_notices_sentence(d)} {_audit_sentence(d)} {_merges_sentence(d)}".rstrip(),
    ]
    return [para(SECTIONS["method"], st["h1"]), *[para(t, st["body_spaced"]) for t in text]]


def _merges_sentence(d: BriefingData) -> str:
    """When work done on offline copies was last merged into the ledger, from which devices,
    and how many purchases still wait for a decision between two versions (nothing when no
    offline work has been merged and no conflict is open)."""
    if not d.merged_from and not d.open_conflicts:
        return ""
    if d.merged_from:
        merges = "; ".join(
            f"{name} on {day_text(when.astimezone().date())}" for name, when in d.merged_from
        )
        text = f"Work recorded on offline copies was last merged into this ledger from {merges}."
    else:
        text = "No work recorded on an offline copy has been merged into this ledger."
    n = d.open_conflicts
    if n:
        text += (
            f" {n:,} purchase{'s' if n != 1 else ''} changed in two places "
            f"{'await' if n != 1 else 'awaits'} a decision between the two versions (an open "
            "conflict); the figures count the version held here."
        )
    elif d.merged_from:
        text += " No conflict between two versions of a purchase is open."
    return text


def _audit_sentence(d: BriefingData) -> str:
    """The audit trail's state the figures were computed from, to check a later copy by."""
    return f"Audit trail head: {d.audit_head} (as on the cover)."


def _notices_sentence(d: BriefingData) -> str:
    """How many of the period's purchases were recorded from published notices."""
    if not d.from_notices:
        return "None of this period's purchases was recorded from a published notice."
    many = d.from_notices != 1
    return (
        f"{d.from_notices:,} of this period's {d.purchases:,} purchases "
        f"({format_gbp(d.notice_spend)} of the spend) {'were' if many else 'was'} recorded from "
        "published contract notices (Contracts Finder, Find a Tender and the other UK "
        "portals, read as Open Contracting data); each names its notice in its notes."
    )


APPENDIX_HEAD = [
    "Date",
    "Order reference",
    "Product",
    "Supplier",
    "Route",
    "Qty",
    "Unit price",
    "Total",
    "Saving",
]
APPENDIX_WIDTHS = [x * mm for x in (18, 31, 52, 31, 47, 12, 20, 27, 23)]  # 261 mm: landscape A4
APPENDIX_SIZE, APPENDIX_LEADING, APPENDIX_PAD = 7.0, 8.5, 2.0
WRAPPED = (1, 2, 3, 4)  # order reference, product, supplier, route: wrapped, never cut


def _appendix_table(d: BriefingData) -> AppendixPages:
    """Every purchase, one row each, with long names wrapped onto more lines. Cells are
    plain strings (drawn literally, never markup); each row's height is measured once
    here, so the rows that fit a page are known without laying them out."""
    room = [w - 2 * APPENDIX_PAD for w in APPENDIX_WIDTHS]
    body: list[list[str]] = []
    heights: list[float] = []
    for ln in d.lines:
        cells = [
            day_text(ln.order_date),
            ln.order_reference,
            ln.product,
            ln.supplier,
            d.route_name(ln.route),
            f"{ln.quantity:,}",
            format_gbp(ln.unit_price),
            format_gbp(ln.total),
            format_gbp(ln.saving),
        ]
        most = 1
        for n in WRAPPED:
            lines = wrap(cells[n], room[n], FONT, APPENDIX_SIZE)
            cells[n] = "\n".join(lines)
            most = max(most, len(lines))
        body.append(cells)
        heights.append(most * APPENDIX_LEADING + 2 * APPENDIX_PAD)
    body.append(
        [
            "Total",
            plural(len(d.lines), "purchase"),
            "",
            "",
            "",
            "",
            "",
            format_gbp(d.spend),
            format_gbp(d.savings),
        ]
    )
    heights.append(APPENDIX_LEADING + 2 * APPENDIX_PAD)
    return AppendixPages(body, heights)


_APPENDIX_HEAD_HEIGHT = APPENDIX_LEADING + 2 * APPENDIX_PAD


def _appendix_style(last: bool) -> TableStyle:
    """One page's table: the header row, striped rows and, on the last page, the total."""
    rows_end = -2 if last else -1
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), APPENDIX_SIZE),
        ("LEADING", (0, 0), (-1, -1), APPENDIX_LEADING),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("ALIGN", (5, 0), (-1, -1), "RIGHT"),
        ("ROWBACKGROUNDS", (0, 1), (-1, rows_end), [colors.white, colors.HexColor("#f2f5f8")]),
        ("LINEBELOW", (0, 0), (-1, rows_end), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), APPENDIX_PAD),
        ("BOTTOMPADDING", (0, 0), (-1, -1), APPENDIX_PAD),
        ("LEFTPADDING", (0, 0), (-1, -1), APPENDIX_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), APPENDIX_PAD),
    ]
    if last:
        style += [
            ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
        ]
    return TableStyle(style)


class AppendixPages(Flowable):
    """The appendix, set one page at a time: each page is its own table of the rows that
    fit it, under the header row, so a briefing's time grows with its pages. (One long
    table would be copied whole at every page break, which grows with their square.)

    ``rows`` ends with the total row; ``heights`` are the rows' heights, measured once.
    """

    def __init__(self, rows: list[list[str]], heights: list[float], first: int = 0) -> None:
        super().__init__()
        self.hAlign = "CENTER"  # placed as each page's table is
        self.rows, self.heights, self.first = rows, heights, first
        # the height of rows[first:k] is ends[k] - ends[first]
        self.ends = [0.0, *accumulate(heights)] if first == 0 else []

    def _rest(self, first: int) -> AppendixPages:
        rest = AppendixPages(self.rows, self.heights, first)
        rest.ends = self.ends
        return rest

    def wrap(self, _width: float, _height: float) -> tuple[float, float]:
        self.width = sum(APPENDIX_WIDTHS)
        self.height = _APPENDIX_HEAD_HEIGHT + self.ends[-1] - self.ends[self.first]
        return self.width, self.height

    def page(self, first: int, end: int) -> Table:
        """The table of rows[first:end] under the header row."""
        table = Table(
            [APPENDIX_HEAD, *self.rows[first:end]],
            colWidths=APPENDIX_WIDTHS,
            rowHeights=[_APPENDIX_HEAD_HEIGHT, *self.heights[first:end]],
        )
        table.setStyle(_appendix_style(last=end == len(self.rows)))
        return table

    def split(self, _width: float, availHeight: float) -> list[Flowable]:
        # the rows after ``first`` that fit below the header, added up as a table does
        if availHeight < _APPENDIX_HEAD_HEIGHT:
            return []
        limit = availHeight - _APPENDIX_HEAD_HEIGHT + self.ends[self.first]
        end = bisect_right(self.ends, limit, self.first) - 1
        if end <= self.first:
            return []  # not even one row fits: start on the next page
        if end >= len(self.rows):
            return [self.page(self.first, len(self.rows))]
        return [self.page(self.first, end), self._rest(end)]

    def draw(self) -> None:
        table = self.page(self.first, len(self.rows))
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)


def render_briefing(
    d: BriefingData, target: str | BinaryIO, cancelled: Callable[[], bool] | None = None
) -> int:
    """Write the briefing PDF; return its number of pages.

    ``cancelled`` is asked after each flowable; when it answers true the build stops
    with :class:`~catalogue_app.reports.document.BuildCancelled`.
    """
    title = f"Procurement briefing, {d.period_label}"
    if d.includes_demo_data:
        title += f" — {DEMO_MARK}"  # in every page's header
    furniture = PageFurniture(title, d.buyer_name, d.marking, d.generated_on)
    doc = ReportDocument(target, furniture)
    doc.cancelled = cancelled
    doc.build_story(briefing_story(d))
    return doc.page


def write_briefing(
    d: BriefingData,
    target: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protected: Iterable[Path] = (),
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """:func:`render_briefing` into ``target`` through the atomic writer: a cancelled or
    failed build leaves the previous file as it was. Returns the number of pages."""
    with atomic_path(target, overwrite=overwrite, protected=protected) as temporary:
        return render_briefing(d, str(temporary), cancelled)
