"""CPV codes in the shapes real notices use, mapped to the CPV 2008 list."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from typing import Any

from catalogue_app import paths


@cache
def cpv_labels() -> dict[str, tuple[str, str]]:
    """First eight digits → (code with check digit, English label), from CPV 2008."""
    with (paths.reference_dir() / "cpv-2008-en.json").open(encoding="utf-8") as f:
        listed: dict[str, str] = json.load(f)
    return {code[:8]: (code, label) for code, label in listed.items()}


def cpv_digits(value: Any) -> str | None:
    """The eight digits of a CPV code: ``"31000000"``, ``"70000000-1"``, ``31000000``,
    ``"45233130.0"``, or a number that lost its leading zero (``3000000``). None if none.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal | float):
        number = Decimal(str(value))
        if number != number.to_integral_value() or number < 0:
            return None
        text = str(int(number))
    elif isinstance(value, str):
        text = value.strip()
        text = re.sub(r"\.0+$", "", text)
        match = re.match(r"^(\d{7,8})(?:-\d)?$", text)
        if not match:
            return None
        text = match.group(1)
    else:
        return None
    if not text.isdigit() or len(text) > 8:
        return None
    return text.zfill(8)


def lookup(value: Any) -> tuple[str, str] | None:
    """(CPV 2008 code with its check digit, label) for a published code, or None."""
    digits = cpv_digits(value)
    return cpv_labels().get(digits) if digits else None
