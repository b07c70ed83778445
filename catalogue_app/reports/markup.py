"""The one way text reaches a reportlab Paragraph.

Paragraph text is markup: a product called ``<img src="/etc/passwd"/>`` would
be read as an image tag. Every piece of database or user text goes through
:func:`escape` first, so it prints literally and loads nothing.
"""

from __future__ import annotations

from xml.sax.saxutils import escape as _xml_escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

_ENTITIES = {'"': "&quot;", "'": "&#39;"}


def escape(text: object) -> str:
    """Text made safe for Paragraph markup; control characters become spaces."""
    plain = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in str(text))
    return _xml_escape(plain, _ENTITIES).replace("\n", "<br/>")


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of literal text (never markup)."""
    return Paragraph(escape(text), style)
