"""Rules for a purchase (call-off) that need no database: its value types (route,
buyer, split rule), input parsing and splits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from catalogue_app.domain.enums import BuyerKind
from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import parse_money, parse_unit_price, split_largest_remainder
from catalogue_app.domain.numbers import parse_whole_number, shown

SPLIT_RULES = ("equal", "officers", "custom")
OFF_FRAMEWORK = "off-framework"
_LOT = "lot"
# Only the form the message asks for: date.fromisoformat also reads 20250601 and 2025-W23-1.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Route:
    """How a purchase is bought: through one lot of a framework, or off-framework.

    ``str(route)`` is the one written form ("RM6100 lot 3d", "off-framework") and
    :meth:`parse` reads it back; ``Route()`` is off-framework.
    """

    framework: str | None = None
    lot: str | None = None

    def __post_init__(self) -> None:
        if (self.framework is None) != (self.lot is None):
            raise ValueError("a route names both a framework and a lot, or neither")
        for part in (self.framework, self.lot):
            if part is not None and not _route_part(part):
                raise ValueError(f"“{part}” cannot be part of a route")

    @classmethod
    def of(cls, framework: str | None, lot: str | None) -> Route:
        """The route of a framework reference and lot number, off-framework when both are
        empty (as stored: an off-framework purchase has no lot)."""
        framework, lot = (framework or "").strip(), (lot or "").strip()
        if not framework and not lot:
            return cls()
        if not framework:
            raise ValidationError("a lot was given without its framework", field="framework")
        if not lot:
            raise ValidationError(f"give the lot of framework {framework}", field="lot")
        try:
            return cls(framework, lot)
        except ValueError:
            raise ValidationError(
                f"“{framework}” lot “{lot}” is not a framework reference and lot number",
                field="framework",
            ) from None

    @classmethod
    def parse(cls, text: str) -> Route:
        """Read ``"RM6100 lot 3d"`` or ``"off-framework"`` (any case, spaces trimmed)."""
        words = str(text).split()
        if [w.lower() for w in words] == [OFF_FRAMEWORK]:
            return cls()
        cut = next((n for n, w in enumerate(words) if w.lower() == _LOT), 0)
        if 0 < cut < len(words) - 1:
            try:
                return cls(" ".join(words[:cut]), " ".join(words[cut + 1 :]))
            except ValueError:
                pass
        raise ValidationError(
            f"route “{text}” is not “REFERENCE lot NUMBER” or “{OFF_FRAMEWORK}”",
            field="framework",
        )

    @property
    def is_off_framework(self) -> bool:
        return self.framework is None

    def __str__(self) -> str:
        return OFF_FRAMEWORK if self.framework is None else f"{self.framework} lot {self.lot}"


def _route_part(text: str) -> bool:
    """A framework reference or lot number as a route writes it: words separated by single
    spaces, none of them "lot" (so that the written route reads back unambiguously)."""
    words = text.split()
    return bool(words) and text == " ".join(words) and _LOT not in (w.lower() for w in words)


@dataclass(frozen=True)
class BuyerRef:
    """Who buys: a force or a collaboration of forces, by its code."""

    kind: BuyerKind
    code: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", BuyerKind(self.kind))
        if not self.code or self.code != self.code.strip():
            raise ValueError(f"“{self.code}” is not a buyer code")

    @property
    def is_collaboration(self) -> bool:
        return self.kind is BuyerKind.COLLABORATION

    def __str__(self) -> str:
        return self.code


def parse_quantity(value: object) -> int:
    """A purchase's quantity: a whole number from 1 to 10,000,000 in ASCII digits."""
    return parse_whole_number(value, field="quantity")


def parse_order_date(value: object, today: date) -> date:
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                f"order date “{shown(value)}” is not a date written YYYY-MM-DD",
                field="order_date",
            ) from None
    if day > today:
        raise ValidationError(f"order date {day.isoformat()} is in the future", field="order_date")
    return day


def parse_optional_unit_price(value: object, field: str) -> Decimal | None:
    """A unit price (£0.00 to £1,000,000,000.00), or None when left blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_unit_price(value, field=field)


@dataclass(frozen=True)
class SplitRule:
    """How a collaboration's joint purchase is shared among its members.

    ``equal`` and ``officers`` need nothing more; ``custom`` carries either
    percentages (summing to 100) or amounts (summing to the total) per force.
    ``str(rule)`` writes the rule in the form :meth:`parse` reads.
    """

    kind: str = "officers"
    percentages: dict[str, Decimal] | None = None
    amounts: dict[str, Decimal] | None = None

    @classmethod
    def parse(cls, text: str | None) -> SplitRule:
        """``equal``, ``officers``, ``custom:kent=40%,essex=60%`` or ``custom:kent=100.00,…``."""
        if not text or not text.strip():
            return cls()
        kind, _, rest = text.strip().partition(":")
        kind = kind.strip()
        if kind not in SPLIT_RULES or (kind != "custom" and rest):
            raise ValidationError(
                f"split “{text}” is not one of equal, officers, custom:CODE=AMOUNT,…",
                field="split",
            )
        if kind != "custom":
            return cls(kind)
        percentages: dict[str, Decimal] = {}
        amounts: dict[str, Decimal] = {}
        for part in filter(None, (p.strip() for p in rest.split(","))):
            code, sep, value = (x.strip() for x in part.partition("="))
            if not sep or not _split_code(code):
                raise ValidationError(f"split part “{part}” is not CODE=AMOUNT", field="split")
            if code in percentages or code in amounts:
                raise ValidationError(f"the split names {code} twice", field="split")
            if value.endswith("%"):
                percentages[code] = _percentage(value[:-1].strip(), part)
            else:
                amounts[code] = parse_money(value, field="split")
        if percentages and amounts:
            raise ValidationError(
                "a custom split uses percentages or amounts, not both", field="split"
            )
        if not percentages and not amounts:
            raise ValidationError("a custom split needs CODE=AMOUNT parts", field="split")
        return cls("custom", percentages or None, amounts or None)

    def __str__(self) -> str:
        if self.kind != "custom":
            return self.kind
        if self.amounts is not None:
            parts = [f"{code}={amount:.2f}" for code, amount in self.amounts.items()]
        else:
            parts = [f"{code}={share:f}%" for code, share in (self.percentages or {}).items()]
        return "custom:" + ",".join(parts)

    def allocate(
        self, total: Decimal, members: list[tuple[str, Decimal | None]]
    ) -> dict[str, Decimal]:
        """Shares per member force code; every penny of ``total`` is allocated."""
        codes = [code for code, _ in members]
        if not codes:
            raise ValidationError(
                "the collaboration has no members on the order date", field="buyer"
            )
        if self.kind == "equal":
            weights = [Decimal(1)] * len(codes)
        elif self.kind == "officers":
            weights = [fte if fte and fte > 0 else Decimal(0) for _, fte in members]
            if not any(weights):
                weights = [Decimal(1)] * len(codes)
        elif self.amounts is not None:
            unknown = set(self.amounts) - set(codes)
            if unknown:
                raise ValidationError(
                    f"{', '.join(sorted(unknown))} is not a member of the collaboration",
                    field="split",
                )
            given = sum(self.amounts.values(), Decimal(0))
            if given != total:
                raise ValidationError(
                    f"the custom amounts add up to {given:.2f}, not the total {total:.2f}",
                    field="split",
                )
            return {code: self.amounts.get(code, Decimal("0.00")) for code in codes}
        else:
            assert self.percentages is not None
            unknown = set(self.percentages) - set(codes)
            if unknown:
                raise ValidationError(
                    f"{', '.join(sorted(unknown))} is not a member of the collaboration",
                    field="split",
                )
            if sum(self.percentages.values(), Decimal(0)) != 100:
                raise ValidationError("the custom percentages must add up to 100", field="split")
            weights = [self.percentages.get(code, Decimal(0)) for code in codes]
        shares = split_largest_remainder(total, weights)
        return dict(zip(codes, shares, strict=True))


def _split_code(code: str) -> bool:
    return bool(code) and not any(c.isspace() or c in ",=:%" for c in code)


def _percentage(text: str, part: str) -> Decimal:
    """A percentage written with ASCII digits and an optional decimal point, e.g. 33.34."""
    whole, dot, fraction = text.partition(".")
    if not _ascii_digits(whole) or (dot and not _ascii_digits(fraction)):
        raise ValidationError(f"split part “{part}” has no percentage", field="split")
    return Decimal(text)


def _ascii_digits(text: str) -> bool:
    return bool(text) and all("0" <= c <= "9" for c in text)
