"""Keeping the catalogue true: audited edits of suppliers, products, frameworks, lots and offers.

``records`` describes each kind and reads raw values into records; ``store``
maps records to tables; ``service.CatalogueEditor`` makes every change (create,
edit, withdraw, reinstate, suspend, extend, new offer prices, bulk apply, undo
and redo) with its audit events; ``history`` reads a record's history and a
product's price versions back.

Importing the package is cheap: each name loads its module when first used, so
the command line can read the field descriptions without loading the editor.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "CatalogueEditor": "service",
    "CatalogueHistory": "history",
    "Change": "service",
    "Consequences": "service",
    "EditResult": "service",
    "FieldProblem": "records",
    "FieldSpec": "records",
    "FieldType": "records",
    "FrameworkRecord": "records",
    "HistoryEntry": "history",
    "Kind": "records",
    "ListPriceVersion": "history",
    "LotRecord": "records",
    "OfferPriceVersion": "history",
    "OfferRecord": "records",
    "PriceHistory": "history",
    "ProductRecord": "records",
    "Record": "records",
    "RecordInvalid": "records",
    "SPECS": "records",
    "StaleRecordError": "service",
    "SupplierRecord": "records",
    "as_text": "records",
    "is_withdrawn": "service",
    "kind_of": "records",
    "parse_breaks": "records",
    "parse_record": "records",
    "record_values": "records",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
