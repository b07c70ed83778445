"""The dashboard's pyqtgraph plots: spend by year, savings against target, renewals.

Each plot is drawn from a dashboard dataclass, shows exact figures in pounds on hover and
says what was clicked through a signal (Home opens the matching view). Pan, zoom and
pyqtgraph's own menu are off: a right-click offers "Save image…" instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import accumulate
from typing import Any

import pyqtgraph as pg  # type: ignore[import-untyped]
from PySide6.QtCore import QPoint, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QToolTip

from catalogue_app.services.dashboard import Renewal, SavingsAgainstTarget, SpendByYear
from catalogue_app.ui.charts.theme import (
    ACCENT_HEX,
    BACKGROUND_HEX,
    CATEGORY_HEX,
    INK_HEX,
    OTHER_HEX,
    PREVIOUS_HEX,
    RULE_HEX,
    TARGET_HEX,
    format_gbp,
    money_short,
)

pg.setConfigOptions(antialias=True, background=BACKGROUND_HEX, foreground=INK_HEX)


ZERO = Decimal("0.00")


def plotted(amount: Decimal) -> float:
    """Pounds as a drawing coordinate. Only geometry goes through float: the figures a
    person reads (tips, labels) are formatted from the Decimal itself; axis ticks are
    round marks on the drawing."""
    return float(amount)


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _stamp(d: date) -> float:
    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()


class QuietAxis(pg.AxisItem):  # type: ignore[misc]
    """An axis that sets its title's markup only when the title changes. pyqtgraph sets it
    again whenever the range moves, tens of times while a plot is made and drawn, and
    laying out markup is the slowest part of making a plot; these axes have no title."""

    _markup: str | None = None

    def _updateLabel(self) -> None:
        markup = self.labelString()
        if markup != self._markup:
            self._markup = markup
            self.label.setHtml(markup)
        self._adjustSize()
        self.picture = None
        self.update()


class QuietDateAxis(QuietAxis, pg.DateAxisItem):  # type: ignore[misc]
    """Dates on an axis (see :class:`QuietAxis`)."""


def _axes(**given: pg.AxisItem) -> dict[str, pg.AxisItem]:
    """A plot's four axes: those given, quiet ones on the other sides."""
    return {side: given.get(side) or QuietAxis(side) for side in ("left", "bottom", "top", "right")}


class MoneyAxis(QuietAxis):
    """Pounds on an axis, as the briefing's tiles write them (£2.4m, £101k)."""

    def tickStrings(self, values: Sequence[float], _scale: float, _spacing: float) -> list[str]:
        return [money_short(Decimal(round(v))) if v >= 0 else "" for v in values]


class _Plot(pg.PlotWidget):  # type: ignore[misc]
    """A still plot on a white ground: no pan, zoom or pyqtgraph menu."""

    def __init__(self, name: str, axes: dict[str, pg.AxisItem]) -> None:
        # without pyqtgraph's menus, which cost a tenth of a second each to build
        super().__init__(axisItems=axes, enableMenu=False)
        self.setObjectName(name)
        self.setAccessibleName(name)
        self.setMinimumHeight(200)
        item = self.getPlotItem()
        item.hideButtons()
        for side in ("top", "right"):  # given (quiet) to the plot, which then shows them
            item.hideAxis(side)
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.showGrid(x=False, y=True, alpha=0.25)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setTickFont(font)
            axis.setPen(pg.mkPen(RULE_HEX))
            axis.setTextPen(pg.mkPen(INK_HEX))
        self.scene().sigMouseMoved.connect(self._hovered)
        self.scene().sigMouseClicked.connect(self._clicked)

    def sizeHint(self) -> QSize:
        # modest, so that Home's page fits a laptop screen; the layout stretches the plots
        return QSize(360, self.minimumHeight())

    def _view_point(self, scene_pos: QPointF) -> QPointF:
        point: QPointF = self.getPlotItem().vb.mapSceneToView(scene_pos)
        return point

    def widget_point(self, x: float, y: float) -> QPoint:
        """Where the data point (x, y) is drawn, in this widget's coordinates."""
        scene = self.getPlotItem().vb.mapViewToScene(QPointF(x, y))
        point: QPoint = self.mapFromScene(scene)
        return point

    def _hovered(self, scene_pos: QPointF) -> None:
        text = self.tip_at(self._view_point(scene_pos))
        self.setToolTip(text)
        if text:
            QToolTip.showText(self.mapToGlobal(self.mapFromScene(scene_pos)), text, self)
        else:
            QToolTip.hideText()

    def _clicked(self, event: Any) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.click_at(self._view_point(event.scenePos()))

    def tip_at(self, point: QPointF) -> str:
        return ""

    def click_at(self, point: QPointF) -> None:
        """A left click on the plot at ``point`` (view coordinates)."""


class SpendChart(_Plot):
    """Spend by financial year, stacked by category (the top eight and "Other")."""

    segment_clicked = Signal(int, object)  # financial year it starts in, CPV code or None

    def __init__(self) -> None:
        super().__init__("Spend by financial year", _axes(left=MoneyAxis("left")))
        self.data: SpendByYear | None = None
        # each year's segments as drawn: (bottom, top) per band, in plot units
        self._segments: list[list[tuple[float, float]]] = []

    def show_data(self, data: SpendByYear) -> None:
        self.data = data
        self._segments = []
        for row in data.spend:
            tops = list(accumulate(plotted(v) for v in row))
            # each bottom is the top below it; a year with no bands has no segments
            self._segments.append(list(zip([0.0, *tops], tops, strict=False)))
        item = self.getPlotItem()
        item.clear()
        xs = list(range(len(data.years)))
        base = [0.0] * len(xs)
        for band, (category, colour) in enumerate(zip(data.bands, self.colours(), strict=True)):
            heights = [segments[band][1] - segments[band][0] for segments in self._segments]
            if any(heights):
                item.addItem(
                    pg.BarGraphItem(
                        x=xs,
                        height=heights,
                        y0=list(base),
                        width=0.62,
                        brush=colour,
                        pen=pg.mkPen(BACKGROUND_HEX, width=0.5),
                        name=category.label,
                    )
                )
            base = [b + h for b, h in zip(base, heights, strict=True)]
        item.getAxis("bottom").setTicks(
            [[(x, y.label) for x, y in zip(xs, data.years, strict=True)]]
        )
        item.setXRange(-0.6, len(xs) - 0.4, padding=0)
        item.setYRange(0, max(base, default=0) * 1.08 or 1, padding=0)

    def colours(self) -> list[str]:
        assert self.data is not None
        named = [b for b in self.data.bands if b.code]
        return [*CATEGORY_HEX[: len(named)], *([OTHER_HEX] * (len(self.data.bands) - len(named)))]

    def segment_at(self, point: QPointF) -> tuple[int, int] | None:
        """(year index, band index) under ``point``, if any."""
        if self.data is None:
            return None
        year = round(point.x())
        if not 0 <= year < len(self.data.years) or abs(point.x() - year) > 0.31:
            return None
        for band, (bottom, top) in enumerate(self._segments[year]):
            if bottom < top and bottom <= point.y() < top:
                return year, band
        return None

    def segment_centre(self, year: int, band: int) -> QPoint:
        """Where a segment's middle is drawn (to point at it)."""
        assert self.data is not None
        bottom, top = self._segments[year][band]
        return self.widget_point(year, (bottom + top) / 2)

    def tip_at(self, point: QPointF) -> str:
        found = self.segment_at(point)
        if found is None or self.data is None:
            return ""
        year, band = found
        total = sum(self.data.spend[year], Decimal("0.00"))
        return (
            f"{self.data.years[year].label} · {self.data.bands[band].label}: "
            f"{format_gbp(self.data.spend[year][band])} of {format_gbp(total)}\n"
            "Click to see these purchases"
        )

    def click_at(self, point: QPointF) -> None:
        found = self.segment_at(point)
        if found is not None and self.data is not None:
            year, band = found
            self.segment_clicked.emit(self.data.years[year].start_year, self.data.bands[band].code)


class SavingsChart(_Plot):
    """Cumulative savings realised against the target's trajectory, month by month."""

    month_clicked = Signal(object)  # the month's last day

    def __init__(self) -> None:
        super().__init__(
            "Savings against target",
            _axes(left=MoneyAxis("left"), bottom=QuietDateAxis("bottom")),
        )
        self.data: SavingsAgainstTarget | None = None

    def show_data(self, data: SavingsAgainstTarget) -> None:
        self.data = data
        item = self.getPlotItem()
        item.clear()
        target = data.target
        if target is None:
            return
        planned = data.trajectory
        item.plot(
            [_stamp(d) for d, _ in planned],
            [plotted(v) for _, v in planned],
            pen=pg.mkPen(TARGET_HEX, width=2, style=Qt.PenStyle.DashLine),
            name="Target trajectory",
        )
        realised = [(target.start, Decimal("0.00")), *target.cumulative]
        item.plot(
            [_stamp(d) for d, _ in realised],
            [plotted(v) for _, v in realised],
            pen=pg.mkPen(ACCENT_HEX, width=2.5),
            symbol="o",
            symbolSize=5,
            symbolBrush=ACCENT_HEX,
            symbolPen=None,
            name="Savings realised",
        )
        line = pg.InfiniteLine(
            pos=plotted(target.amount), angle=0, pen=pg.mkPen(TARGET_HEX, width=1)
        )
        item.addItem(line)
        top = max(plotted(target.upper or target.amount), plotted(target.realised), 1.0)
        item.setYRange(min(0.0, plotted(min((v for _, v in realised), default=ZERO))), top * 1.08)
        item.setXRange(_stamp(target.start), _stamp(target.end), padding=0.02)

    def month_at(self, point: QPointF) -> int | None:
        if self.data is None or self.data.target is None or not self.data.target.cumulative:
            return None
        months = self.data.target.cumulative
        nearest = min(range(len(months)), key=lambda n: abs(_stamp(months[n][0]) - point.x()))
        return nearest

    def tip_at(self, point: QPointF) -> str:
        n = self.month_at(point)
        if n is None or self.data is None or self.data.target is None:
            return ""
        target = self.data.target
        day, realised = target.cumulative[n]
        planned = dict(self.data.trajectory).get(day)
        text = f"To {_day(day)}: {format_gbp(realised)} realised"
        if planned is not None:
            text += f"; the trajectory reaches {format_gbp(planned)}"
        return text + f"\nTarget {format_gbp(target.amount)} by {_day(target.end)}"

    def click_at(self, point: QPointF) -> None:
        n = self.month_at(point)
        if n is not None and self.data is not None and self.data.target is not None:
            self.month_clicked.emit(self.data.target.cumulative[n][0])


class RenewalChart(_Plot):
    """The frameworks bought through on a timeline: the term left, the extension options
    still available, and (in red) routes that have ended but were used in the period."""

    framework_clicked = Signal(str)

    def __init__(self) -> None:
        super().__init__("Renewal horizon", _axes(bottom=QuietDateAxis("bottom")))
        self.getPlotItem().showGrid(x=False, y=False)
        self.rows: list[Renewal] = []
        self.today = date.today()

    def show_data(self, rows: list[Renewal], today: date, horizon: date) -> None:
        self.rows, self.today = rows, today
        item = self.getPlotItem()
        item.clear()
        n = len(rows)
        left, right = _stamp(today) - 90 * 86400, _stamp(horizon)
        for kind, colour in (("term", ACCENT_HEX), ("option", PREVIOUS_HEX), ("late", TARGET_HEX)):
            x0, x1, ys = [], [], []
            for i, r in enumerate(rows):
                y = n - 1 - i
                if kind == "term" and r.ends >= today:
                    x0.append(max(_stamp(r.start), left))
                    x1.append(min(_stamp(r.ends), right))
                elif kind == "option" and r.latest_end > r.ends and r.ends < horizon:
                    x0.append(_stamp(r.ends))
                    x1.append(min(_stamp(r.latest_end), right))
                elif kind == "late" and r.expired_in_use:
                    x0.append(max(_stamp(r.ends), left))
                    x1.append(_stamp(today))
                else:
                    continue
                ys.append(y)
            if ys:
                item.addItem(
                    pg.BarGraphItem(
                        x0=x0,
                        x1=x1,
                        y=ys,
                        height=0.55,
                        brush=colour,
                        pen=pg.mkPen(colour),
                    )
                )
        now = pg.InfiniteLine(
            pos=_stamp(today), angle=90, pen=pg.mkPen(INK_HEX, style=Qt.PenStyle.DotLine)
        )
        item.addItem(now)
        labels = [(n - 1 - i, r.reference) for i, r in enumerate(rows)]
        item.getAxis("left").setTicks([labels])
        item.setXRange(left, right, padding=0)
        item.setYRange(-0.6, max(n, 1) - 0.4, padding=0)
        self.setMinimumHeight(max(200, 50 + 22 * n))

    def row_at(self, point: QPointF) -> int | None:
        i = len(self.rows) - 1 - round(point.y())
        return i if 0 <= i < len(self.rows) and abs(point.y() - round(point.y())) < 0.35 else None

    def tip_at(self, point: QPointF) -> str:
        i = self.row_at(point)
        if i is None:
            return ""
        r = self.rows[i]
        lines = [f"{r.reference} — {r.title}", f"Lots bought through: {', '.join(r.lots)}"]
        if r.expired_in_use:
            lines.append(f"Ended on {_day(r.ends)}, yet bought through in this period")
        else:
            lines.append(f"Ends {_day(r.ends)}")
        if r.extensions_left:
            lines.append(
                f"{r.extensions_left} extension option{'s' if r.extensions_left != 1 else ''} "
                f"of {r.extension_months} months left: could run to {_day(r.latest_end)}"
            )
        else:
            lines.append("No extension options left")
        if r.headroom is not None and r.max_value is not None:
            lines.append(
                f"Headroom {format_gbp(r.headroom)} of {format_gbp(r.max_value)} "
                f"({format_gbp(r.spent)} spent through it)"
            )
        lines.append(f"Last bought through on {_day(r.last_bought)}")
        return "\n".join(lines)

    def click_at(self, point: QPointF) -> None:
        i = self.row_at(point)
        if i is not None:
            self.framework_clicked.emit(self.rows[i].reference)


def legend_html(items: Sequence[tuple[str, str]]) -> str:
    """A line of coloured squares and their labels, for a QLabel under a chart."""
    return " &nbsp; ".join(
        f"<span style='color:{colour}'>■</span>&nbsp;{label}" for colour, label in items
    )
