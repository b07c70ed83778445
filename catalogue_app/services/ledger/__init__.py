"""The purchase ledger: recording call-offs and reading them back.

- :mod:`.model`: what goes in and comes out (drafts, purchases, lines, errors);
- :mod:`.rules`: what makes a purchase valid;
- :mod:`.queries`: the SQL (finding a buyer, the ledger statement, spend sums);
- :mod:`.commands`: record, edit, void, restore and import, audited;
- :mod:`.history`: a purchase's audit trail;
- :mod:`.reading`: lines, pages, totals and exports.
"""

from catalogue_app.services.audit import AuditWriter
from catalogue_app.services.ledger.commands import PurchaseService
from catalogue_app.services.ledger.model import (
    STATUS_ALL,
    AuditEntry,
    DuplicateReferenceError,
    ImportRaced,
    ImportRejected,
    ImportReport,
    LedgerFilter,
    LedgerLine,
    LedgerPage,
    PurchaseDraft,
    RecordedPurchase,
    RowError,
    Share,
    StaleRevisionError,
    StoredPurchase,
    UnknownBuyerError,
)
from catalogue_app.services.ledger.queries import (
    SAVING,
    SPEND,
    Buyer,
    find_buyer,
    ledger_lines,
    ledger_statement,
)
from catalogue_app.services.ledger.reading import (
    LedgerBrowser,
    LedgerExport,
    LedgerService,
    protected_files,
)

__all__ = [
    "SAVING",
    "SPEND",
    "STATUS_ALL",
    "AuditEntry",
    "AuditWriter",
    "Buyer",
    "DuplicateReferenceError",
    "ImportRaced",
    "ImportRejected",
    "ImportReport",
    "LedgerBrowser",
    "LedgerExport",
    "LedgerFilter",
    "LedgerLine",
    "LedgerPage",
    "LedgerService",
    "PurchaseDraft",
    "PurchaseService",
    "RecordedPurchase",
    "RowError",
    "Share",
    "StaleRevisionError",
    "StoredPurchase",
    "UnknownBuyerError",
    "find_buyer",
    "ledger_lines",
    "ledger_statement",
    "protected_files",
]
