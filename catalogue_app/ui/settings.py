"""Every setting the desktop app keeps, declared once: key, type and default.

Widgets read and write settings only through :class:`Settings` and the
declarations below, never with literal ``QSettings`` keys. The stored layout
carries a version; :func:`upgrade` moves settings written by an older version
to where this one looks for them, one step per version, so a user keeps their
window, columns and saved searches across releases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")

SETTINGS_VERSION = 3
VERSION_KEY = "settings/version"


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    type: type
    default: T

    def read(self, raw: object) -> T:
        """``raw`` as stored (INI files keep strings) as this setting's type, else the default."""
        if raw is None:
            return self.default
        try:
            if self.type is QByteArray:
                if isinstance(raw, QByteArray):
                    return cast(T, raw)
                if isinstance(raw, bytes):
                    return cast(T, QByteArray(raw))
                return self.default
            if self.type is int:
                return cast(T, int(raw))  # type: ignore[call-overload]
            if self.type is bool:
                if isinstance(raw, str):
                    return cast(T, raw.strip().lower() in ("1", "true", "yes"))
                return cast(T, bool(raw))
            return cast(T, self.type(raw))
        except (TypeError, ValueError):
            return self.default


def _state(key: str) -> Setting[QByteArray]:
    return Setting(key, QByteArray, QByteArray())


WINDOW_GEOMETRY = _state("window/geometry")
WINDOW_SPLITTER = _state("window/splitter")
WINDOW_VIEW = Setting("window/view", int, 0)
SAVED_SEARCHES = Setting("searches/saved", str, "{}")  # JSON: name -> query fields

GETTING_STARTED_SHOWN = Setting("help/getting_started_shown", bool, False)

# Home: the buyer and period last chosen, and the champion product on its tile map
HOME_BUYER = Setting("home/buyer", str, "")  # a force or collaboration code; "" for the default
HOME_PERIOD = Setting("home/period", str, "")  # a preset's label, or "" for the latest year
HOME_CHAMPION = Setting("home/champion", str, "")  # a product code; "" for the most bought

# the folders file dialogs remember, one per kind of file
FOLDER_KINDS = ("imports", "exports", "briefings", "comparisons")

VIEW_NAMES = (
    "homeView",
    "productsView",
    "frameworksView",
    "suppliersView",
    "buyersView",
    "purchasesView",
)


def view_splitter(view: str) -> Setting[QByteArray]:
    """The splitter between a view's table and its detail pane."""
    return _state(f"views/{view}/splitter")


def view_header(view: str) -> Setting[QByteArray]:
    """A view's table columns: order, widths, hidden ones."""
    return _state(f"views/{view}/header")


def view_columns_sized(view: str) -> Setting[bool]:
    """Whether the officer has set a view's column widths (else they follow the content)."""
    return Setting(f"views/{view}/columns_sized", bool, False)


def record_form_size(kind: str) -> Setting[QByteArray]:
    """The size the officer last gave the catalogue form for ``kind`` (product, lot, …)."""
    return _state(f"dialogs/record_form/{kind}")


def last_folder(kind: str) -> Setting[str]:
    """The folder a file dialog of this kind last used ("" until one was chosen)."""
    if kind not in FOLDER_KINDS:
        raise ValueError(f"unknown kind of file: {kind}")
    return Setting(f"folders/{kind}", str, "")


# -- upgrades -----------------------------------------------------------------------------


def _move(settings: QSettings, old: str, new: str) -> None:
    if settings.contains(old):
        if not settings.contains(new):
            settings.setValue(new, settings.value(old))
        settings.remove(old)


def _upgrade_to_2(settings: QSettings) -> None:
    """Version 1 kept window keys under "mainWindow/", view keys under the view's name,
    and saved searches under "savedSearches/v1"."""
    for name in ("geometry", "splitter", "view"):
        _move(settings, f"mainWindow/{name}", f"window/{name}")
    for view in VIEW_NAMES:
        _move(settings, f"{view}/splitter", view_splitter(view).key)
        _move(settings, f"{view}/header", view_header(view).key)
    _move(settings, "savedSearches/v1", SAVED_SEARCHES.key)


def _upgrade_to_3(settings: QSettings) -> None:
    """Version 3 put Home first in the sidebar: the view last shown moves down by one."""
    try:
        index = int(settings.value(WINDOW_VIEW.key))
    except (TypeError, ValueError):
        return  # never stored, or unreadable: the window opens on Home
    if index >= 0:
        settings.setValue(WINDOW_VIEW.key, index + 1)


UPGRADES: dict[int, Callable[[QSettings], None]] = {2: _upgrade_to_2, 3: _upgrade_to_3}


def stored_version(settings: QSettings) -> int:
    raw = settings.value(VERSION_KEY)
    if raw is None:
        # nothing stored at all: a first start, already in today's layout
        return 1 if settings.allKeys() else SETTINGS_VERSION
    try:
        return int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 1


def upgrade(settings: QSettings) -> int:
    """Bring stored settings up to :data:`SETTINGS_VERSION`; returns the version found."""
    found = stored_version(settings)
    for version in range(found + 1, SETTINGS_VERSION + 1):
        UPGRADES[version](settings)
    if found != SETTINGS_VERSION or settings.value(VERSION_KEY) is None:
        settings.setValue(VERSION_KEY, SETTINGS_VERSION)
        settings.sync()
    return found


class Settings:
    """Typed access to the app's settings over one ``QSettings`` store."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings()
        self.upgraded_from = upgrade(self.store)

    def get(self, setting: Setting[T]) -> T:
        return setting.read(self.store.value(setting.key))

    def set(self, setting: Setting[T], value: T) -> None:
        self.store.setValue(setting.key, value)

    def sync(self) -> None:
        self.store.sync()
