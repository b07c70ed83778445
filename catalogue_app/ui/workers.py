"""Run slow service calls off the GUI thread and deliver the result back on it.

Each :class:`Worker` call carries a ticket; when a newer call of the same kind
has started, the older result is dropped, so a detail pane never shows the
product the user has already moved away from.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from catalogue_app.domain.errors import CatalogueError


class _Bridge(QObject):
    finished = Signal(int, object)
    failed = Signal(int, str)


class _Task(QRunnable):
    def __init__(self, ticket: int, fn: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self.ticket, self.fn, self.bridge = ticket, fn, bridge

    def run(self) -> None:
        try:
            result = self.fn()
        except CatalogueError as exc:
            self._emit(self.bridge.failed, str(exc))
        except Exception as exc:  # shown to the user; never kills the worker thread
            self._emit(self.bridge.failed, f"{type(exc).__name__}: {exc}")
        else:
            self._emit(self.bridge.finished, result)

    def _emit(self, signal: Any, value: object) -> None:
        # RuntimeError: the window that asked has closed; nobody is waiting for the answer
        with contextlib.suppress(RuntimeError):
            signal.emit(self.ticket, value)


class Worker(QObject):
    """Runs one kind of background job; only the latest job's result is delivered."""

    def __init__(
        self,
        on_result: Callable[[Any], None],
        on_error: Callable[[str], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ticket = 0
        self._on_result, self._on_error = on_result, on_error
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._finished)
        self._bridge.failed.connect(self._failed)
        self._pool = QThreadPool.globalInstance()
        self.running = 0

    def submit(self, fn: Callable[[], Any]) -> None:
        self._ticket += 1
        self.running += 1
        self._pool.start(_Task(self._ticket, fn, self._bridge))

    def _finished(self, ticket: int, result: object) -> None:
        self.running -= 1
        if ticket == self._ticket:
            self._on_result(result)

    def _failed(self, ticket: int, message: str) -> None:
        self.running -= 1
        if ticket == self._ticket and self._on_error is not None:
            self._on_error(message)

    @property
    def idle(self) -> bool:
        return self.running == 0
