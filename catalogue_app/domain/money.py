"""Money: Decimal pounds sterling, rounded in exactly one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from catalogue_app.domain.errors import ValidationError

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def round_money(value: Decimal) -> Decimal:
    """Round to the penny, half up. The only place money is rounded."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def parse_money(text: str | Decimal | int, *, field: str = "amount") -> Decimal:
    """Parse a user-supplied amount: at most two decimal places, not negative.

    Accepts "1234.5", "£1,234.50" and Decimals; refuses floats (they cannot
    carry pennies exactly) and anything with fractions of a penny.
    """
    if isinstance(text, float):
        raise TypeError("money must not be passed as float")
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    else:
        cleaned = str(text).strip().replace(",", "").replace("£", "").strip()
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise ValidationError(
                f"{field} “{text}” is not an amount of money", field=field
            ) from None
    if not value.is_finite():
        raise ValidationError(f"{field} “{text}” is not an amount of money", field=field)
    if value < 0:
        raise ValidationError(f"{field} must not be negative (got {text})", field=field)
    if value != value.quantize(PENNY):
        raise ValidationError(
            f"{field} “{text}” has fractions of a penny; use at most two decimal places",
            field=field,
        )
    return value.quantize(PENNY)


def to_pence(value: Decimal) -> int:
    """Exact conversion to whole pence; refuses sub-penny values."""
    pence = value * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{value} has fractions of a penny")
    return int(pence)


def from_pence(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(PENNY)


def format_gbp(value: Decimal) -> str:
    """£1,234.50 (negative amounts as −£1,234.50)."""
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"


def split_largest_remainder(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` pro rata to ``weights`` so that every penny is allocated.

    Each share is its exact ideal rounded down to the penny; the pennies left
    over go one each to the shares with the largest remainders (ties to the
    earlier share). The shares always add up to ``total`` and none differs from
    its ideal by a penny or more.
    """
    if not weights:
        raise ValueError("a split needs at least one share")
    if any(w < 0 for w in weights):
        raise ValueError("split weights must not be negative")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise ValueError("split weights must not all be zero")
    total_pence = to_pence(total)
    if total_pence < 0:
        raise ValueError("cannot split a negative total")
    ideals = [Decimal(total_pence) * w / weight_sum for w in weights]
    floors = [int(i) for i in ideals]  # ideals are non-negative: int() floors
    left = total_pence - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(ideals[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [from_pence(p) for p in floors]
