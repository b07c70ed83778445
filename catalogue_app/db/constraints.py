"""Recognising which rule of the schema a refused write broke, on either backend."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from catalogue_app.db.models import ONE_PURCHASE_PER_REFERENCE

DUPLICATE_REFERENCE_INDEXES = frozenset(name for name, _, _ in ONE_PURCHASE_PER_REFERENCE)
# SQLite names the columns of a violated unique index, not the index itself.
_SQLITE_DUPLICATE_REFERENCE_MESSAGES = tuple(
    f"UNIQUE constraint failed: purchases.{column}, purchases.order_reference"
    for _, column, _ in ONE_PURCHASE_PER_REFERENCE
)


def is_duplicate_reference(exc: IntegrityError) -> bool:
    """Whether ``exc`` is a second active purchase by one buyer with one order reference.

    True when the database refused the write through one of the partial unique
    indexes in :data:`~catalogue_app.db.models.ONE_PURCHASE_PER_REFERENCE`, so
    the caller can say what happened in the same words as its own check.
    """
    orig = exc.orig
    diag = getattr(orig, "diag", None)  # psycopg
    if diag is not None:
        return getattr(diag, "constraint_name", None) in DUPLICATE_REFERENCE_INDEXES
    message = str(orig)
    return any(message.startswith(m) for m in _SQLITE_DUPLICATE_REFERENCE_MESSAGES)
