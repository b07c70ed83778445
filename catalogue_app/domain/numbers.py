"""Numbers that people type or files carry: strict, locale-free, ASCII digits only.

One grammar serves quantities here and amounts of money in :mod:`money`:

- the digits 0 to 9 and nothing that merely looks like them (Arabic-Indic,
  full-width, superscript and other Unicode digits are refused, which is why
  this module never trusts ``str.isdigit()``);
- optional thousands commas, only between correct groups of three
  (``1,234,567``); a comma anywhere else is refused, and ``12,50`` is told to
  use a dot for decimals;
- a dot for decimals (where the caller allows decimals at all);
- no exponents, underscores, spaces inside, ``NaN`` or ``Infinity``, all of
  which Python's own ``int()``, ``float()`` and ``Decimal()`` would accept.

Spaces around the text are ignored. Every refusal is a
:class:`~catalogue_app.domain.errors.ValidationError` whose sentence names the
field and says what is wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from catalogue_app.domain.errors import ValidationError

MIN_QUANTITY = 1
MAX_QUANTITY = 10_000_000

ASCII_DIGITS = frozenset("0123456789")
MINUS_SIGNS = ("-", "\N{MINUS SIGN}")

_DIGITS = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")
_EXPONENT = re.compile(r"[0-9.,]*[0-9][eE][+-]?[0-9]*")
_SHOWN_LIMIT = 40


@dataclass(frozen=True)
class NumberText:
    """The parts of a number that passed the grammar: ASCII digits only, commas removed."""

    negative: bool
    whole: str
    fraction: str | None  # the digits after the dot; None when there is no dot

    def to_decimal(self) -> Decimal:
        digits = self.whole if self.fraction is None else f"{self.whole}.{self.fraction}"
        value = Decimal(digits)
        return -value if self.negative else value


@dataclass(frozen=True)
class NumberKind:
    """How sentences describe the number being read."""

    noun: str  # "an amount of money", "a whole number"
    example: str  # "1234.50 or £1,234.50"
    currency: str | None = None  # a symbol allowed in front, such as "£"
    decimals: bool = True


WHOLE_NUMBER = NumberKind(noun="a whole number", example="12 or 1,200", decimals=False)


def shown(value: object) -> str:
    """The value as a sentence quotes it: trimmed, and cut short if very long."""
    text = str(value).strip()
    return text if len(text) <= _SHOWN_LIMIT else text[: _SHOWN_LIMIT - 1] + "…"


def describe_type(value: object) -> str:
    """What a value that is not a number is, in words ("a date", "true or false")."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, datetime | date):
        return "a date"
    if isinstance(value, time):
        return "a time of day"
    return f"a {type(value).__name__} value"


def lex_number(text: str, *, field: str, kind: NumberKind) -> NumberText:
    """Check ``text`` against the grammar above and split it into sign, whole part and fraction.

    Bounds and decimal places are the caller's to check: this only decides
    whether the text is written as a number at all.
    """
    raw = text.strip()
    quoted = f"{field} “{shown(raw)}”"

    def refuse(why: str) -> ValidationError:
        return ValidationError(f"{quoted} {why}", field=field)

    if not raw:
        raise ValidationError(f"{field} is blank, not {kind.noun}", field=field)
    foreign = next((c for c in raw if c.isnumeric() and c not in ASCII_DIGITS), None)
    if foreign is not None:
        raise refuse(f"contains “{foreign}”, which is not one of the digits 0 to 9")
    if "_" in raw:
        raise refuse(f"contains an underscore; write {kind.noun} without one, like {kind.example}")
    if any(c.isspace() for c in raw):
        raise refuse(f"contains a space; write {kind.noun} without spaces, like {kind.example}")
    if _EXPONENT.fullmatch(raw.lstrip("+" + "".join(MINUS_SIGNS) + (kind.currency or ""))):
        raise refuse(f"is written with an exponent; write {kind.noun} in full, like {kind.example}")

    body = raw
    negative = body.startswith(MINUS_SIGNS)
    if negative:
        body = body[1:]
    if kind.currency and body.startswith(kind.currency):
        body = body[len(kind.currency) :]
    whole, dot, fraction = body.partition(".")
    if "," in fraction:
        raise refuse(
            "puts a comma after the decimal point; use a dot for decimals and commas only "
            "between groups of three digits, like 1,234.50"
        )
    if "." in fraction:
        raise refuse("has more than one decimal point")
    if "," in whole:
        if _GROUPED.fullmatch(whole):
            whole = whole.replace(",", "")
        elif not dot and kind.decimals and _DECIMAL_COMMA.fullmatch(whole):
            raise refuse("uses a comma for decimals; use a dot for decimals, like 12.50")
        else:
            raise refuse(
                "has a comma in the wrong place; commas may only separate groups of three "
                "digits, like 1,234,567"
            )
    if dot and not kind.decimals:
        raise refuse(f"is not {kind.noun}")
    if dot and not whole and _DIGITS.fullmatch(fraction):
        raise refuse(f"needs a digit before the decimal point, like 0.{fraction}")
    if not _DIGITS.fullmatch(whole) or (dot and not _DIGITS.fullmatch(fraction)):
        raise refuse(f"is not {kind.noun}; write it like {kind.example}")
    return NumberText(negative=negative, whole=whole, fraction=fraction if dot else None)


def parse_whole_number(
    value: object,
    *,
    field: str = "quantity",
    minimum: int = MIN_QUANTITY,
    maximum: int = MAX_QUANTITY,
) -> int:
    """A whole number between ``minimum`` and ``maximum``; by default a quantity, 1 to 10,000,000.

    Text follows the grammar of this module ("1200", "1,200"). Values from a
    spreadsheet cell may also arrive as ``int``, ``Decimal`` or ``float``; they
    are accepted when they are whole (``12.0`` is 12). ``True`` and ``False``
    are refused: a tick box is not a quantity.
    """
    number = _whole_value(value, field)
    if number < minimum:
        floor = "more than zero" if minimum == 1 else f"at least {minimum:,}"
        raise ValidationError(f"{field} must be {floor} (got {shown(value)})", field=field)
    if number > maximum:
        raise ValidationError(
            f"{field} “{shown(value)}” is more than the largest allowed, {maximum:,}",
            field=field,
        )
    return int(number)


def _whole_value(value: object, field: str) -> Decimal:
    """The exact value, not yet bounded; a Decimal so that huge inputs cost nothing."""
    not_whole = ValidationError(f"{field} “{shown(value)}” is not a whole number", field=field)
    if value is None:
        raise ValidationError(f"{field} is blank, not a whole number", field=field)
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(
            f"{field} must be a whole number, not {describe_type(value)}", field=field
        )
    if isinstance(value, str):
        return lex_number(value, field=field, kind=WHOLE_NUMBER).to_decimal()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise not_whole
        return Decimal(value)
    if not value.is_finite() or value != value.to_integral_value():
        raise not_whole
    return value
