"""The police authority briefing: BriefingData in, a PDF out.

Every piece of text from the database or the user reaches a Paragraph through
:func:`~catalogue_app.reports.markup.para`, so names print literally.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from catalogue_app.domain.money import format_gbp
from catalogue_app.interchange.atomic import atomic_path
from catalogue_app.reports.document import (
    ACCENT,
    FONT,
    FONT_BOLD,
    RULE,
    PageFurniture,
    ReportDocument,
    styles,
)
from catalogue_app.reports.ledger import ledger_table
from catalogue_app.reports.markup import para
from catalogue_app.services.briefing import CHAMPIONS_LISTED, SECTIONS, BriefingData, Line

PREVIOUS = colors.HexColor("#9fb3c8")
DEMO_MARK = "Includes demonstration data"
WIDTH = 174 * mm


def _money(value: Decimal | None) -> str:
    return "—" if value is None else format_gbp(value)


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
    body = [[para(h, st["head"]) for h in head]] if head else []
    body += [
        [
            para(c, st["cell_right"] if figures and n and _numeric(c) else st["cell"])
            for n, c in enumerate(r)
        ]
        for r in rows
    ]
    if total:
        body.append([para(c, st["cell_bold"]) for c in total])
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


def _lines_table(lines: list[Line], what: str, limit: int = 15) -> Table:
    shown = lines[:limit]
    rows = [[ln.label, _money(ln.spend), _money(ln.previous), _money(ln.change)] for ln in shown]
    rest = lines[limit:]
    if rest:
        rows.append(
            [
                f"{len(rest)} more",
                _money(sum((ln.spend for ln in rest), Decimal(0))),
                _money(sum((ln.previous for ln in rest), Decimal(0))),
                _money(sum((ln.change for ln in rest), Decimal(0))),
            ]
        )
    total = [
        "Total",
        _money(sum((ln.spend for ln in lines), Decimal(0))),
        _money(sum((ln.previous for ln in lines), Decimal(0))),
        _money(sum((ln.change for ln in lines), Decimal(0))),
    ]
    return _table(
        [what, "This period", "Previous period", "Change"],
        rows,
        [84 * mm, 30 * mm, 30 * mm, 30 * mm],
        total,
    )


def _bar_chart(lines: list[Line], title: str) -> Drawing:
    shown = lines[:8][::-1]
    height = 28 + 22 * max(1, len(shown))
    drawing = Drawing(WIDTH, height + 20)
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 10
    chart.width, chart.height = WIDTH - 170, height
    # bar lengths only: the figures printed beside the chart are the exact Decimals
    chart.data = [[float(ln.previous) for ln in shown], [float(ln.spend) for ln in shown]]
    chart.categoryAxis.categoryNames = [ln.label[:34] for ln in shown]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labelTextFormat = lambda v: f"£{v / 1000:,.0f}k"
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = PREVIOUS
    chart.bars[1].fillColor = ACCENT
    chart.barSpacing = 1
    drawing.add(chart)
    drawing.add(String(0, height + 10, title, fontName=FONT, fontSize=8))
    drawing.add(
        String(
            WIDTH - 170, height + 10, "■ this period", fontName=FONT, fontSize=7, fillColor=ACCENT
        )
    )
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


def _savings_chart(target: Any) -> Drawing:
    drawing = Drawing(WIDTH, 150)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 50, 20, WIDTH - 70, 110
    # plotted coordinates only; the figures in the text and tables stay Decimal
    points = [(n, float(v)) for n, (_, v) in enumerate(target.cumulative)]
    last = max(1, len(points) - 1)
    plot.data = [points, [(0, 0.0), (last, float(target.amount))]]
    plot.lines[0].strokeColor = ACCENT
    plot.lines[0].strokeWidth = 1.5
    plot.lines[1].strokeColor = colors.HexColor("#b03a2e")
    plot.lines[1].strokeDashArray = [3, 2]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, last
    plot.xValueAxis.labels.fontName = FONT
    plot.xValueAxis.labels.fontSize = 6.5
    months = [d for d, _ in target.cumulative]
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
                ["Generated", f"{d.generated_on.day} {d.generated_on:%B %Y}"],
                ["Prepared with", f"catalogue-app {d.version}"],
                ["Data fingerprint", d.fingerprint],
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
        story += [
            CondPageBreak(120 * mm),
            para(SECTIONS["spend"], st["h1"]),
            _bar_chart(d.by_category, "Spend by category (largest eight)"),
            Spacer(1, 3 * mm),
            _lines_table(d.by_category, "Category"),
            Spacer(1, 5 * mm),
            CondPageBreak(60 * mm),
            para("By supplier", st["h2"]),
            _lines_table(d.by_supplier, "Supplier"),
            Spacer(1, 5 * mm),
            CondPageBreak(50 * mm),
            para("By route", st["h2"]),
            _lines_table(d.by_route, "Route"),
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
        # the ledger's nine columns need a landscape page, as in the ledger PDF
        story += [
            NextPageTemplate("wide"),
            PageBreak(),
            para(SECTIONS["appendix"], st["h1"]),
            ledger_table(d.lines),
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
    change = d.spend - d.previous_spend
    sentences = [
        f"{d.period_phrase}, {d.buyer_name} recorded {d.purchases:,} purchases totalling "
        f"{_money(d.spend)}, against {_money(d.previous_spend)} in the previous period of "
        f"the same length ({'up' if change >= 0 else 'down'} {_money(abs(change))}).",
        f"Buying through frameworks rather than at list price realised savings of "
        f"{_money(d.savings)}.",
        f"{d.framework_share}% of spend ({_money(d.framework_spend)}) went through framework "
        f"agreements; {_money(d.spend - d.framework_spend)} was bought off-framework.",
    ]
    for t in d.targets:
        upper = f"–{_money(t.upper)}" if t.upper else ""
        sentences.append(
            f"Against the target of {_money(t.amount)}{upper} ({t.description}, "
            f"{t.start.year}–{t.end.year}), realised savings recorded here come to "
            f"{_money(t.realised)}: {t.percent}% of the target, with {_money(t.remaining)} "
            "still to find."
        )
    out += [para(s, st["body_spaced"]) for s in sentences]
    if d.lines and d.biggest_changes:
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


def _key_figures(d: BriefingData) -> Table:
    """The four figures a reader looks for first, as a row of tiles."""
    st = styles()
    tiles = [
        (_money(d.spend), "spend in the period"),
        (_money(d.savings), "savings realised"),
        (f"{d.framework_share}%", "of spend through frameworks"),
        (f"{d.purchases:,}", "purchases"),
    ]
    widths = [50 * mm, 48 * mm, 42 * mm, 34 * mm]
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
        out.append(para(f"No savings target is recorded for {d.buyer_name}.", st["body"]))
    for t in d.targets:
        out.append(
            KeepTogether(
                [
                    para(t.description, st["h2"]),
                    para(
                        f"Target {_money(t.amount)}"
                        + (f" to {_money(t.upper)}" if t.upper else "")
                        + f" between {t.start.isoformat()} and {t.end.isoformat()}; realised "
                        f"{_money(t.realised)} ({t.percent}%); {_money(t.remaining)} to go. "
                        f"Source: {t.source}",
                        st["body"],
                    ),
                    _savings_chart(t),
                ]
            )
        )
    return out


def _champion_rows(champions: list[Any], bought: bool) -> list[list[str]]:
    """The first CHAMPIONS_LISTED champions (the service has ordered them), then a count."""
    rows = [
        [
            c.name,
            f"{c.purchases:,}" if bought else "—",
            _money(c.peers.lowest),
            _money(c.peers.median),
            _money(c.peers.highest),
        ]
        for c in champions[:CHAMPIONS_LISTED]
    ]
    if len(champions) > CHAMPIONS_LISTED:
        rows.append([f"and {len(champions) - CHAMPIONS_LISTED:,} more", "", "", "", ""])
    return rows


def _champions(d: BriefingData) -> list[Any]:
    st = styles()
    out: list[Any] = [
        para(SECTIONS["champions"], st["h1"]),
        para(
            "What peers paid is shown only as the lowest, median and highest "
            "unit price across all forces' purchases.",
            st["small"],
        ),
    ]
    head = ["Champion product", "Bought here", "Lowest", "Median", "Highest"]
    widths = [74 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm]
    if d.champions_used:
        out += [
            para(f"In use ({len(d.champions_used):,})", st["h2"]),
            _table(head, _champion_rows(d.champions_used, True), widths),
        ]
    if d.champions_unused:
        out += [
            para(f"Not bought in this period ({len(d.champions_unused):,})", st["h2"]),
            _table(head, _champion_rows(d.champions_unused, False), widths),
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
            f"Framework agreements ending in the twelve months after {d.generated_on.isoformat()}.",
            st["small"],
        ),
    ]
    if not d.expiring:
        return [*out, para("None.", st["body"])]
    rows = [
        [
            e.reference,
            e.title,
            e.ends.isoformat(),
            f"{e.extensions_left} × {e.extension_months} months" if e.extensions_left else "none",
        ]
        for e in d.expiring
    ]
    return [
        *out,
        _table(
            ["Reference", "Framework", "Ends", "Extensions left"],
            rows,
            [30 * mm, 90 * mm, 24 * mm, 30 * mm],
        ),
    ]


def _method(d: BriefingData) -> list[Any]:
    st = styles()
    text = [
        "Spend is quantity × unit price of every active (not voided) purchase in the period; "
        "a force's figures include the joint purchases of collaborations it shares in.",
        "A saving is quantity × (baseline unit price − unit price paid); the baseline is the "
        "product's list price at the time unless the officer recorded another. Money is held "
        "exactly in pence and rounded half up to the penny in one place.",
        "The totals here equal the sums of the ledger export made with: catalogue-app "
        f"purchases export --buyer {d.buyer_code} --from {d.start.isoformat()} "
        f"--to {d.end.isoformat()}",
        "Reference prices, most framework dates and all demonstration purchases are "
        "illustrative; each record of the catalogue says where its facts come from.",
    ]
    return [para(SECTIONS["method"], st["h1"]), *[para(t, st["body"]) for t in text]]


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
