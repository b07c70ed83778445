"""Champion adoption across forces: one square per force, laid out roughly by geography.

A tile's colour says whether the force had adopted the chosen champion product by the end
of the period, and how much it spent on it in the period; hovering names the force and the
figure, a click asks for the force's purchases.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from catalogue_app.services.dashboard import Adoption, ForceAdoption
from catalogue_app.ui.charts.force_grid import COLUMNS, ROWS, TILES
from catalogue_app.ui.charts.theme import (
    ADOPTION_HEX,
    INK_HEX,
    NONE_HEX,
    format_gbp,
)

GAP = 3


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def shade_of(force: ForceAdoption, steps: list[Decimal]) -> str:
    """The tile's colour: grey if not adopted, the palest blue if bought only before the
    period, then darker by the quartile of the force's spend in the period."""
    if force.first_bought is None:
        return NONE_HEX
    if force.purchases == 0:
        return ADOPTION_HEX[0]
    return ADOPTION_HEX[1 + sum(1 for step in steps if force.spend > step)]


def quartiles(values: list[Decimal]) -> list[Decimal]:
    """The three spends that split the forces that bought in the period into four."""
    ordered = sorted(values)
    if not ordered:
        return []
    return [ordered[(len(ordered) * q) // 4] for q in (1, 2, 3)]


class TileMap(QWidget):
    force_clicked = Signal(str)  # force code

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Champion adoption map")
        self.setAccessibleName("Champion adoption map")
        self.setMouseTracking(True)
        self.setMinimumSize(QSize(COLUMNS * 26, ROWS * 26))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.adoption: Adoption | None = None
        self.period = ""
        self._forces: dict[str, ForceAdoption] = {}
        self._steps: list[Decimal] = []

    def show_data(self, adoption: Adoption, period: str) -> None:
        self.adoption, self.period = adoption, period
        self._forces = {f.code: f for f in adoption.forces}
        self._steps = quartiles([f.spend for f in adoption.forces if f.purchases])
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(COLUMNS * 32, ROWS * 32)

    def _tile(self) -> float:
        return min(self.width() / COLUMNS, self.height() / ROWS)

    def tile_rect(self, code: str) -> QRectF:
        column, row, _ = TILES[code]
        size = self._tile()
        left = (self.width() - size * COLUMNS) / 2
        top = 4.0  # under the panel's note, however tall the panel
        return QRectF(left + column * size, top + row * size, size - GAP, size - GAP)

    def force_at(self, point: QPoint) -> str | None:
        for code in TILES:
            if self.tile_rect(code).contains(point.toPointF()):
                return code
        return None

    def tip_for(self, code: str) -> str:
        force = self._forces.get(code)
        if force is None or self.adoption is None:
            return ""
        product = self.adoption.product_name
        if force.first_bought is None:
            return f"{force.name}: had not bought {product} by the end of {self.period}"
        if force.purchases == 0:
            return (
                f"{force.name}: first bought {product} on {_day(force.first_bought)}; "
                f"none in {self.period}"
            )
        noun = "purchase" if force.purchases == 1 else "purchases"
        return (
            f"{force.name}: {force.purchases:,} {noun} of {product} in {self.period}, "
            f"{format_gbp(force.spend)}"
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        size = self._tile()
        font.setPixelSize(max(7, int(size * 0.26)))
        painter.setFont(font)
        buyer = set(self.adoption.buyer_forces) if self.adoption else set()
        for code, (_c, _r, label) in TILES.items():
            rect = self.tile_rect(code)
            force = self._forces.get(code)
            fill = QColor(shade_of(force, self._steps) if force else NONE_HEX)
            painter.setBrush(fill)
            outline = code in buyer
            painter.setPen(QPen(QColor(INK_HEX), 2.2) if outline else Qt.PenStyle.NoPen)
            painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 3, 3)
            painter.setPen(QColor("#ffffff" if fill.lightness() < 140 else INK_HEX))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        code = self.force_at(event.position().toPoint())
        text = self.tip_for(code) if code else ""
        self.setToolTip(text)
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            code = self.force_at(event.position().toPoint())
            if code:
                self.force_clicked.emit(code)
        super().mouseReleaseEvent(event)


def legend(period: str) -> list[tuple[str, str]]:
    return [
        (NONE_HEX, "not adopted"),
        (ADOPTION_HEX[0], f"adopted, none in {period}"),
        (ADOPTION_HEX[1], "bought in the period: least spend"),
        (ADOPTION_HEX[4], "most spend"),
        (INK_HEX, "outlined: the buyer's forces"),
    ]
