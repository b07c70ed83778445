"""make bench: speed and memory at national scale, beside floors measured in the same run.

    python -m benchmarks [--quick | --scale NAME] [--keys uuid4|uuid7] [--runs N] [--rebuild]
                         [--only NAME ...]

Every figure is the median of several runs after a warm-up. GUI figures are
taken offscreen, a lower bound for a real display. Results are printed as a
table (figure | floor | ratio | grows like | target) and written to
benchmarks/results/latest.json. "Grows like" is the exponent k of time ∝ nᵏ
between two sizes of the same measure (1 is linear).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from benchmarks import dataset, measures
from benchmarks.timing import Line, table

ROOT = Path(__file__).resolve().parent
PROJECT = ROOT.parent


def _probe_seconds(args: list[str], runs: int) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    samples = []
    for n in range(runs + 1):
        start = time.perf_counter()
        with subprocess.Popen(
            [sys.executable, "-m", "benchmarks.gui_probe", *args],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as proc:
            line = proc.stdout.readline() if proc.stdout else ""
            elapsed = time.perf_counter() - start
            proc.wait(timeout=120)
        if line.strip() != "painted":
            raise RuntimeError(f"gui probe {args[0]} did not paint")
        if n:  # the first run warms the disk cache
            samples.append(elapsed)
    return statistics.median(samples)


def cold_start(path: Path, runs: int, scale: dataset.Scale) -> list[Line]:
    """The desktop app and the command line from process start, beside same-run floors."""
    bare = _probe_seconds(["bare"], runs)
    rows = _probe_seconds(["rows", str(path)], runs)
    home = _probe_seconds(["cold", str(path), "home"], runs)
    products = _probe_seconds(["cold", str(path), "products"], runs)
    lines = [
        Line("bare QMainWindow painted", bare, None, "s", note="for scale: Qt alone"),
        Line(
            "cold start → Home's key figures painted",
            home,
            rows,
            "s",
            "≤ 0.45 s and ≤ 1.4× floor",
            home <= 0.45 and home <= 1.4 * rows,
            "what a user sees first (the app opens on Home); "
            "floor: a window + 200 rows read through SQLAlchemy Core",
        ),
        Line(
            "cold start → first rows painted",
            products,
            rows,
            "s",
            "≤ 0.45 s and ≤ 1.4× floor",
            products <= 0.45 and products <= 1.4 * rows,
            "the Products table, as a window left on it opens; "
            "floor: a window + 200 rows read through SQLAlchemy Core",
        ),
    ]
    return lines + _cli_start(path, runs)


def _command_seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``command`` run to its end (the first run warms the disk cache)."""
    samples = []
    for n in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(command, cwd=PROJECT, capture_output=True, check=True, timeout=300)
        if n:
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _cli_start(path: Path, runs: int) -> list[Line]:
    """``catalogue-app --version`` and one search as JSON, as a user runs them."""
    script = Path(sys.executable).with_name("catalogue-app")
    app = [str(script)] if script.exists() else [sys.executable, "-m", "catalogue_app"]
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        (code,) = conn.execute("SELECT code FROM products ORDER BY id LIMIT 1").fetchone()
    finally:
        conn.close()
    interpreter = _command_seconds([sys.executable, "-c", "pass"], runs)
    floor = _command_seconds([sys.executable, "-c", "import sqlalchemy"], runs)
    version = _command_seconds([*app, "--version"], runs)
    search = _command_seconds(
        [*app, "--database", str(path), "products", "search", code, "--format", "json"], runs
    )
    return [
        Line(
            "catalogue-app --version",
            version,
            interpreter,
            "s",
            "≤ 0.08 s",
            version <= 0.08,
            "floor: python -c pass",
        ),
        Line(
            "catalogue-app products search CODE --format json",
            search,
            floor,
            "s",
            "≤ 1.3× floor",
            search <= 1.3 * floor,
            "one product's code, so the figure is the start-up; "
            "floor: python -c 'import sqlalchemy'",
        ),
    ]


def interactive(path: Path, runs: int, scale: dataset.Scale) -> list[Line]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    probe = subprocess.run(
        [sys.executable, "-m", "benchmarks.gui_probe", "interactive", str(path), str(runs)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if probe.returncode != 0:
        raise RuntimeError(f"the GUI probe failed:\n{probe.stderr[-3000:]}")
    out = probe.stdout
    data = json.loads(out.strip().splitlines()[-1])
    floors = measures.search_floors(path, runs)
    lines = []
    for label, figure in data["search_ms"].items():
        lines.append(
            Line(
                f"search keystroke → paint: {label}",
                figure,
                floors[label],
                "ms",
                "≤ 30 ms median, ≤ 60 ms worst",
                figure <= 60,
                "floor: same SQL via sqlite3",
            )
        )
    searches = list(data["search_ms"].values())
    median = statistics.median(searches)
    lines.append(
        Line(
            "search keystroke → paint: median of queries",
            median,
            statistics.median(floors.values()),
            "ms",
            "≤ 30 ms",
            median <= 30,
        )
    )
    for where, figure in data["scroll_ms"].items():
        lines.append(
            Line(
                f"scroll: jump to the {where} → paint",
                figure,
                None,
                "ms",
                "≤ 30 ms",
                figure <= 30,
                f"of {data['rows_total']:,} rows",
            )
        )
    rss = data["peak_rss_mb"]
    lines.append(Line("peak RSS, GUI with a search run", rss, None, "MB", "≤ 200 MB", rss <= 200))
    return lines


def responsiveness(path: Path, runs: int, scale: dataset.Scale) -> list[Line]:
    """The longest the GUI thread stalls while an officer works (heartbeat every 1 ms)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    worst: dict[str, float] = {}
    for _ in range(max(1, min(runs, 3))):
        probe = subprocess.run(
            [sys.executable, "-m", "benchmarks.gui_probe", "responsive", str(path)],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if probe.returncode != 0:
            raise RuntimeError(f"the responsiveness probe failed:\n{probe.stderr[-3000:]}")
        for action, ms in json.loads(probe.stdout.strip().splitlines()[-1])["stall_ms"].items():
            worst[action] = max(worst.get(action, 0.0), float(ms))
    return [
        Line(
            f"GUI thread stall: {action}",
            ms,
            None,
            "ms",
            "≤ 50 ms",
            ms <= 50,
            f"worst of the runs, {scale.purchases:,} purchases",
        )
        for action, ms in worst.items()
    ]


def writers(path: Path, runs: int, scale: dataset.Scale) -> list[Line]:
    """8 processes × 200 `purchases add` on one new SQLite file: none refused, none lost."""
    import tempfile

    from benchmarks.concurrency import measure
    from catalogue_app.services.database import open_database

    each = 200 if scale.name == "full" else 50
    location = str(Path(tempfile.mkdtemp()) / "writers.sqlite")
    open_database(location).close()
    report = measure(location, 8, each)
    clean = report["refused"] == 0 and report["lost"] == 0 and report["duplicates"] == 0
    return [
        Line(
            f"8 processes × {each} purchases add on one SQLite file",
            float(report["writes_per_second"]),
            None,
            "/s",
            "0 refused, 0 lost",
            clean,
            f"{report['refused']} refused, {report['lost']} lost, {report['duplicates']} doubled",
            higher_is_better=True,
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 products, 100,000 purchases")
    parser.add_argument(
        "--scale",
        choices=sorted(dataset.SCALES),
        help="quick, full (100,000 products; the default) or national (1,000,000 products)",
    )
    parser.add_argument(
        "--keys",
        choices=sorted(measures.KEY_KINDS),
        help="the purchase keys the floors insert (default: the app's own kind)",
    )
    parser.add_argument("--runs", type=int, help="runs per figure (default 5, quick 3)")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the database")
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="some of: cold gui stall spend record writers pdf import",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "latest.json")
    args = parser.parse_args(argv)
    scale = dataset.QUICK if args.quick else dataset.SCALES.get(args.scale or "", dataset.FULL)
    keys = args.keys or measures.app_key_kind()
    runs = args.runs or scale.runs
    wanted = (
        set(args.only)
        if args.only
        else {"cold", "gui", "stall", "spend", "record", "writers", "pdf", "import"}
    )
    started = time.perf_counter()

    print(
        f"Benchmark database ({scale.name}: {scale.products:,} products, "
        f"{scale.purchases:,} purchases)…",
        flush=True,
    )
    path, seconds, cached = dataset.ensure(scale, args.rebuild)
    floor = dataset.generation_floor(path)
    lines = [
        Line(
            "generate the benchmark database",
            seconds,
            floor,
            "s",
            "≤ 2× floor",
            floor is not None and seconds <= 2 * floor,
            ("cached from an earlier run; " if cached else "")
            + "floor: the same rows by sqlite3 executemany",
        )
    ]
    steps = [
        ("cold", cold_start),
        ("gui", interactive),
        ("stall", responsiveness),
        ("spend", measures.spend),
        ("record", partial(measures.record_purchase, keys=keys)),
        ("writers", writers),
        ("pdf", measures.pdf_pages),
        ("import", partial(measures.csv_import, keys=keys)),
    ]
    for name, step in steps:
        if name in wanted:
            print(f"measuring {name}…", flush=True)
            lines.extend(step(path, runs, scale))
    print()
    print(table(lines))
    print(
        f"\nOffscreen GUI figures are a lower bound for a real display. "
        f"Total {time.perf_counter() - started:.0f} s."
    )
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale.__dict__,
        "keys": keys,
        "runs": runs,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "sqlite": sqlite3.sqlite_version,
        },
        "lines": [line.to_dict() for line in lines],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"Written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
