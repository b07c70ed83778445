"""What a user action changed, told to everyone who shows the data.

A command returns one of these notices; the desktop app broadcasts it and each
open view asks it whether what the view shows is touched. The notices are plain
frozen dataclasses so that services and the command line can produce them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def _codes(values: Iterable[str | None]) -> frozenset[str]:
    return frozenset(v for v in values if v)


@dataclass(frozen=True)
class LedgerChanged:
    """Purchases were recorded, edited, voided, restored or imported.

    ``buyers`` holds every force or collaboration whose spend moved (a joint
    purchase's collaboration and each member with a share); ``products`` every
    product bought. ``unbounded`` says the change is too wide to name (an
    import): every ledger figure must be read again.
    """

    purchase_ids: frozenset[str] = frozenset()
    buyers: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    unbounded: bool = False

    @classmethod
    def of(
        cls,
        purchase_ids: Iterable[str | None] = (),
        buyers: Iterable[str | None] = (),
        products: Iterable[str | None] = (),
    ) -> LedgerChanged:
        return cls(_codes(purchase_ids), _codes(buyers), _codes(products))

    @classmethod
    def everything(cls) -> LedgerChanged:
        return cls(unbounded=True)

    def touches_buyer(self, code: str | None) -> bool:
        return self.unbounded or (code is not None and code in self.buyers)

    def touches_product(self, code: str | None) -> bool:
        return self.unbounded or (code is not None and code in self.products)


@dataclass(frozen=True)
class CatalogueChanged:
    """Reference data changed: products, suppliers, frameworks, forces or collaborations.

    An empty ``products`` with ``unbounded`` set means "read the whole catalogue
    again" (a reseed or a bulk load).
    """

    products: frozenset[str] = frozenset()
    suppliers: frozenset[str] = frozenset()
    frameworks: frozenset[str] = frozenset()
    buyers: frozenset[str] = frozenset()
    unbounded: bool = False

    def touches_product(self, code: str | None) -> bool:
        return self.unbounded or (code is not None and code in self.products)


Change = LedgerChanged | CatalogueChanged
