"""Page furniture shared by every PDF: fonts, styles, header, footer "Page N of M"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from catalogue_app.domain import palette
from catalogue_app.paths import resources_dir

FONT = "CatalogueSans"
FONT_BOLD = "CatalogueSans-Bold"
INK = colors.HexColor(palette.INK)
ACCENT = colors.HexColor(palette.ACCENT)
RULE = colors.HexColor(palette.RULE)
MARGIN = 18 * mm


@cache
def register_fonts() -> None:
    folder = resources_dir() / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK)
    return {
        "body": body,
        "body_spaced": ParagraphStyle("body_spaced", body, spaceAfter=1.5 * mm),
        "title": ParagraphStyle(
            "title",
            body,
            fontName=FONT_BOLD,
            fontSize=18,
            leading=23,
            textColor=ACCENT,
            spaceAfter=4 * mm,
        ),
        "h1": ParagraphStyle(
            "h1",
            body,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=17,
            textColor=ACCENT,
            spaceBefore=3 * mm,
            spaceAfter=2 * mm,
        ),
        "h2": ParagraphStyle(
            "h2",
            body,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=14,
            textColor=ACCENT,
            spaceBefore=2 * mm,
            spaceAfter=1 * mm,
        ),
        "cell": ParagraphStyle("cell", body, fontSize=7.5, leading=9),
        "cell_bold": ParagraphStyle("cell_bold", body, fontName=FONT_BOLD, fontSize=7.5, leading=9),
        "cell_right": ParagraphStyle(
            "cell_right", body, fontSize=7.5, leading=9, alignment=TA_RIGHT
        ),
        "head": ParagraphStyle(
            "head", body, fontName=FONT_BOLD, fontSize=7.5, leading=9, textColor=colors.white
        ),
        "small": ParagraphStyle("small", body, fontSize=7.5, leading=9.5),
        "figure": ParagraphStyle(
            "figure", body, fontName=FONT_BOLD, fontSize=15, leading=19, textColor=ACCENT
        ),
        "figure_label": ParagraphStyle(
            "figure_label", body, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#52606d")
        ),
    }


def wrap(text: str, width: float, font: str = FONT, size: float = 7.5) -> list[str]:
    """``text`` broken into lines that fit ``width`` points: at spaces where it can, and
    inside a word too long for a line (after a "/" or "-" when there is one), never cut."""
    measure = pdfmetrics.getFont(font).stringWidth
    text = " ".join(str(text).split())
    if measure(text, size) <= width:
        return [text]  # the whole text fits on one line
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if measure(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while measure(line, size) > width and len(line) > 1:
            cut = _longest_prefix(line, width, measure, size)
            softer = max(line.rfind("/", 0, cut), line.rfind("-", 0, cut)) + 1
            cut = softer if softer > 0 else cut
            lines.append(line[:cut])
            line = line[cut:]
    if line or not lines:
        lines.append(line)
    return lines


def _longest_prefix(
    text: str, width: float, measure: Callable[[str, float], float], size: float
) -> int:
    """The length of the longest prefix of ``text`` within ``width`` (at least one character)."""
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if measure(text[:mid], size) <= width:
            low = mid
        else:
            high = mid - 1
    return low


class BuildCancelled(Exception):
    """Raised inside a build when the user cancels it."""


@dataclass(frozen=True)
class PageFurniture:
    """What every page repeats: the protective marking, who it is for, when made."""

    title: str
    buyer: str
    marking: str = "OFFICIAL"
    generated_on: date | None = None


class NumberedCanvas(Canvas):
    """A canvas whose footers say "Page N of M". Each page is written as soon as it is
    finished: its footer calls a small form that is filled in once M is known, at the
    end, so no page is held back (a long briefing's memory stays flat)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footers: list[float] = []  # each page's width, for its right-aligned footer

    def showPage(self) -> None:
        self._footers.append(self._pagesize[0])
        self.doForm(self._footer_name(self._pageNumber))
        super().showPage()

    def save(self) -> None:
        total = len(self._footers)
        for number, width in enumerate(self._footers, start=1):
            self.beginForm(self._footer_name(number), 0, 0, width, 14 * mm)
            self.setFont(FONT, 7.5)
            self.setFillColor(INK)
            self.drawRightString(width - MARGIN, 10 * mm, f"Page {number} of {total}")
            self.endForm()
        super().save()

    @staticmethod
    def _footer_name(number: int) -> str:
        return f"page-number-{number}"


class ReportDocument(BaseDocTemplate):
    def __init__(
        self,
        target: Any,
        furniture: PageFurniture,
        pagesize: tuple[float, float] = A4,
        **kwargs: Any,
    ) -> None:
        register_fonts()
        super().__init__(
            target,
            pagesize=pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + 6 * mm,
            bottomMargin=MARGIN,
            title=furniture.title,
            author="catalogue-app",
            subject=f"{furniture.title}: {furniture.buyer}",
            **kwargs,
        )
        self.furniture = furniture
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        # A portrait document can turn wide tables sideways: NextPageTemplate("wide")
        wide = (max(pagesize), min(pagesize))
        wide_frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            wide[0] - self.leftMargin - self.rightMargin,
            wide[1] - self.topMargin - self.bottomMargin,
            id="wide-body",
        )
        self.addPageTemplates(
            [
                PageTemplate("page", [frame], onPage=self._decorate, pagesize=pagesize),
                PageTemplate("wide", [wide_frame], onPage=self._decorate, pagesize=wide),
            ]
        )

    def _decorate(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        f = self.furniture
        width, height = canvas._pagesize  # this page's size: the template may turn it
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawCentredString(width / 2, height - 10 * mm, f.marking.upper())
        canvas.setFillColor(INK)
        canvas.setFont(FONT, 7.5)
        canvas.drawString(MARGIN, height - 16 * mm, f.title)
        canvas.drawRightString(width - MARGIN, height - 16 * mm, f.buyer)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, height - 17.5 * mm, width - MARGIN, height - 17.5 * mm)
        canvas.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
        day = f.generated_on or date.today()
        generated = f"{day.day} {day:%b %Y}"
        canvas.drawString(MARGIN, 10 * mm, f"Generated {generated}")
        canvas.setFont(FONT_BOLD, 8)
        canvas.setFillColor(ACCENT)
        canvas.drawCentredString(width / 2, 6 * mm, f.marking.upper())
        canvas.restoreState()

    cancelled: Any = None  # a callable: true when the user has cancelled the build

    def afterFlowable(self, flowable: Any) -> None:
        """Section headings become entries in the PDF's outline (bookmarks)."""
        if self.cancelled is not None and self.cancelled():
            raise BuildCancelled("the PDF was cancelled")
        style = getattr(flowable, "style", None)
        if style is not None and style.name in ("h1", "title"):
            self._outline_count = getattr(self, "_outline_count", 0) + 1
            key = f"section-{self._outline_count}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=0)

    def build_story(self, story: list[Any]) -> None:
        self.build(story, canvasmaker=NumberedCanvas)
