"""What the ledger hands out and takes in: drafts, recorded and stored purchases, ledger
lines and pages, audit entries, import reports, and the errors a user reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from catalogue_app.domain.enums import PurchaseStatus
from catalogue_app.domain.errors import CatalogueError, NotFoundError, ValidationError
from catalogue_app.domain.purchases import OFF_FRAMEWORK, Route, SplitRule
from catalogue_app.services.dto import Row

# -- errors ------------------------------------------------------------------------------


class UnknownBuyerError(NotFoundError, ValidationError):
    """No force or collaboration has the code; the same error wherever a buyer is looked up."""

    def __init__(self, code: str) -> None:
        super().__init__(f"no force or collaboration has the code “{code}”", field="buyer")
        self.code = code


class StaleRevisionError(ValidationError):
    """Someone else changed the purchase first: the change was not applied."""

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"purchase {reference} was changed by someone else since you opened it; your "
            "change was not saved. Reload it and try again",
            field="revision",
        )


class DuplicateReferenceError(ValidationError):
    """The buyer already used this order reference: ask before recording again."""

    def __init__(self, reference: str, buyer: str) -> None:
        super().__init__(
            f"order reference {reference} was already used by {buyer}; record it again only "
            "if this is a different order",
            field="order_reference",
        )


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column “{self.column}”: {self.reason}"


class ImportRejected(CatalogueError):
    """The whole file was refused; ``errors`` names every bad row."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source, self.errors = source, errors
        listed = "; ".join(str(e) for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(
            f"{source} was not imported: {len(errors)} bad row{'s' if len(errors) != 1 else ''}"
            f" — {listed}{more}; nothing was written"
        )

    def report(self) -> str:
        lines = [f"{self.source}: {len(self.errors)} bad rows; nothing was written."]
        lines += [f"  {self.source}, {e}" for e in self.errors]
        return "\n".join(lines)


class ImportRaced(CatalogueError):
    """Another writer recorded one of the file's order references while it was checked."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__(
            f"{source} was not imported: someone else recorded one of its order references "
            "while it was being checked; nothing was written. Import it again to see which "
            "rows are now already recorded"
        )


# -- what an officer enters, and what the ledger gives back --------------------------------


@dataclass(frozen=True)
class PurchaseDraft:
    """What an officer enters, as text or values; validated by the service."""

    buyer: str
    product: str
    quantity: object
    order_date: object
    order_reference: str
    framework: str | None = None
    lot: str | None = None
    unit_price: object = None
    baseline_unit_price: object = None
    notes: str = ""
    split: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Share(Row):
    force: str
    amount: Decimal


@dataclass(frozen=True)
class RecordedPurchase(Row):
    id: str
    order_reference: str
    buyer: str
    product: str
    route: Route
    quantity: int
    unit_price: Decimal
    baseline_unit_price: Decimal
    total: Decimal
    saving: Decimal
    unit_price_overridden: bool
    shares: list[Share] = field(default_factory=list)


def custom_split(shares: dict[str, Decimal]) -> str | None:
    """The split text that reproduces stored shares exactly, or None for no shares."""
    return str(SplitRule("custom", amounts=dict(shares))) if shares else None


@dataclass(frozen=True)
class StoredPurchase(Row):
    """A purchase as stored, in the terms of a draft (codes, not ids)."""

    id: str
    revision: int
    status: PurchaseStatus
    void_reason: str | None
    buyer: str
    product: str
    framework: str | None
    lot: str | None
    quantity: int
    unit_price: Decimal
    baseline_unit_price: Decimal
    order_date: date
    order_reference: str
    notes: str
    shares: dict[str, Decimal]

    @property
    def route(self) -> Route:
        return Route.of(self.framework, self.lot)

    def draft(self) -> PurchaseDraft:
        return PurchaseDraft(
            buyer=self.buyer,
            product=self.product,
            quantity=self.quantity,
            order_date=self.order_date,
            order_reference=self.order_reference,
            framework=self.framework,
            lot=self.lot,
            unit_price=self.unit_price,
            baseline_unit_price=self.baseline_unit_price,
            notes=self.notes,
            split=custom_split(self.shares),
            id=self.id,
        )

    def snapshot(self) -> dict[str, Any]:
        """The values the audit log keeps (money as text, so JSON holds it exactly)."""
        return {
            "order_reference": self.order_reference,
            "buyer": self.buyer,
            "product": self.product,
            "route": str(self.route),
            "quantity": self.quantity,
            "unit_price": f"{self.unit_price:.2f}",
            "baseline_unit_price": f"{self.baseline_unit_price:.2f}",
            "order_date": self.order_date.isoformat(),
            "notes": self.notes,
            "shares": {c: f"{a:.2f}" for c, a in self.shares.items()},
            "status": str(self.status),
        }


@dataclass(frozen=True)
class ImportReport(Row):
    source: str
    rows: int
    imported: int
    already_present: int


# -- reading the ledger -----------------------------------------------------------------


@dataclass(frozen=True)
class LedgerLine(Row):
    id: str
    order_date: date
    order_reference: str
    buyer: str  # the buyer's name
    product_code: str
    product: str
    supplier: str
    route: Route
    quantity: int
    unit_price: Decimal
    baseline_unit_price: Decimal
    status: PurchaseStatus

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def saving(self) -> Decimal:
        return (self.baseline_unit_price - self.unit_price) * self.quantity


STATUS_ALL = "all"


@dataclass(frozen=True)
class LedgerFilter:
    buyer: str | None = None  # force or collaboration code
    start: date | None = None
    end: date | None = None
    status: str = PurchaseStatus.ACTIVE  # active, void or all
    product: str | None = None  # product code
    supplier: str | None = None  # supplier code
    framework: str | None = None  # framework reference, or "off-framework"
    category: str | None = None  # CPV code of the products' category

    @property
    def off_framework(self) -> bool:
        return self.framework == OFF_FRAMEWORK


@dataclass(frozen=True)
class LedgerPage:
    lines: list[LedgerLine]
    total: int  # purchases matching
    spend: Decimal
    savings: Decimal


@dataclass(frozen=True)
class AuditEntry(Row):
    occurred_at: str
    actor: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
