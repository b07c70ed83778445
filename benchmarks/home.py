"""Home at national scale: from shown to fully drawn, a buyer switch, the worst GUI stall.

    python -m benchmarks.home [DATABASE]

Runs offscreen on the cached benchmark database (the newest ``benchmarks/cache/*.sqlite``
unless one is named) and prints the figures as JSON: the service alone (all of Home, and
its quick half), the window from ``show()`` to the key figures and to every chart drawn (the
first time includes importing pyqtgraph), switching buyer, and the longest the
GUI thread went without a 1 ms heartbeat.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CACHE = Path(__file__).resolve().parent / "cache"
BUYERS = ("ecis", "metropolitan", "kent", "east-midlands")


def _database(argv: list[str]) -> str:
    if argv:
        return argv[0]
    found = sorted(CACHE.glob("*.sqlite"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise SystemExit("no benchmark database: run `python -m benchmarks` first")
    return str(found[-1])


def service_times(database: str, runs: int = 3) -> dict[str, float]:
    from catalogue_app.domain.periods import FinancialYear
    from catalogue_app.services.dashboard import DashboardService
    from catalogue_app.services.database import open_database

    db = open_database(database)
    service = DashboardService(db)
    year = FinancialYear.containing(date.today())
    year = FinancialYear(year.start_year - 1)
    result = {}
    for buyer in BUYERS:
        times, quick = [], []
        for _ in range(runs):
            started = time.perf_counter()
            service.overview(buyer, year.start, year.end, today=date.today())
            quick.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            service.build(buyer, year.start, year.end, today=date.today())
            times.append((time.perf_counter() - started) * 1000)
        result[buyer] = round(statistics.median(times), 1)
        result[f"{buyer}, key figures and year charts only"] = round(statistics.median(quick), 1)
    db.close()
    return result


def window_times(database: str) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from catalogue_app.services.database import open_database
    from catalogue_app.ui.application import configure_application
    from catalogue_app.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    configure_application(app)
    settings = QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"), QSettings.Format.IniFormat)
    settings.setValue("home/buyer", BUYERS[0])
    db = open_database(database)
    clock = QElapsedTimer()
    clock.start()
    state = {"last": 0, "worst": 0}

    def beat() -> None:
        now = clock.elapsed()
        state["worst"] = max(state["worst"], now - state["last"])
        state["last"] = now

    heart = QTimer()
    heart.setTimerType(Qt.TimerType.PreciseTimer)
    heart.timeout.connect(beat)
    heart.start(1)

    first_paint: list[float] = []  # show or switch to the key figures on screen, per call

    def until_drawn(home, buyer: str) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        state["last"], state["worst"] = clock.elapsed(), 0
        figures = None
        while not (home.drawn and home.board is not None and home.board.buyer_code == buyer):
            if figures is None and home.board is not None and home.board.buyer_code == buyer:
                figures = time.perf_counter()
            app.processEvents()
            time.sleep(0.0005)
            if time.perf_counter() - started > 120:
                raise SystemExit(f"Home was not drawn for {buyer} within two minutes")
        app.processEvents()
        first_paint.append(((figures or time.perf_counter()) - started) * 1000)
        return (time.perf_counter() - started) * 1000

    built = time.perf_counter()
    window = MainWindow(db, settings)
    window.resize(1600, 1000)
    construct = (time.perf_counter() - built) * 1000
    window.show()
    home = window.home
    figures = {"window built (ms)": round(construct, 1)}
    figures["shown to fully drawn, first time (ms)"] = round(until_drawn(home, BUYERS[0]), 1)
    figures["shown to key figures, first time (ms)"] = round(first_paint[-1], 1)
    stalls = [state["worst"]]
    switches = []
    for buyer in (*BUYERS[1:], BUYERS[0]):
        home.buyer.setCurrentIndex(home.buyer.findData(buyer))
        switches.append(until_drawn(home, buyer))
        stalls.append(state["worst"])
    figures["switch buyer, median (ms)"] = round(statistics.median(switches), 1)
    figures["switch buyer, worst (ms)"] = round(max(switches), 1)
    figures["switch buyer to key figures, median (ms)"] = round(
        statistics.median(first_paint[1:]), 1
    )
    window.show_view(window.views.index(window.products))
    app.processEvents()
    window.show_view(window.views.index(home))
    figures["shown again to fully drawn (ms)"] = round(until_drawn(home, BUYERS[0]), 1)
    figures["worst GUI stall (ms)"] = float(max(stalls))
    window.close()
    from catalogue_app.ui.ops import wait_for_ops

    wait_for_ops()
    db.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    database = _database(list(sys.argv[1:] if argv is None else argv))
    report = {
        "database": database,
        "dashboard service (ms, median of 3)": service_times(database),
        "window": window_times(database),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
