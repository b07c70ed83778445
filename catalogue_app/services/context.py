"""What every user action runs against: the database, who is acting, and the clock.

The command line and the desktop app build one :class:`AppContext` each and
hand it to the services, so "who recorded this" and "what day is it" have one
answer, which tests can fix.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from catalogue_app.services.database import Database


def system_actor() -> str:
    """The operating-system user name, or "unknown" where the system has none."""
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError):
        return "unknown"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    db: Database
    actor: str = field(default_factory=system_actor)
    clock: Callable[[], datetime] = _utc_now

    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        return self.clock()

    def today(self) -> date:
        """Today's date where the officer is (local calendar day)."""
        return self.clock().astimezone().date()
