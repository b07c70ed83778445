"""The colours the briefing and Home share, as hex strings, so the window can use them without
loading reportlab (the PDF builds its colours from these)."""

from __future__ import annotations

INK = "#1c2833"
ACCENT = "#12355b"  # this period, realised savings, spend
PREVIOUS = "#9fb3c8"  # the previous period, options not yet taken
RULE = "#b8c4d0"
TARGET = "#b03a2e"  # the target trajectory, and anything that needs attention
