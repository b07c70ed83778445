"""The police authority briefing: BriefingData in, a PDF out.

Every piece of text from the database or the user reaches a Paragraph through
:func:`~catalogue_app.reports.markup.para`, or a table cell as a plain string (which
reportlab draws as it is), so names print literally.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from operator import sub
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.rl_accel import fp_str
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

from catalogue_app.domain import palette
from catalogue_app.domain.money import format_gbp, format_gbp_short
from catalogue_app.domain.pricing import add_months
from catalogue_app.interchange.atomic import atomic_path
from catalogue_app.reports.document import (
    ACCENT,
    FONT,
    FONT_BOLD,
    INK,
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

PREVIOUS = colors.HexColor(palette.PREVIOUS)
_ONE_DAY = timedelta(days=1)
DEMO_MARK = "Includes demonstration data"
WIDTH = 174 * mm


def _money(value: Decimal | None) -> str:
    return "—" if value is None else format_gbp(value)


_CELL_ROOM = 12  # a table cell's default left and right padding, together
_CELL_SIZE, _CELL_LEADING = 7.5, 9.0


def _table(
    head: list[str],
    rows: list[list[str]],
    widths: list[float],
    total: list[str] | None = None,
    figures: bool = True,
) -> Table:
    """A table with a header row (none when ``head`` is empty) and an optional total.
    With ``figures``, numbers after the first column are set flush right. Cells are plain
    strings (drawn literally, never markup), wrapped here to their column's width."""
    grid = [*([head] if head else []), *rows, *([total] if total else [])]
    bold = {0} if head else set()
    if total:
        bold.add(len(grid) - 1)
    body = [
        [
            "\n".join(wrap(c, widths[n] - _CELL_ROOM, FONT_BOLD if r in bold else FONT, _CELL_SIZE))
            for n, c in enumerate(row)
        ]
        for r, row in enumerate(grid)
    ]
    table = Table(body, colWidths=widths, repeatRows=1 if head else 0)
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), _CELL_SIZE),
        ("LEADING", (0, 0), (-1, -1), _CELL_LEADING),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT if head else colors.white),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f5f8")]),
        *[("FONTNAME", (0, r), (-1, r), FONT_BOLD) for r in sorted(bold)],
    ]
    if head:
        style.append(("TEXTCOLOR", (0, 0), (-1, 0), colors.white))
        numeric = [
            figures
            and n > 0
            and bool(rows)
            and all(_numeric(r[n]) or r[n] in ("", "—") for r in rows)
            for n in range(len(head))
        ]
        style += [("ALIGN", (n, 0), (n, 0), "RIGHT") for n, right in enumerate(numeric) if right]
    first = 1 if head else 0
    for n in range(1, len(widths)) if figures else ():
        right = [r for r in range(first, len(grid)) if _numeric(grid[r][n])]
        if right and len(right) == len(grid) - first:
            style.append(("ALIGN", (n, first), (n, -1), "RIGHT"))  # the whole column
        else:
            style += [("ALIGN", (n, r), (n, r), "RIGHT") for r in right]
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
    plot.lines[1].strokeColor = colors.HexColor(palette.TARGET)
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
            fillColor=colors.HexColor(palette.TARGET),
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
        (format_gbp_short(d.spend), "spend in the period"),
        (format_gbp_short(d.savings), "savings realised"),
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
REPEATED = (2, 3, 4)  # product, supplier, route: names that recur, so each is wrapped once
FIGURES = 5  # the columns from here on are figures, set flush right
_APPENDIX_ROOM = [w - 2 * APPENDIX_PAD for w in APPENDIX_WIDTHS]
_APPENDIX_LEFT = [0.0, *accumulate(APPENDIX_WIDTHS)]
_ONE_LINE = APPENDIX_LEADING + 2 * APPENDIX_PAD  # the height of a row of one line
_APPENDIX_HEAD_HEIGHT = _ONE_LINE
_TEXT_LEFT = [fp_str(x + APPENDIX_PAD) for x in _APPENDIX_LEFT[:FIGURES]]  # where text starts
_STRIPE, _BLACK, _WHITE = colors.HexColor("#f2f5f8"), colors.black, colors.white


def _appendix_table(d: BriefingData) -> AppendixPages:
    """Every purchase, one row each, with long names wrapped onto more lines, set a page
    at a time: a page's rows are formatted when the page is laid out, not before."""
    return AppendixPages(d)


class _Rows:
    """The appendix rows of a briefing, formatted on demand: the cells of each purchase
    as plain strings (drawn literally, never markup) with each row's height, then the
    total row. A product, supplier or route is wrapped once however often it recurs."""

    def __init__(self, d: BriefingData) -> None:
        self.d = d
        self.count = len(d.lines) + 1  # every purchase, then the total
        self._wrapped: dict[tuple[int, str], tuple[str, int]] = {}
        self._days: dict[date, str] = {}  # a day's purchases share its text

    def _wrap(self, column: int, text: str) -> tuple[str, int]:
        key = (column, text)
        found = self._wrapped.get(key)
        if found is None:
            lines = wrap(text, _APPENDIX_ROOM[column], FONT, APPENDIX_SIZE)
            found = ("\n".join(lines), len(lines))
            if column in REPEATED:
                self._wrapped[key] = found
        return found

    def row(self, n: int) -> tuple[list[str], float]:
        """Row ``n``'s cells and height."""
        d = self.d
        if n == len(d.lines):
            total = ["Total", plural(len(d.lines), "purchase"), "", "", "", "", ""]
            return [*total, format_gbp(d.spend), format_gbp(d.savings)], _ONE_LINE
        ln = d.lines[n]
        most = 1
        day = self._days.get(ln.order_date)
        if day is None:
            day = self._days[ln.order_date] = day_text(ln.order_date)
        cells = [day]
        for column, text in (
            (1, ln.order_reference),
            (2, ln.product),
            (3, ln.supplier),
            (4, d.route_name(ln.route)),
        ):
            wrapped, lines = self._wrap(column, text)
            cells.append(wrapped)
            most = max(most, lines)
        cells += [
            f"{ln.quantity:,}",
            format_gbp(ln.unit_price),
            format_gbp(ln.total),
            format_gbp(ln.saving),
        ]
        return cells, most * APPENDIX_LEADING + 2 * APPENDIX_PAD


class AppendixPages(Flowable):
    """The appendix, set one page at a time: each page takes the rows that fit it, under
    the header row, so a briefing's time grows with its pages. (One long table would be
    copied whole at every page break, which grows with their square.) Only the page being
    laid out is formatted; the rows already set are let go."""

    def __init__(self, d: BriefingData | _Rows, first: int = 0) -> None:
        super().__init__()
        self.hAlign = "CENTER"  # placed as each page is
        self.rows = d if isinstance(d, _Rows) else _Rows(d)
        self.first = first
        self.width = sum(APPENDIX_WIDTHS)
        self._page: list[tuple[list[str], float]] = []  # the rows formatted ahead

    def _take(self, height: float) -> list[tuple[list[str], float]]:
        """The rows from ``first`` that fit in ``height`` below the header (all that are
        left when they fit), formatting only as many as that."""
        taken: list[tuple[list[str], float]] = []
        used, n = _APPENDIX_HEAD_HEIGHT, self.first
        while n < self.rows.count:
            row = self._page[n - self.first] if n - self.first < len(self._page) else None
            row = row or self.rows.row(n)
            if used + row[1] > height:
                break
            taken.append(row)
            used += row[1]
            n += 1
        return taken

    def wrap(self, _width: float, height: float) -> tuple[float, float]:
        left = self.rows.count - self.first
        least = _APPENDIX_HEAD_HEIGHT + left * _ONE_LINE  # every row is at least one line
        if least > height:
            self.height = least  # too tall for the space whatever the rows hold: split
            return self.width, self.height
        self._page = self._take(height)
        if len(self._page) == left:
            self.height = _APPENDIX_HEAD_HEIGHT + sum(h for _, h in self._page)
        else:
            self.height = height + 1  # some rows must go to the next page: split
        return self.width, self.height

    def split(self, _width: float, availHeight: float) -> list[Flowable]:
        taken = self._take(availHeight)
        if not taken:
            return []  # not even one row fits below the header: start on the next page
        end = self.first + len(taken)
        page = AppendixPage(taken, last=end == self.rows.count)
        if end == self.rows.count:
            return [page]
        return [page, AppendixPages(self.rows, end)]

    def draw(self) -> None:
        # only reached when every row left fits: wrap() has formatted them
        AppendixPage(self._page, last=True).drawOn(self.canv, 0, 0)


class AppendixPage(Flowable):
    """One page of the appendix: the header row, striped rows and, on the last page, the
    total. Drawn straight onto the canvas, as a table with these cells would be, without
    building a table: a briefing has a thousand of these pages."""

    def __init__(self, rows: list[tuple[list[str], float]], last: bool) -> None:
        super().__init__()
        self.hAlign = "CENTER"
        self.rows, self.last = rows, last
        self.width = sum(APPENDIX_WIDTHS)
        self.height = _APPENDIX_HEAD_HEIGHT + sum(h for _, h in rows)

    def wrap(self, _width: float, _height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        text = _PageText(self.canv)
        fill: list[str] = []
        stroke: list[str] = []
        # tops[0]: the header's top; tops[n + 1]: rows[n]'s top; tops[-1]: the bottom
        tops = [
            self.height,
            *accumulate(
                (h for _, h in self.rows), sub, initial=self.height - _APPENDIX_HEAD_HEIGHT
            ),
        ]
        width = self.width
        fill.append(f"{_rgb(ACCENT)} rg 0 {_n(tops[1])} {_n(width)} {_n(tops[0] - tops[1])} re f")
        ruled = len(self.rows) - (1 if self.last else 0)  # rows with a rule below and a stripe
        fill.append(f"{_rgb(_STRIPE)} rg")
        for n in range(1, ruled, 2):  # every second row from the second, as a table stripes
            bottom = tops[n + 2]  # rows[n] lies between tops[n + 1] and tops[n + 2]
            fill.append(f"0 {_n(bottom)} {_n(width)} {_n(tops[n + 1] - bottom)} re f")
        text.color(_WHITE)
        self._cells(text, APPENDIX_HEAD, tops[0], FONT_BOLD)
        text.color(_BLACK)
        for n, (cells, _) in enumerate(self.rows):
            bold = self.last and n == len(self.rows) - 1
            self._cells(text, cells, tops[n + 1], FONT_BOLD if bold else FONT)
        stroke.append(f"0.25 w 1 J 1 j {_rgb(RULE)} RG")
        for y in tops[1 : ruled + 2]:  # below the header and each ruled row
            stroke.append(f"0 {_n(y)} m {_n(width)} {_n(y)} l S")
        if self.last:
            above = _n(tops[-2])  # the total row's top
            stroke.append(f"0.8 w {_rgb(ACCENT)} RG 0 {above} m {_n(width)} {above} l S")
        self.canv.addLiteral("\n".join(["q", *fill, *text.finish(), *stroke, "Q"]))

    @staticmethod
    def _cells(text: _PageText, cells: list[str], top: float, font: str) -> None:
        measure = pdfmetrics.getFont(font).stringWidth
        baseline = top - APPENDIX_PAD - APPENDIX_SIZE
        ys: list[str] = []  # the row's baselines, formatted once for all its cells
        for n, cell in enumerate(cells):
            for k, line in enumerate(cell.split("\n")):
                if not line:
                    continue
                while len(ys) <= k:
                    ys.append(_n(baseline - len(ys) * APPENDIX_LEADING))
                if n < FIGURES:
                    x = _TEXT_LEFT[n]
                else:
                    x = _n(_APPENDIX_LEFT[n + 1] - APPENDIX_PAD - measure(line, APPENDIX_SIZE))
                text.show(f"{x} {ys[k]}", line, font)


def _n(*values: float) -> str:
    """Numbers in a PDF content stream."""
    return fp_str(*values)


def _rgb(color: colors.Color) -> str:
    return fp_str(*color.rgb())


class _Encoder:
    """Text in the appendix's fonts as PDF string operands. The fonts are embedded as
    subsets, so each character's code is the one this document gave it; once every
    character of a string has a code in the first subset (digits, letters, "£"), the
    string is translated in one step rather than character by character."""

    def __init__(self, canvas: Any) -> None:
        self.canvas, self.doc = canvas, canvas._doc
        # font -> (its state in this document, code of each character in the first subset,
        # those characters, the subset's name, how many characters had codes then)
        self.first: dict[str, tuple[Any, dict[int, str], frozenset[str], str, int]] = {}

    def encode(self, text: str, font: str) -> list[tuple[str, str]]:
        """(subset name, escaped characters) for each run of ``text`` in one subset."""
        first = self.first.get(font)
        if first is not None and first[2].issuperset(text):
            return [(first[3], self.canvas._escape(text.translate(first[1]).encode("latin-1")))]
        face: Any = pdfmetrics.getFont(font)  # a TrueType font, embedded as subsets
        parts = [
            (face.getSubsetInternalName(subset, self.doc), self.canvas._escape(chars))
            for subset, chars in face.splitString(text, self.doc)
        ]
        state = face.state[self.doc]
        if first is None or first[4] != len(state.assignments):
            codes = {c: chr(n) for c, n in state.assignments.items() if n < 256 and c != 0xA0}
            known = frozenset(map(chr, codes))
            name = face.getSubsetInternalName(0, self.doc)
            self.first[font] = (state, codes, known, name, len(state.assignments))
        return parts


class _PageText:
    """One text object of a page: strings set at given points in the appendix's size."""

    def __init__(self, canvas: Any) -> None:
        # the codes belong to the document (its font subsets): one encoder per canvas
        self.encoder: _Encoder = vars(canvas).setdefault("_appendix_encoder", _Encoder(canvas))
        self.ops: list[str] = ["BT"]
        self.font = ""

    def color(self, color: colors.Color) -> None:
        self.ops.append(f"{_rgb(color)} rg")

    def show(self, point: str, text: str, font: str) -> None:
        """``text`` with its baseline starting at ``point`` ("x y", formatted)."""
        ops = self.ops
        ops.append(f"1 0 0 1 {point} Tm")
        for name, chars in self.encoder.encode(text, font):
            if name != self.font:
                ops.append(f"{name} {_n(APPENDIX_SIZE)} Tf")
                self.font = name
            ops.append(f"({chars}) Tj")

    def finish(self) -> list[str]:
        return [*self.ops, "ET"]


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
