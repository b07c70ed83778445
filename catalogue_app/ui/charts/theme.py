"""The briefing's look on screen: the same colours and number formats as the PDF."""

from __future__ import annotations

from decimal import Decimal

from catalogue_app.domain import palette
from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.money import format_gbp_short as money_short

__all__ = ["ACCENT_HEX", "format_gbp", "money_short"]

ACCENT_HEX = palette.ACCENT  # this period, realised savings, spend
PREVIOUS_HEX = palette.PREVIOUS  # the previous period, options not yet taken
INK_HEX = palette.INK
RULE_HEX = palette.RULE
TARGET_HEX = palette.TARGET  # the target trajectory, and anything that needs attention
NONE_HEX = "#e6eaee"  # no data: a force that has not adopted
BACKGROUND_HEX = "#ffffff"
# the top eight categories, then "Other" in grey: blues and teals around the accent
CATEGORY_HEX = (
    ACCENT_HEX,
    "#2e86ab",
    "#7fb7d9",
    "#3c6e71",
    "#84a98c",
    "#c9a227",
    "#8e6c8a",
    "#d17b49",
)
OTHER_HEX = "#b8bfc6"
# adoption shades, light to dark: bought before the period only, then spend quartiles
ADOPTION_HEX = ("#d6e4f0", "#9fc1df", "#5b93c7", "#2a66a3", ACCENT_HEX)


def percent(value: Decimal) -> str:
    return f"{value:.1f} %"


def change_text(change: Decimal, kind: str) -> str:
    """ "▲ £12,300.00", "▼ 3.2 points", "no change" against the previous period."""
    if change == 0:
        return "no change"
    arrow = "▲" if change > 0 else "▼"
    size = abs(change)
    if kind == "money":
        return f"{arrow} {format_gbp(size)}"
    if kind == "percent":
        return f"{arrow} {size:.1f} points"
    return f"{arrow} {int(size):,}"
