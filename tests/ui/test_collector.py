"""Garbage made on a worker is collected on the GUI thread, never on the worker."""

import gc
import threading
import weakref

from catalogue_app.ui import collector as collector_module
from catalogue_app.ui.collector import GuiThreadCollector

CYCLES = 5_000  # several times the youngest generation's threshold


class Node:
    pass


def test_cycles_made_on_a_worker_are_freed_on_the_gui_thread(qtbot, qapp):
    outer = gc.isenabled()  # the UI tests' own collector has switched it off
    gc.enable()
    collector = GuiThreadCollector(qapp, interval_ms=10)
    try:
        assert not gc.isenabled()
        freed_on: list[int] = []

        def freed_on_this_thread() -> None:
            freed_on.append(threading.get_ident())

        def make_cycles() -> None:
            for _ in range(CYCLES):
                node = Node()
                node.me = node
                weakref.finalize(node, freed_on_this_thread)

        worker = threading.Thread(target=make_cycles)
        worker.start()
        worker.join()
        assert freed_on == []  # the worker passed the threshold many times and collected none
        qtbot.waitUntil(lambda: len(freed_on) == CYCLES, timeout=5000)
        assert set(freed_on) == {threading.get_ident()}
    finally:
        collector.stop()
    assert gc.isenabled()  # given back as it was found
    if not outer:
        gc.disable()


def test_nothing_is_collected_before_a_threshold_is_passed(qapp):
    collector = GuiThreadCollector(qapp)
    try:
        gc.collect()
        assert collector.collect_due() == 0
    finally:
        collector.stop()


def test_a_full_collection_waits_its_turn(qapp, monkeypatch):
    collector = GuiThreadCollector(qapp)
    generations: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            generations.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        for _ in range(gc.get_threshold()[2] + 1):  # a full collection is now due
            gc.collect(1)
        generations.clear()
        collector.collect_due()
        assert generations == [1]  # the last full one was less than FULL_EVERY_S ago
        monkeypatch.setattr(collector_module, "FULL_EVERY_S", 0.0)
        collector.collect_due()
        assert generations == [1, 2]
    finally:
        gc.callbacks.remove(seen)
        collector.stop()
