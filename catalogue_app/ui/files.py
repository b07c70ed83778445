"""File dialogs that start in the officer's documents folder and remember where they were.

Each kind of file (imports, exports, briefings, comparisons) keeps its own last
folder in the settings; a suggested name says what the file holds
(``briefing-ecis-2025-26.pdf``).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from catalogue_app.domain.periods import FinancialYear
from catalogue_app.ui.settings import Settings, last_folder


def documents_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


def start_folder(settings: Settings, kind: str) -> Path:
    """Where a dialog of this kind opens: the folder last used, else the documents folder."""
    remembered = settings.get(last_folder(kind))
    if remembered and Path(remembered).is_dir():
        return Path(remembered)
    return documents_folder()


def _remember(settings: Settings, kind: str, chosen: str) -> None:
    settings.set(last_folder(kind), str(Path(chosen).parent))


def ask_save_path(
    parent: QWidget | None,
    settings: Settings,
    kind: str,
    title: str,
    suggested_name: str,
    file_filter: str,
) -> str | None:
    """Ask where to save; None when the officer cancelled."""
    start = start_folder(settings, kind) / suggested_name
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start), file_filter)
    if not path:
        return None
    _remember(settings, kind, path)
    return path


def ask_open_path(
    parent: QWidget | None, settings: Settings, kind: str, title: str, file_filter: str
) -> str | None:
    """Ask which file to open; None when the officer cancelled."""
    path, _ = QFileDialog.getOpenFileName(
        parent, title, str(start_folder(settings, kind)), file_filter
    )
    if not path:
        return None
    _remember(settings, kind, path)
    return path


def slug(text: str) -> str:
    """Lower-case words joined by hyphens, safe in a file name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def period_slug(start: date | None, end: date | None, today: date) -> str:
    """A period as a file name part: 2025-26, 2026-27-to-date, or its two dates."""
    if start is None or end is None:
        return ""
    year = FinancialYear.containing(start)
    label = f"{year.start_year}-{(year.start_year + 1) % 100:02d}"
    if start == year.start and end == year.end:
        return label
    if start == year.start and end == today and today in year:
        return f"{label}-to-date"
    return f"{start.isoformat()}-to-{end.isoformat()}"


def file_name(*parts: str, extension: str) -> str:
    """``briefing-ecis-2025-26.pdf`` from its parts; empty parts are left out."""
    words = [slug(p) for p in parts]
    return "-".join(w for w in words if w) + "." + extension
