"""Reading the ledger: lines for the command line and briefings, pages and totals for
the Purchases view, exports to CSV or XLSX, and a purchase's history."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from catalogue_app.domain.enums import PurchaseStatus
from catalogue_app.interchange.atomic import database_files
from catalogue_app.interchange.purchases import write_purchases
from catalogue_app.services.database import Database
from catalogue_app.services.ledger import queries
from catalogue_app.services.ledger.history import purchase_history
from catalogue_app.services.ledger.model import AuditEntry, LedgerFilter, LedgerLine, LedgerPage

P = queries.P


def protected_files(db: Database) -> tuple[Path, ...]:
    """The files an output must never replace: an embedded database and its companions."""
    return database_files(db.url.database) if db.backend == "sqlite" else ()


class LedgerService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def lines(
        self,
        buyer_code: str | None = None,
        start: date | None = None,
        end: date | None = None,
        *,
        status: str = PurchaseStatus.ACTIVE,
        limit: int | None = None,
    ) -> list[LedgerLine]:
        with self.db.reading() as s:
            buyer = queries.find_buyer(s, buyer_code) if buyer_code else None
            stmt = queries.ledger_statement(buyer, start, end, status)
            if limit is not None:
                stmt = stmt.limit(limit)
            return queries.ledger_lines(s, stmt)


class LedgerBrowser:
    """Pages of the ledger for the Purchases view, newest first, with totals in SQL."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def page(self, f: LedgerFilter, limit: int, offset: int = 0) -> list[LedgerLine]:
        with self.db.reading() as s:
            stmt = (
                queries.filtered(s, f)
                .order_by(None)
                .order_by(P.order_date.desc(), P.order_reference.desc(), P.id)
            )
            return queries.ledger_lines(s, stmt.limit(limit).offset(offset))

    def summary(self, f: LedgerFilter) -> LedgerPage:
        with self.db.reading() as s:
            count, spend, savings = queries.totals(s, f)
            return LedgerPage([], count, spend, savings)


class LedgerExport:
    """Exports of what a scope of the ledger holds, to CSV or XLSX."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def records(
        self,
        buyer_code: str | None = None,
        start: date | None = None,
        end: date | None = None,
        status: str = PurchaseStatus.ACTIVE,
    ) -> list[dict[str, Any]]:
        with self.db.reading() as s:
            buyer = queries.find_buyer(s, buyer_code) if buyer_code else None
            return queries.export_records(s, queries.ledger_statement(buyer, start, end, status))

    def records_for(self, f: LedgerFilter) -> list[dict[str, Any]]:
        """What the Purchases view shows under filter ``f``."""
        with self.db.reading() as s:
            return queries.export_records(s, queries.filtered(s, f))

    def write(
        self,
        records: list[dict[str, Any]],
        path: str | os.PathLike[str],
        fmt: str,
        *,
        overwrite: bool = False,
    ) -> None:
        """Write ``records`` to ``path`` as ``fmt`` (csv or xlsx), whole or not at all.

        An existing file is replaced only with ``overwrite``; the open database (and its
        companion files) never is.
        """
        write_purchases(records, path, fmt, overwrite=overwrite, protected=protected_files(self.db))

    def history(self, purchase_id: str) -> list[AuditEntry]:
        with self.db.reading() as s:
            return purchase_history(s, purchase_id)
