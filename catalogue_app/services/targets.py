"""Savings targets per buyer and period: list, add, edit and end them, every change audited.

A target is data like any other: the public targets loaded with the reference data keep
the source they were published in, and a target entered by an officer says who entered it
and when unless a source is given. A target is never deleted: ending it moves the end of
its period, and the audit log keeps what it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.domain.enums import BuyerKind
from catalogue_app.domain.errors import NotFoundError, ValidationError
from catalogue_app.domain.money import format_gbp, parse_money
from catalogue_app.services.audit import AuditWriter
from catalogue_app.services.context import AppContext
from catalogue_app.services.dto import Row
from catalogue_app.services.ledger import Buyer, find_buyer

ENTITY = "savings_target"
PENNY = Decimal("0.01")


@dataclass(frozen=True)
class Target(Row):
    id: int
    buyer: str  # force or collaboration code
    buyer_name: str
    start: date
    end: date
    amount: Decimal
    amount_upper: Decimal | None
    description: str
    source: str

    @property
    def amount_text(self) -> str:
        """£3,000,000.00, or a range: £3,000,000.00 to £4,000,000.00."""
        if self.amount_upper is None:
            return format_gbp(self.amount)
        return f"{format_gbp(self.amount)} to {format_gbp(self.amount_upper)}"

    def snapshot(self) -> dict[str, Any]:
        """The values the audit log keeps (money as text, so JSON holds it exactly)."""
        return {
            "buyer": self.buyer,
            "period_start": self.start.isoformat(),
            "period_end": self.end.isoformat(),
            "amount": f"{self.amount:.2f}",
            "amount_upper": None if self.amount_upper is None else f"{self.amount_upper:.2f}",
            "description": self.description,
            "source": self.source,
        }


@dataclass(frozen=True)
class TargetDraft:
    """What an officer enters; amounts as text or Decimal, checked by the service."""

    buyer: str
    start: date
    end: date
    amount: object
    amount_upper: object = None
    description: str = ""
    source: str = ""


class TargetService:
    def __init__(self, app: AppContext) -> None:
        self.app = app
        self.db = app.db

    def list_targets(self, buyer: str | None = None) -> list[Target]:
        """Every target (or the buyer's), earliest period first."""
        with self.db.reading() as s:
            stmt = _targets()
            if buyer:
                found = find_buyer(s, buyer)
                stmt = stmt.where(_owner_column(found) == found.id)
            return [_target(*row) for row in s.execute(stmt)]

    def get(self, target_id: int) -> Target:
        with self.db.reading() as s:
            return _get(s, target_id)

    def add(self, draft: TargetDraft) -> Target:
        with self.db.transaction() as s:
            buyer = find_buyer(s, draft.buyer)
            values = _checked(draft)
            taken = s.scalar(
                select(m.SavingsTarget.id).where(
                    _owner_column(buyer) == buyer.id,
                    m.SavingsTarget.period_start == draft.start,
                )
            )
            if taken is not None:
                raise ValidationError(
                    f"{buyer.name} already has a savings target starting on "
                    f"{_day(draft.start)} (number {taken}); edit that one instead",
                    field="start",
                )
            row = m.SavingsTarget(
                buyer_force_id=buyer.id if buyer.kind is BuyerKind.FORCE else None,
                buyer_collaboration_id=buyer.id if buyer.kind is not BuyerKind.FORCE else None,
                source=draft.source.strip() or self._entered_by(),
                **values,
            )
            s.add(row)
            s.flush()
            added = _get(s, row.id)
            self._audit(s, "add", added, None, added)
            return added

    def edit(self, target_id: int, draft: TargetDraft) -> Target:
        """Change a target's period, amounts, description or source (not its buyer)."""
        with self.db.transaction() as s:
            before = _get(s, target_id)
            if draft.buyer and draft.buyer.strip() != before.buyer:
                raise ValidationError(
                    "a target's buyer cannot be changed; end it and add one for the other buyer",
                    field="buyer",
                )
            row = s.get(m.SavingsTarget, target_id)
            assert row is not None
            for name, value in _checked(draft).items():
                setattr(row, name, value)
            row.source = draft.source.strip() or before.source
            s.flush()
            after = _get(s, target_id)
            self._audit(s, "edit", after, before, after)
            return after

    def end(self, target_id: int, on: date) -> Target:
        """End a target on ``on`` (its last day): the period is cut short, nothing deleted."""
        with self.db.transaction() as s:
            before = _get(s, target_id)
            if on < before.start:
                raise ValidationError(
                    f"the target starts on {_day(before.start)}; it cannot end before that",
                    field="end",
                )
            if on >= before.end:
                raise ValidationError(
                    f"the target already ends on {_day(before.end)}; choose an earlier day",
                    field="end",
                )
            row = s.get(m.SavingsTarget, target_id)
            assert row is not None
            row.period_end = on
            s.flush()
            after = replace(before, end=on)
            self._audit(s, "end", after, before, after)
            return after

    def _entered_by(self) -> str:
        return f"Entered by {self.app.actor} on {_day(self.app.today())}"

    def _audit(
        self, s: Session, action: str, target: Target, before: Target | None, after: Target
    ) -> None:
        AuditWriter(s, self.app.actor, self.app.now()).write(
            action,
            [(str(target.id), before.snapshot() if before else None, after.snapshot())],
            entity_type=ENTITY,
        )


def _checked(draft: TargetDraft) -> dict[str, Any]:
    """The target's columns from ``draft``, or the sentence saying what is wrong."""
    if not isinstance(draft.start, date) or not isinstance(draft.end, date):
        raise ValidationError("give the first and last day of the target's period", field="start")
    if draft.end < draft.start:
        raise ValidationError(
            f"the period ends ({_day(draft.end)}) before it starts ({_day(draft.start)})",
            field="end",
        )
    amount = parse_money(draft.amount, field="target amount", minimum=PENNY)
    upper = None
    if draft.amount_upper not in (None, ""):
        upper = parse_money(draft.amount_upper, field="upper amount", minimum=PENNY)
        if upper < amount:
            raise ValidationError(
                f"the upper amount ({format_gbp(upper)}) is less than the target "
                f"({format_gbp(amount)})",
                field="amount_upper",
            )
    return {
        "period_start": draft.start,
        "period_end": draft.end,
        "amount": amount,
        "amount_upper": upper,
        "description": draft.description.strip(),
    }


def _owner_column(buyer: Buyer) -> Any:
    T = m.SavingsTarget
    return T.buyer_force_id if buyer.kind is BuyerKind.FORCE else T.buyer_collaboration_id


def _targets() -> Any:
    T = m.SavingsTarget
    return (
        select(
            T.id,
            m.Force.code,
            m.Force.name,
            m.Collaboration.code,
            m.Collaboration.name,
            T.period_start,
            T.period_end,
            T.amount,
            T.amount_upper,
            T.description,
            T.source,
        )
        .outerjoin(m.Force, T.buyer_force_id == m.Force.id)
        .outerjoin(m.Collaboration, T.buyer_collaboration_id == m.Collaboration.id)
        .order_by(T.period_start, T.id)
    )


def _target(
    target_id: int,
    force_code: str | None,
    force_name: str | None,
    collaboration_code: str | None,
    collaboration_name: str | None,
    *values: Any,
) -> Target:
    code = force_code or collaboration_code or ""
    name = force_name or collaboration_name or ""
    return Target(target_id, code, name, *values)


def _get(s: Session, target_id: int) -> Target:
    row = s.execute(_targets().where(m.SavingsTarget.id == target_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no savings target has the number {target_id}")
    return _target(*row)


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"
