"""Closed vocabularies of the domain."""

from enum import StrEnum


class ForceKind(StrEnum):
    TERRITORIAL = "territorial"
    NATIONAL = "national"
    SPECIAL = "special"


class SupplierStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXCLUDED = "excluded"


class ProductStatus(StrEnum):
    CHAMPION = "champion"
    APPROVED = "approved"
    CHALLENGER = "challenger"
    WITHDRAWN = "withdrawn"


class PurchaseStatus(StrEnum):
    ACTIVE = "active"
    VOID = "void"


class BuyerKind(StrEnum):
    FORCE = "force"
    COLLABORATION = "collaboration"


# The kinds of published notice (OCDS processes) the Notices view and `notices list` filter by.
NOTICE_KINDS = ("planning", "tender", "award", "contract", "framework", "call-off")
