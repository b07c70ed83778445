"""Service calls off the GUI thread: query ops read, command ops write.

A widget never waits on the database. It builds an op around one service call
and starts it; the call runs on a worker thread and its result comes back on the
GUI thread.

- :class:`QueryOp` reads. Queries have a *kind* per widget ("search",
  "detail", …): when a newer query of the same kind starts, the older one's
  result is dropped, so typing never waits for, nor shows, a stale answer.
- :class:`CommandOp` writes. Commands run one at a time in the order they
  were started; while one runs the :class:`ChangeHub` is busy and tables fetch
  no new rows. On success the command's change notice is broadcast through the
  hub so every open view refreshes what it shows; a failure is a dialog with
  "Copy details". Every command is logged with its action, ids, outcome and
  duration.

Both can report progress and be cancelled where the work allows
(:class:`OpProgress`).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Generic, Self, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.logs import LOGGER_NAME
from catalogue_app.services.changes import Change
from catalogue_app.ui.errors import show_failure

T = TypeVar("T")

log = logging.getLogger(f"{LOGGER_NAME}.ops")

QUERY_THREADS = 4


class Cancelled(Exception):
    """Raised inside an op's function once the user pressed Cancel."""


class ChangeHub(QObject):
    """The app's one broadcaster of change notices; also says while a command runs."""

    changed = Signal(object)  # a LedgerChanged, CatalogueChanged, …
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running = 0

    @property
    def busy(self) -> bool:
        """Whether a command is writing: tables hold still until it has finished."""
        return self._running > 0

    def notify(self, change: Change) -> None:
        self.changed.emit(change)

    def _begin(self) -> None:
        self._running += 1
        if self._running == 1:
            self.busy_changed.emit(True)

    def _end(self) -> None:
        self._running -= 1
        if self._running == 0:
            self.busy_changed.emit(False)


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(str, int, int)


class OpProgress:
    """Handed to an op's function on the worker: report progress, notice Cancel."""

    def __init__(self, signals: _Signals) -> None:
        self._signals = signals
        self._cancel = threading.Event()

    def update(self, text: str = "", value: int = 0, maximum: int = 0) -> None:
        """Show ``text`` and ``value`` of ``maximum`` (a maximum of 0: busy, no bar)."""
        self._signals.progressed.emit(text, value, maximum)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Stop here if the user pressed Cancel."""
        if self._cancel.is_set():
            raise Cancelled


class _Task(QRunnable):
    """Runs an op's function on a pool thread.

    The task must never drop the last reference to the op or its signals: a QObject
    (or the widgets an op refers to) destroyed on a worker thread while the GUI thread
    delivers to it is undefined behaviour in Qt. So the task lets go of both before it
    says it is done, and the op leaves ``_live`` (the GUI thread's reference) only after.
    """

    def __init__(self, fn: Callable[[], object] | None, signals: _Signals | None) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn, self._signals = fn, signals
        self.done = threading.Event()

    def run(self) -> None:
        fn, signals = self._fn, self._signals
        self._fn = self._signals = None
        assert fn is not None and signals is not None
        try:
            result = fn()
        except BaseException as exc:  # delivered to the GUI thread, never lost in a worker
            signals.failed.emit(exc)
        else:
            signals.succeeded.emit(result)
        finally:
            # the GUI thread still holds the op (it is in _live until ``done`` is set)
            del fn, signals
            self.done.set()


_pools: dict[str, QThreadPool] = {}


def _pool(name: str) -> QThreadPool:
    """Queries share a few threads; commands run one at a time, in order."""
    pool = _pools.get(name)
    if pool is None:
        pool = QThreadPool()
        pool.setObjectName(f"catalogue-{name}")
        pool.setMaxThreadCount(QUERY_THREADS if name == "query" else 1)
        _pools[name] = pool
    return pool


def wait_for_ops(timeout_ms: int = 30_000) -> bool:
    """Block until every op's worker has returned (closing the app, tests)."""
    return all(pool.waitForDone(timeout_ms) for pool in _pools.values())


def running_ops() -> int:
    """Workers busy right now."""
    return sum(pool.activeThreadCount() for pool in _pools.values())


def pending_ops() -> int:
    """Ops started whose result has not yet been delivered on the GUI thread."""
    return len(_live)


_live: set[_Op[Any]] = set()  # ops between start and delivery, so nothing collects them
_latest: weakref.WeakKeyDictionary[QObject, dict[str, int]] = weakref.WeakKeyDictionary()
_tickets = iter(range(1, 2**62))


class _Op(Generic[T]):
    pool_name = "query"

    def __init__(self, parent: QObject, fn: Callable[[OpProgress], T], doing: str) -> None:
        self._parent = parent
        self._fn = fn
        self.doing = doing
        self._on_success: list[Callable[[T], None]] = []
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_cancelled: Callable[[], None] | None = None
        self._progress_label: str | None = None
        self._cancellable = False
        self._dialog: QProgressDialog | None = None
        self._signals = _Signals()
        self.progress = OpProgress(self._signals)
        self._task_done: threading.Event | None = None

    def success(self, callback: Callable[[T], None]) -> Self:
        """Call ``callback`` with the result on the GUI thread (after any added before)."""
        self._on_success.append(callback)
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Self:
        """Handle a failure yourself instead of the error dialog."""
        self._on_failure = callback
        return self

    def cancelled(self, callback: Callable[[], None]) -> Self:
        self._on_cancelled = callback
        return self

    def with_progress(self, label: str, *, cancellable: bool = False) -> Self:
        """Show a progress dialog (after a moment) with ``label``; Cancel if the work allows."""
        self._progress_label, self._cancellable = label, cancellable
        return self

    def run_in_background(self) -> None:
        self._signals.succeeded.connect(self._delivered, Qt.ConnectionType.QueuedConnection)
        self._signals.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self._signals.progressed.connect(self._progressed, Qt.ConnectionType.QueuedConnection)
        if self._progress_label is not None:
            self._show_progress(self._progress_label)
        _live.add(self)
        self._started = time.perf_counter()
        self._begin()
        progress = self.progress
        task = _Task(lambda: self._fn(progress), self._signals)
        self._task_done = task.done
        _pool(self.pool_name).start(task)

    # -- delivery, on the GUI thread ----------------------------------------------------------
    def _begin(self) -> None:
        """Before the worker starts."""

    def _finish(self) -> None:
        self._release()
        if self._dialog is not None and shiboken6.isValid(self._dialog):
            self._dialog.reset()
            self._dialog.deleteLater()
        self._dialog = None

    def _release(self) -> None:
        """Let the op go, on the GUI thread, once its worker holds nothing of it."""
        if self._task_done is not None and not self._task_done.is_set():
            QTimer.singleShot(5, self._release)
            return
        _live.discard(self)

    def _widget(self) -> QWidget | None:
        parent = self._parent
        while parent is not None and not isinstance(parent, QWidget):
            parent = parent.parent()
        return parent

    def _parent_alive(self) -> bool:
        return shiboken6.isValid(self._parent)

    def _delivered(self, result: T) -> None:
        self._finish()
        if self._current() and self._parent_alive():
            for callback in self._on_success:
                callback(result)

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        if not self._current() or not self._parent_alive():
            return
        if isinstance(exc, Cancelled):
            if self._on_cancelled is not None:
                self._on_cancelled()
            return
        if self._on_failure is not None:
            self._on_failure(exc)
        else:
            show_failure(self._widget(), exc, self.doing)

    def _current(self) -> bool:
        return True

    def _progressed(self, text: str, value: int, maximum: int) -> None:
        dialog = self._dialog
        if dialog is None or not shiboken6.isValid(dialog):
            return
        if text:
            dialog.setLabelText(text)
        dialog.setMaximum(maximum)
        dialog.setValue(value)

    def _show_progress(self, label: str) -> None:
        dialog = QProgressDialog(label, "Cancel" if self._cancellable else "", 0, 0, self._widget())
        dialog.setWindowTitle(self.doing[:1].upper() + self.doing[1:])
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if self._cancellable:
            dialog.canceled.connect(self.progress.cancel)
        else:
            dialog.setCancelButton(None)
        self._dialog = dialog


class QueryOp(_Op[T]):
    """Read on a worker; the newest query of each kind per widget wins.

    ``QueryOp(widget, lambda: service.search(q), kind="search").success(show)
    .run_in_background()``. A query that failed is shown as a dialog unless
    :meth:`failure` says otherwise; a superseded one is never delivered.
    """

    def __init__(
        self,
        parent: QObject,
        query: Callable[..., T],
        *,
        kind: str = "",
        doing: str = "reading the catalogue",
        takes_progress: bool = False,
    ) -> None:
        """``query`` takes no argument, or the :class:`OpProgress` if ``takes_progress``."""
        run: Callable[[OpProgress], T] = query if takes_progress else (lambda _p: query())
        super().__init__(parent, run, doing)
        self.kind = kind
        self._ticket = 0

    def _begin(self) -> None:
        self._ticket = next(_tickets)
        if self.kind:
            _latest.setdefault(self._parent, {})[self.kind] = self._ticket

    def _current(self) -> bool:
        if not self.kind or not self._parent_alive():
            return True
        return _latest.get(self._parent, {}).get(self.kind) == self._ticket


def latest_query_running(parent: QObject, kind: str) -> bool:
    """Whether a query of ``kind`` for ``parent`` has started and not been delivered."""
    ticket = _latest.get(parent, {}).get(kind)
    return any(isinstance(op, QueryOp) and op._ticket == ticket for op in _live)


class CommandOp(_Op[T]):
    """Write on the command worker; broadcast what changed; log what was done.

    ``notice`` turns the result into the change notice the hub broadcasts.
    ``ids`` names what the command acts on, for the log.
    """

    pool_name = "command"

    def __init__(
        self,
        parent: QObject,
        hub: ChangeHub,
        action: str,
        run: Callable[[OpProgress], T],
        *,
        notice: Callable[[T], Change | None] | None = None,
        ids: Iterable[str] = (),
    ) -> None:
        super().__init__(parent, run, action)
        self.hub = hub
        self.action = action
        self._notice = notice
        self._ids = [i for i in ids if i]

    def _begin(self) -> None:
        self.hub._begin()

    def _elapsed_ms(self) -> float:
        return (time.perf_counter() - self._started) * 1000

    def _end_busy(self) -> None:
        if shiboken6.isValid(self.hub):
            self.hub._end()

    def _delivered(self, result: T) -> None:
        change = self._notice(result) if self._notice is not None else None
        ids = sorted({*self._ids, *getattr(change, "purchase_ids", ())})
        log.info(
            "%s: ok in %.0f ms; ids %s", self.action, self._elapsed_ms(), ", ".join(ids) or "-"
        )
        self._end_busy()
        if change is not None and shiboken6.isValid(self.hub):
            self.hub.notify(change)
        super()._delivered(result)

    def _failed(self, exc: BaseException) -> None:
        ids = ", ".join(self._ids) or "-"
        elapsed = self._elapsed_ms()
        if isinstance(exc, Cancelled):
            log.info("%s: cancelled after %.0f ms; ids %s", self.action, elapsed, ids)
        elif isinstance(exc, CatalogueError):
            log.warning("%s: refused in %.0f ms; ids %s: %s", self.action, elapsed, ids, exc)
        else:
            log.error(
                "%s: failed in %.0f ms; ids %s",
                self.action,
                elapsed,
                ids,
                exc_info=(type(exc), exc, exc.__traceback__),
            )
        self._end_busy()
        super()._failed(exc)
