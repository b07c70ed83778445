"""Buying together: what a pooled order costs against each force buying alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from catalogue_app.domain.errors import ValidationError
from catalogue_app.domain.money import split_largest_remainder
from catalogue_app.domain.purchases import Route


@dataclass(frozen=True)
class Quote:
    """The best price found for a quantity: unit price, total and the route giving it."""

    route: Route
    unit_price: Decimal
    total: Decimal


@dataclass(frozen=True)
class MemberOutcome:
    member: str
    quantity: int
    alone: Quote
    pooled_share: Decimal

    @property
    def saving(self) -> Decimal:
        return self.alone.total - self.pooled_share


@dataclass(frozen=True)
class PoolOutcome:
    quantity: int
    pooled: Quote
    members: list[MemberOutcome]

    @property
    def alone_total(self) -> Decimal:
        return sum((m.alone.total for m in self.members), Decimal("0.00"))

    @property
    def saving(self) -> Decimal:
        return self.alone_total - self.pooled.total


def pool(quantities: Sequence[tuple[str, int]], quote: Callable[[int], Quote]) -> PoolOutcome:
    """Price each member alone and all together; share the pooled cost by quantity.

    ``quote(quantity)`` gives the best price for a quantity. Shares are split
    with the largest-remainder rule, so they add up to the pooled total exactly.
    """
    if not quantities:
        raise ValidationError("choose at least one force to pool", field="buyers")
    for member, quantity in quantities:
        if quantity <= 0:
            raise ValidationError(f"{member}'s quantity must be more than zero", field="quantities")
    total_quantity = sum(q for _, q in quantities)
    pooled = quote(total_quantity)
    shares = split_largest_remainder(pooled.total, [Decimal(q) for _, q in quantities])
    return PoolOutcome(
        total_quantity,
        pooled,
        [
            MemberOutcome(member, q, quote(q), share)
            for (member, q), share in zip(quantities, shares, strict=True)
        ],
    )
