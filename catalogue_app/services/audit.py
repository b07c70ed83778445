"""The one way any change is written to the audit log.

Every audited change, to a purchase or to the catalogue, is one row in
``audit_events``: who, when, what was done to which record, and the record's
values before and after as JSON. Readers (History tabs, ``history KIND CODE``)
only ever read these rows back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from catalogue_app.db import models as m


@dataclass(frozen=True)
class AuditWriter:
    """Writes audit events for one actor at one moment, inside the caller's transaction."""

    session: Session
    actor: str
    now: datetime

    def write(
        self,
        action: str,
        entries: Sequence[tuple[str, Any, Any]],
        *,
        entity_type: str = "purchase",
    ) -> None:
        """One event per (record key, values before, values after)."""
        if not entries:
            return
        self.session.execute(
            insert(m.AuditEvent.__table__),
            [
                {
                    "occurred_at": self.now,
                    "actor": self.actor,
                    "action": action,
                    "entity_type": entity_type,
                    "entity_id": key,
                    "before": audit_json(before),
                    "after": audit_json(after),
                }
                for key, before, after in entries
            ],
        )


def audit_json(values: Any) -> str | None:
    """``values`` as the stable JSON the audit log keeps (sorted keys, money as text)."""
    return json.dumps(values, sort_keys=True, default=str) if values is not None else None
