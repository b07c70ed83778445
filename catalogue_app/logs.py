"""The app's log: standard ``logging`` into a rotating file in the user's data folder.

The desktop app calls :func:`configure` once at start-up. Every command that
writes to the database logs its action, the ids it touched, its outcome and how
long it took; unexpected errors log their traceback here, so a user can send the
file instead of describing what they saw.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from catalogue_app.paths import user_data_dir

LOGGER_NAME = "catalogue_app"
LOG_FILE_NAME = "catalogue-app.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_HANDLER_NAME = "catalogue_app.file"


def log_path() -> Path:
    """Where the log is written: the file :func:`configure` chose, else
    ``catalogue-app.log`` in the user's data folder."""
    for handler in logging.getLogger(LOGGER_NAME).handlers:
        if handler.get_name() == _HANDLER_NAME and isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    return user_data_dir() / LOG_FILE_NAME


def configure(path: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the app's log records to a rotating file; idempotent for the same file."""
    target = path or user_data_dir() / LOG_FILE_NAME
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:
            if Path(getattr(handler, "baseFilename", "")) == target.resolve():
                return target
            logger.removeHandler(handler)
            handler.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        target, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
    return target


def flush() -> None:
    for handler in logging.getLogger(LOGGER_NAME).handlers:
        handler.flush()
