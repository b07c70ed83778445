"""Keeping the catalogue true: audited edits of suppliers, products, frameworks, lots and offers.

``records`` describes each kind and reads raw values into records; ``store``
maps records to tables; ``service.CatalogueEditor`` makes every change (create,
edit, withdraw, reinstate, suspend, extend, new offer prices, bulk apply, undo
and redo) with its audit events; ``history`` reads a record's history and a
product's price versions back.
"""

from catalogue_app.services.editing.history import (
    CatalogueHistory,
    HistoryEntry,
    ListPriceVersion,
    OfferPriceVersion,
    PriceHistory,
)
from catalogue_app.services.editing.records import (
    SPECS,
    FieldProblem,
    FieldSpec,
    FieldType,
    FrameworkRecord,
    Kind,
    LotRecord,
    OfferRecord,
    ProductRecord,
    Record,
    RecordInvalid,
    SupplierRecord,
    as_text,
    kind_of,
    parse_breaks,
    parse_record,
    record_values,
)
from catalogue_app.services.editing.service import (
    CatalogueEditor,
    Change,
    Consequences,
    EditResult,
    StaleRecordError,
    is_withdrawn,
)

__all__ = [
    "SPECS",
    "CatalogueEditor",
    "CatalogueHistory",
    "Change",
    "Consequences",
    "EditResult",
    "FieldProblem",
    "FieldSpec",
    "FieldType",
    "FrameworkRecord",
    "HistoryEntry",
    "Kind",
    "ListPriceVersion",
    "LotRecord",
    "OfferPriceVersion",
    "OfferRecord",
    "PriceHistory",
    "ProductRecord",
    "Record",
    "RecordInvalid",
    "StaleRecordError",
    "SupplierRecord",
    "as_text",
    "is_withdrawn",
    "kind_of",
    "parse_breaks",
    "parse_record",
    "record_values",
]
