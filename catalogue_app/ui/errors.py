"""Failures a user sees: one sentence in a dialog, with the details one click away.

A :class:`~catalogue_app.domain.errors.CatalogueError` is shown as its own
sentence. Anything else is a fault in the app: it is logged with its traceback,
the dialog says what stopped and where the log is, and "Copy details" puts the
traceback on the clipboard so it can be sent on. The global hooks do the same
for an exception nothing caught, on the GUI thread or any other.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from catalogue_app import APP_NAME
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.logs import LOGGER_NAME, log_path

log = logging.getLogger(f"{LOGGER_NAME}.errors")


def sentence(text: str) -> str:
    """Capital first letter and a full stop: how every message reads in a dialog."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def describe_failure(exc: BaseException, doing: str = "") -> tuple[str, str]:
    """The sentence a user reads and the details behind "Copy details"."""
    if isinstance(exc, CatalogueError):
        return sentence(str(exc)), sentence(str(exc))
    what = f"“{doing}” stopped" if doing else "The app stopped what it was doing"
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return (
        f"{what} because of an unexpected error ({reason}). "
        f"The details were written to {log_path()}.",
        details,
    )


class ErrorDialog(QDialog):
    """A sentence, a Close button and "Copy details"; never a bare traceback."""

    def __init__(
        self, message: str, details: str, parent: QWidget | None = None, title: str = APP_NAME
    ) -> None:
        super().__init__(parent)
        self.setObjectName("errorDialog")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.details = details
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40)
        )
        self.message = QLabel(message)
        self.message.setObjectName("errorMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMinimumWidth(420)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy details")
        self.copy_button.setObjectName("copyDetails")
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)
        self.copy_button.setText("Copied")


def show_error(
    parent: QWidget | None, message: str, details: str = "", title: str = APP_NAME
) -> ErrorDialog:
    """Show the dialog window-modal without blocking the caller; returns it."""
    if parent is not None and not shiboken6.isValid(parent):
        parent = None
    dialog = ErrorDialog(message, details or message, parent, title)
    dialog.open()
    return dialog


def show_failure(parent: QWidget | None, exc: BaseException, doing: str = "") -> ErrorDialog:
    message, details = describe_failure(exc, doing)
    return show_error(parent, message, details)


# -- the global hooks -------------------------------------------------------------------------


class _Reporter(QObject):
    """Carries an uncaught exception from any thread to a dialog on the GUI thread."""

    report = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.report.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.dialogs: list[ErrorDialog] = []

    def _show(self, message: str, details: str) -> None:
        parent = QApplication.activeWindow()
        self.dialogs = [d for d in self.dialogs if shiboken6.isValid(d)]
        self.dialogs.append(show_error(parent, message, details))


class ExceptionHooks:
    """Installs ``sys.excepthook`` and ``threading.excepthook``; :meth:`uninstall` undoes it."""

    def __init__(self) -> None:
        self._reporter = _Reporter()
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook

    @property
    def dialogs(self) -> list[ErrorDialog]:
        return [d for d in self._reporter.dialogs if shiboken6.isValid(d)]

    def install(self) -> ExceptionHooks:
        sys.excepthook = self._sys_hook
        threading.excepthook = self._thread_hook
        return self

    def uninstall(self) -> None:
        sys.excepthook = self._previous_sys
        threading.excepthook = self._previous_threading

    def _sys_hook(
        self,
        kind: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_sys(kind, exc, tb)
            return
        self._handle(exc.with_traceback(tb))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        self._handle(args.exc_value.with_traceback(args.exc_traceback))

    def _handle(self, exc: BaseException) -> None:
        log.error("uncaught exception", exc_info=(type(exc), exc, exc.__traceback__))
        message, details = describe_failure(exc)
        if QApplication.instance() is None:
            print(details, file=sys.stderr)
            return
        self._reporter.report.emit(message, details)


def install_exception_hooks() -> ExceptionHooks:
    return ExceptionHooks().install()
