"""What every window and view of the desktop app shares: the services, the hub, the buyers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox

from catalogue_app.services.briefing import BriefingService
from catalogue_app.services.browse import BrowseService
from catalogue_app.services.catalogue import CatalogueService
from catalogue_app.services.changes import CatalogueChanged
from catalogue_app.services.compare import CompareService
from catalogue_app.services.context import AppContext
from catalogue_app.services.database import Database
from catalogue_app.services.dto import CollaborationRow, ForceRow
from catalogue_app.services.ledger import LedgerBrowser, LedgerExport, PurchaseService
from catalogue_app.ui.ops import ChangeHub, QueryOp


@dataclass(frozen=True)
class Buyers:
    """Every force and collaboration, as the buyer lists show them."""

    collaborations: tuple[CollaborationRow, ...] = ()
    forces: tuple[ForceRow, ...] = ()

    @property
    def members(self) -> dict[str, list[str]]:
        return {c.code: c.members for c in self.collaborations}

    @property
    def force_names(self) -> dict[str, str]:
        return {f.code: f.name for f in self.forces}

    def fill(self, combo: QComboBox, first: tuple[str, object] | None = None) -> None:
        """Collaborations first (marked), then forces, keeping the current choice."""
        chosen = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        if first is not None:
            combo.addItem(*first)
        for c in self.collaborations:
            combo.addItem(f"{c.name} (collaboration)", c.code)
        for f in self.forces:
            combo.addItem(f.name, f.code)
        combo.setCurrentIndex(max(0, combo.findData(chosen)))
        combo.blockSignals(False)


class BuyerDirectory(QObject):
    """The buyer lists, read once off the GUI thread and again when the catalogue changes."""

    loaded = Signal(object)  # Buyers

    def __init__(self, catalogue: CatalogueService, hub: ChangeHub) -> None:
        super().__init__(hub)
        self._catalogue = catalogue
        self.buyers: Buyers | None = None
        self._waiting: list[Callable[[Buyers], None]] = []
        hub.changed.connect(self._changed)
        self.reload()

    def reload(self) -> None:
        catalogue = self._catalogue

        def read() -> Buyers:
            return Buyers(tuple(catalogue.list_collaborations()), tuple(catalogue.list_forces()))

        QueryOp(self, read, kind="buyers", doing="reading the forces and collaborations").success(
            self._loaded
        ).run_in_background()

    def when_ready(self, callback: Callable[[Buyers], None]) -> None:
        """Call back with the lists now if they are loaded, else as soon as they are."""
        if self.buyers is not None:
            callback(self.buyers)
        else:
            self._waiting.append(callback)

    def _loaded(self, buyers: Buyers) -> None:
        self.buyers = buyers
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            callback(buyers)
        self.loaded.emit(buyers)

    def _changed(self, change: object) -> None:
        if isinstance(change, CatalogueChanged) and (change.unbounded or change.buyers):
            self.reload()


class UiContext:
    """The services a window uses, who is acting, the change hub and the buyer lists."""

    def __init__(self, db: Database, hub: ChangeHub, app: AppContext | None = None) -> None:
        self.db = db
        self.app = app or AppContext(db)
        self.hub = hub
        self.catalogue = CatalogueService(db)
        self.browse = BrowseService(db)
        self.purchases = PurchaseService(self.app)
        self.ledger = LedgerBrowser(db)
        self.export = LedgerExport(db)
        self.compare = CompareService(db)
        self.briefings = BriefingService(db)
        self.buyers = BuyerDirectory(self.catalogue, hub)

    @property
    def actor(self) -> str:
        return self.app.actor
