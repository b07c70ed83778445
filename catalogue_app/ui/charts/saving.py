"""Right-click → Save image… on any chart: a PNG written through the atomic writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.atomic import atomic_path
from catalogue_app.ui.errors import show_failure
from catalogue_app.ui.files import ask_save_path, file_name
from catalogue_app.ui.settings import Settings


def png_bytes(widget: QWidget) -> bytes:
    """The widget as drawn now, as PNG."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not widget.grab().save(buffer, "PNG"):
        raise CatalogueError("the chart could not be drawn as an image")
    return bytes(buffer.data().data())


def save_png(widget: QWidget, path: Path, protected: tuple[Path, ...]) -> None:
    """Write the chart to ``path`` whole or not at all (the save dialog has confirmed any
    replacement; the open database is never overwritten)."""
    data = png_bytes(widget)
    with atomic_path(path, overwrite=True, protected=protected) as partial:
        partial.write_bytes(data)


def offer_save_image(
    widget: QWidget,
    settings: Settings,
    protected: tuple[Path, ...],
    name: Callable[[], str],
) -> None:
    """Give ``widget`` a context menu with "Save image…"; ``name`` names the file."""

    def save() -> None:
        chosen = ask_save_path(
            widget,
            settings,
            "exports",
            "Save chart as image",
            file_name(name(), extension="png"),
            "PNG image (*.png)",
        )
        if chosen is None:
            return
        try:
            save_png(widget, Path(chosen), protected)
        except CatalogueError as exc:
            show_failure(widget, exc, "save the chart")

    def menu(position: QPoint) -> None:
        popup = QMenu(widget)
        action = QAction("Save image…", popup)
        action.triggered.connect(save)
        popup.addAction(action)
        popup.exec(widget.mapToGlobal(position))

    widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    widget.customContextMenuRequested.connect(menu)
