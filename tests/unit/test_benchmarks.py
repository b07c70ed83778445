"""The benchmark's code path still works (on a tiny database); no timing is asserted."""

import json

from benchmarks import __main__ as bench
from benchmarks import dataset


def test_quick_benchmark_runs_end_to_end_on_a_tiny_database(tmp_path, monkeypatch):
    tiny = dataset.Scale(
        "tiny",
        products=300,
        suppliers=10,
        frameworks=5,
        purchases=3000,
        runs=1,
        import_rows=(100, 500),
        briefing_lines=(20, 200),
    )
    monkeypatch.setattr(dataset, "QUICK", tiny)
    monkeypatch.setattr(dataset, "CACHE", tmp_path / "cache")
    out = tmp_path / "latest.json"
    assert bench.main(["--quick", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    names = [line["name"] for line in report["lines"]]
    for expected in (
        "generate the benchmark database",
        "cold start → first rows painted",
        "search keystroke → paint: no hits",
        "scroll: jump to the end → paint",
        "peak RSS, GUI with a search run",
        "spend summary: by buyer, one financial year",
        "record one purchase (validate, split, audit, commit)",
    ):
        assert expected in names
    assert sum(n.startswith("briefing PDF") for n in names) == 2
    assert any(n.startswith("peak memory, build and render") for n in names)
    assert any(n.startswith("CSV import of 500") for n in names)
    assert any(n.startswith("CSV import of 100 ") for n in names)
    growing = [line for line in report["lines"] if line["grows"] is not None]
    assert {line["name"].split(" ")[0] for line in growing} >= {"briefing", "import"}
    assert any(n.startswith("GUI thread stall: record a purchase") for n in names)
    writers = next(line for line in report["lines"] if line["name"].startswith("8 processes"))
    assert writers["met"], writers["note"]  # none refused, none lost, none doubled
    for line in report["lines"]:
        assert line["figure"] is not None, line
        # a stall can honestly be 0 ms; every other figure is a time or a rate
        assert line["figure"] > 0 or line["name"].startswith("GUI thread stall"), line
    # the second run reuses the cached database
    assert bench.main(["--quick", "--only", "spend", "--out", str(out)]) == 0
    again = json.loads(out.read_text())["lines"][0]
    assert again["note"].startswith("cached from an earlier run")
    assert again["floor"] is not None and again["floor"] > 0  # the raw-insert floor is kept
