"""Rules for a purchase (call-off) that need no database: input parsing and splits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import parse_money, split_largest_remainder

SPLIT_RULES = ("equal", "officers", "custom")


def parse_quantity(value: object) -> int:
    text = str(value).strip().replace(",", "")
    if not text.lstrip("-").isdigit():
        raise ValidationError(f"quantity “{value}” is not a whole number", field="quantity")
    quantity = int(text)
    if quantity <= 0:
        raise ValidationError("quantity must be more than zero", field="quantity")
    return quantity


def parse_order_date(value: object, today: date) -> date:
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(
                f"order date “{value}” is not a date written YYYY-MM-DD", field="order_date"
            ) from None
    if day > today:
        raise ValidationError(f"order date {day.isoformat()} is in the future", field="order_date")
    return day


def parse_optional_money(value: object, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_money(value if isinstance(value, Decimal | int) else str(value), field=field)


@dataclass(frozen=True)
class SplitRule:
    """How a collaboration's joint purchase is shared among its members.

    ``equal`` and ``officers`` need nothing more; ``custom`` carries either
    percentages (summing to 100) or amounts (summing to the total) per force.
    """

    kind: str = "officers"
    percentages: dict[str, Decimal] | None = None
    amounts: dict[str, Decimal] | None = None

    @classmethod
    def parse(cls, text: str | None) -> SplitRule:
        """``equal``, ``officers``, ``custom:kent=40%,essex=60%`` or ``custom:kent=100.00,…``."""
        if not text:
            return cls()
        kind, _, rest = text.strip().partition(":")
        if kind not in SPLIT_RULES:
            raise ValidationError(
                f"split “{text}” is not one of equal, officers, custom:CODE=AMOUNT,…",
                field="split",
            )
        if kind != "custom":
            return cls(kind)
        percentages: dict[str, Decimal] = {}
        amounts: dict[str, Decimal] = {}
        for part in filter(None, (p.strip() for p in rest.split(","))):
            code, sep, value = part.partition("=")
            if not sep or not code.strip():
                raise ValidationError(f"split part “{part}” is not CODE=AMOUNT", field="split")
            value = value.strip()
            if value.endswith("%"):
                try:
                    percentages[code.strip()] = Decimal(value[:-1])
                except ArithmeticError:
                    raise ValidationError(
                        f"split part “{part}” has no percentage", field="split"
                    ) from None
            else:
                amounts[code.strip()] = parse_money(value, field="split")
        if percentages and amounts:
            raise ValidationError(
                "a custom split uses percentages or amounts, not both", field="split"
            )
        if not percentages and not amounts:
            raise ValidationError("a custom split needs CODE=AMOUNT parts", field="split")
        return cls("custom", percentages or None, amounts or None)

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
