"""Python's cyclic garbage is collected on the GUI thread only.

The collector runs on whichever thread happens to allocate when a threshold is passed, so
with reads on workers it may free, on a worker, a cycle that holds a signal connection (an
exception's traceback that kept a closure's frame, say). Freeing it disconnects the signal
from that worker: Qt then holds the sender's connection lock while it asks for the GIL,
and if the GUI thread, holding the GIL, is connecting to the same object at that moment,
both wait for ever. So automatic collection is switched off while the window runs, and a
timer on the GUI thread collects each generation when Python's own thresholds say it is
due; worker threads never collect. A full collection walks every object the app holds, so
it runs at most every :data:`FULL_EVERY_S` seconds (Python itself also spaces them out).
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 200
FULL_EVERY_S = 30.0


class GuiThreadCollector(QObject):
    """Turns automatic collection off while it lives; collect on the GUI thread instead."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._last_full = time.monotonic()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose threshold has been passed, as Python would;
        how many objects were unreachable."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                if generation == 2:
                    if time.monotonic() - self._last_full < FULL_EVERY_S:
                        return gc.collect(1)
                    self._last_full = time.monotonic()
                return gc.collect(generation)
        return 0

    def stop(self) -> None:
        """Collect everything on this thread and give collection back to Python."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
