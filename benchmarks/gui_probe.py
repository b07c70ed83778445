"""GUI measurements, run in their own process (offscreen Qt: a lower bound for a real display).

    python -m benchmarks.gui_probe bare              an empty QMainWindow, painted
    python -m benchmarks.gui_probe cold DB           the app's main window with rows painted
    python -m benchmarks.gui_probe interactive DB N  search, scroll and peak memory, as JSON

``bare`` and ``cold`` print "painted" the moment the first paint has happened;
the parent times from process start to that line.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SEARCHES = {
    "one word": "radio",
    "two words": "tetra radio",
    "3-letter prefix": "veh",
    "supplier name": "motorola",
    "no hits": "zzqx",
}


def _peak_rss_mb() -> float:
    """This process's peak resident memory.

    Linux's VmHWM starts afresh at exec; getrusage's ru_maxrss does not (a child
    started by a large parent reports the parent's peak), so it is only the fallback.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _exit_on_paint(widget) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent, QObject

    class Watcher(QObject):
        def eventFilter(self, obj, event):  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.Paint:
                # let this paint finish, then report
                from PySide6.QtCore import QTimer

                QTimer.singleShot(0, _report)
            return False

    watcher = Watcher(widget)
    widget.installEventFilter(watcher)


def _report() -> None:
    sys.stdout.write("painted\n")
    sys.stdout.flush()
    os._exit(0)


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1280, 780)
    _exit_on_paint(window)
    window.show()
    app.exec()


def _window(database: str):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from catalogue_app.services.database import open_database
    from catalogue_app.ui.application import configure_application
    from catalogue_app.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    configure_application(app)
    settings = QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(open_database(database), settings)
    return app, window


def cold(database: str) -> None:
    app, window = _window(database)
    _exit_on_paint(window.table.viewport())
    window.show()
    app.exec()


def _paint(window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    window.table.viewport().repaint()
    QApplication.processEvents()


def interactive(database: str, runs: int) -> None:
    from PySide6.QtWidgets import QApplication

    app, window = _window(database)
    window.show()
    QApplication.processEvents()
    results: dict[str, object] = {}

    view = window.products

    def search(text: str) -> float:
        view.search_box.blockSignals(True)
        view.search_box.setText(text)
        view.search_box.blockSignals(False)
        start = time.perf_counter()
        view.apply_search()  # what the keystroke's timer calls
        _paint(window)
        return (time.perf_counter() - start) * 1000

    per_query = {}
    for label, text in SEARCHES.items():
        search("")
        search(text)  # warm-up
        samples = []
        for _ in range(runs):
            search("")
            samples.append(search(text))
        per_query[label] = statistics.median(samples)
    results["search_ms"] = per_query
    search("")

    def jump(where: str) -> float:
        window.model.reload()  # start from the top, with an empty page cache
        window.table.scrollToTop()
        _paint(window)
        start = time.perf_counter()
        target = window.model.total // 2 if where == "middle" else window.model.total - 1
        window.table.scrollTo(window.model.index(target, 0))
        _paint(window)
        return (time.perf_counter() - start) * 1000

    results["scroll_ms"] = {
        where: statistics.median([jump(where) for _ in range(runs)]) for where in ("middle", "end")
    }
    results["rows_total"] = window.model.total
    results["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(results))
    app.quit()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "bare":
        bare()
    elif mode == "cold":
        cold(sys.argv[2])
    elif mode == "interactive":
        interactive(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")
