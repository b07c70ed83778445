"""Icons and the stylesheet from the shipped ``resources/`` folder."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from catalogue_app.paths import resources_dir


def app_icon() -> QIcon:
    return QIcon(str(resources_dir() / "icons" / "app.svg"))


def stylesheet() -> str:
    return (resources_dir() / "style.qss").read_text(encoding="utf-8")
