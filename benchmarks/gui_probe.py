"""GUI measurements, run in their own process (offscreen Qt: a lower bound for a real display).

    python -m benchmarks.gui_probe bare              an empty QMainWindow, painted
    python -m benchmarks.gui_probe rows DB           a QMainWindow with a QTableView of 200
                                                     products read through SQLAlchemy Core,
                                                     painted (the floor for ``cold``)
    python -m benchmarks.gui_probe cold DB [VIEW]    the app started as ``catalogue-app`` starts
                                                     it, until VIEW has painted what it read:
                                                     ``home`` (the key figures, what a new user
                                                     sees first) or ``products`` (the first rows)
    python -m benchmarks.gui_probe interactive DB N  search, scroll and peak memory, as JSON
    python -m benchmarks.gui_probe responsive DB     the longest the GUI thread stalls, per action

``bare``, ``rows`` and ``cold`` print "painted" the moment the first paint has
happened; the parent times from process start to that line.
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


def rows(database: str) -> None:
    """The floor for a cold start: Qt, SQLAlchemy, a query of one page of products, a table."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
    from sqlalchemy import column, create_engine, select, table

    app = QApplication(sys.argv[:1])
    engine = create_engine(f"sqlite+pysqlite:///{database}")
    products = table("products", column("code"), column("name"), column("unit"), column("status"))
    stmt = select(products).order_by(products.c.name).limit(200)
    with engine.connect() as conn:
        found = conn.execute(stmt).all()
    model = QStandardItemModel(len(found), 4)
    model.setHorizontalHeaderLabels(["Code", "Name", "Unit", "Status"])
    for r, row in enumerate(found):
        for c, value in enumerate(row):
            model.setItem(r, c, QStandardItem(str(value)))
    window = QMainWindow()
    view = QTableView()
    view.setModel(model)
    window.setCentralWidget(view)
    window.resize(1280, 780)
    _exit_on_paint(view.viewport())
    window.show()
    app.exec()


def _window(database: str, *, check_integrity: str = "now"):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from catalogue_app.services.database import open_database
    from catalogue_app.ui.application import configure_application
    from catalogue_app.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    configure_application(app)
    settings = QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"), QSettings.Format.IniFormat)
    db = open_database(database, check_integrity=check_integrity)  # type: ignore[arg-type]
    window = MainWindow(db, settings)
    # the probes measure the products table: open on it, as a user who left it there would
    window.show_view(window.views.index(window.products))
    return app, window


def cold(database: str, view: str = "products") -> None:
    from PySide6.QtCore import QTimer

    # as the app opens it: the file's integrity check runs on a worker once the window is up
    app, window = _window(database, check_integrity="before-writes")
    target = window.products if view == "products" else window.home
    window.show_view(window.views.index(target))
    painted = window.table.viewport() if view == "products" else target
    window.show()

    def wait_for_rows() -> None:
        # rows arrive from a worker; the first paint after they land is the one that counts
        if target.loaded:
            _exit_on_paint(painted)
            painted.update()
        else:
            QTimer.singleShot(1, wait_for_rows)

    wait_for_rows()
    QTimer.singleShot(300_000, lambda: os._exit(1))  # never painted: the parent says so
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

    from catalogue_app.ui.ops import latest_query_running

    def search(text: str) -> float:
        view.search_box.blockSignals(True)
        view.search_box.setText(text)
        view.search_box.blockSignals(False)
        start = time.perf_counter()
        view.apply_search()  # what the keystroke's timer calls
        # the query runs on a worker: time until its rows are in the table and painted
        while latest_query_running(view, "search") or view.model.query.text != text:
            QApplication.processEvents()
            time.sleep(0.0005)
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
        _paint(window)  # asks for the page; it arrives from a worker
        while window.model.cached_row(target) is None:
            QApplication.processEvents()
            time.sleep(0.0005)
        _paint(window)
        return (time.perf_counter() - start) * 1000

    results["scroll_ms"] = {
        where: statistics.median([jump(where) for _ in range(runs)]) for where in ("middle", "end")
    }
    results["rows_total"] = window.model.total
    results["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(results))
    app.quit()


def responsive(database: str) -> None:
    """Drive the window through an officer's actions while a 1 ms heartbeat runs on the GUI
    thread; the longest gap between beats, per action, is how long the window froze."""
    from datetime import date

    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from catalogue_app.services.ledger import PurchaseDraft
    from catalogue_app.ui.operations import purchases as purchase_ops
    from catalogue_app.ui.ops import pending_ops

    app, window = _window(database)
    window.resize(1280, 780)
    window.show()
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

    def settle(timeout_s: float = 120.0) -> None:
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            QApplication.processEvents()
            if pending_ops() == 0:
                break
            time.sleep(0.001)
        for _ in range(20):  # the repaints that follow the last delivery
            QApplication.processEvents()
            time.sleep(0.001)

    stalls: dict[str, int] = {}

    def measure(name: str, action) -> None:  # type: ignore[no-untyped-def]
        settle()
        state["last"], state["worst"] = clock.elapsed(), 0
        action()
        settle()
        stalls[name] = state["worst"]

    settle()
    view = window.products
    product = window.model.cached_row(0)
    measure(
        "open the Purchases view",
        lambda: window.show_view(window.views.index(window.purchases)),
    )
    table = window.purchases.table

    def select_rows() -> None:
        for row in range(5):
            table.selectRow(row)
            settle()

    measure("select purchases (history)", select_rows)
    measure(
        "scroll the ledger to the end",
        lambda: table.scrollTo(window.purchases.model.index(window.purchases.model.total - 1, 0)),
    )
    window.show_view(window.views.index(view))

    def searches() -> None:
        for text in SEARCHES.values():
            view.search_box.setText(text)
            view.apply_search()
            settle()

    measure("search products", searches)
    code = product.code if product is not None else "ATHENA"
    draft = PurchaseDraft(
        buyer="norfolk",
        product=code,
        quantity=3,
        order_date=date.today(),
        order_reference=f"PROBE/{time.time_ns()}",
    )

    def record(reference: str) -> None:
        from dataclasses import replace

        purchase_ops.record_purchase(
            window, window.ctx, replace(draft, order_reference=reference)
        ).success(window._recorded).run_in_background()

    measure("record a purchase", lambda: record(f"PROBE/{time.time_ns()}"))
    measure("undo it", window.undo_action.trigger)
    measure("record another", lambda: record(f"PROBE/{time.time_ns()}"))
    print(json.dumps({"stall_ms": stalls, "worst_ms": max(stalls.values())}))
    heart.stop()
    app.quit()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "bare":
        bare()
    elif mode == "rows":
        rows(sys.argv[2])
    elif mode == "cold":
        cold(sys.argv[2], *sys.argv[3:4])
    elif mode == "interactive":
        interactive(sys.argv[2], int(sys.argv[3]))
    elif mode == "responsive":
        responsive(sys.argv[2])
    else:
        raise SystemExit(f"unknown mode {mode}")
