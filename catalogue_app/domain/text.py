"""Text rules shared by the loaders and the services."""

import re

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """'Avon & Somerset' -> 'avon-somerset'."""
    return _SLUG_STRIP.sub("-", text.lower()).strip("-")


def split_tags(text: str | None) -> list[str]:
    if not text:
        return []
    return [t.strip() for t in text.split(",") if t.strip()]


def join_tags(tags: list[str]) -> str:
    return ", ".join(t.strip() for t in tags if t.strip())
