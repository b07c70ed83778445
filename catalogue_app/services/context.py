"""What every user action runs against: the database, who is acting, and the clock.

The command line and the desktop app build one :class:`AppContext` each and
hand it to the services, so "who recorded this" and "what day is it" have one
answer, which tests can fix.
"""

from __future__ import annotations

import getpass
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import text

from catalogue_app.services.database import Database


def system_actor() -> str:
    """The operating-system user name, or "unknown" where the system has none."""
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError):
        return "unknown"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AppContext:
    """The database, who is acting and the clock, for one command or one window.

    ``actor`` defaults to who the database says is acting: the login
    (``session_user``) on a shared server, asked once when first needed, and the
    operating-system user on an embedded file.
    """

    def __init__(
        self,
        db: Database,
        actor: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.db = db
        self.clock = clock
        self._actor = actor
        self._lock = threading.Lock()

    @property
    def actor(self) -> str:
        with self._lock:
            if self._actor is None:
                self._actor = database_actor(self.db)
            return self._actor

    @actor.setter
    def actor(self, value: str) -> None:
        with self._lock:
            self._actor = value

    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        return self.clock()

    def today(self) -> date:
        """Today's date where the officer is (local calendar day)."""
        return self.clock().astimezone().date()


def database_actor(db: Database) -> str:
    """Who the database says is acting: the server login, or the operating-system user."""
    if db.backend != "postgresql":
        return system_actor()
    if db.url.username:  # the login the connection names is the server's session_user
        return db.url.username
    with db.reading() as session:
        return str(session.execute(text("SELECT session_user")).scalar_one())
