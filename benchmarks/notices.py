"""Notice import speed and memory: 100,000 releases from repeated real ones.

    python -m benchmarks.notices [--releases N] [--keep FOLDER]

Writes one release package of N releases (the 100 real Contracts Finder
releases in tests/fixtures repeated, each copy with a new ocid and release id),
imports it into a new SQLite database with the reference catalogue, and prints
releases per second and the peak memory of the importing process (resident
set, measured in a child process so that writing the file does not count).
Then imports the same file again, which must find every release unchanged.
Targets: at least 1,000 releases/s; peak memory under 300 MB whatever the size.

On a shared machine the absolute rate moves with the load, so the same run also
measures a floor: the same file streamed with ijson, each release written back
as JSON and inserted into a bare SQLite table (no checks, no hashing, no
compiling, no catalogue). The ratio import time / floor time is steadier than
either figure alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "tests" / "fixtures" / "ocds" / "contracts-finder-2025-01-20_23.json"
TARGET_RATE = 1000
TARGET_MB = 300


def write_package(path: Path, count: int) -> None:
    """A release package of ``count`` releases, written as a stream."""
    package = json.loads(SAMPLE.read_text(encoding="utf-8"))
    releases = package.pop("releases")
    head = json.dumps(package, ensure_ascii=False)[:-1]
    with path.open("w", encoding="utf-8") as out:
        out.write(head + ', "releases": [\n')
        for n in range(count):
            release = dict(releases[n % len(releases)])
            copy = n // len(releases)
            release["ocid"] = f"{release['ocid']}-copy{copy}"
            release["id"] = f"{release['id']}-copy{copy}"
            out.write(("," if n else "") + json.dumps(release, ensure_ascii=False) + "\n")
        out.write("]}\n")


def _child(database: str, path: str) -> None:
    """Run in a child process: import ``path``, print seconds, counts and peak memory."""
    from catalogue_app.services.context import AppContext
    from catalogue_app.services.database import open_database
    from catalogue_app.services.notices import NoticeService

    db = open_database(database, seed_new=True)
    try:
        service = NoticeService(AppContext(db))
        started = time.perf_counter()
        summary = service.import_paths([Path(path)])
        seconds = time.perf_counter() - started
    finally:
        db.close()
    (report,) = summary.files
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "read": report.read,
                "new": report.new,
                "unchanged": report.unchanged,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


def _floor(database: str, path: str) -> None:
    """Run in a child process: the raw-insert floor for ``path`` (see the module's note)."""
    import sqlite3

    import ijson  # type: ignore[import-untyped]

    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, ocid TEXT, rid TEXT, data TEXT)")
    started = time.perf_counter()
    count = 0
    connection.execute("BEGIN")
    with open(path, "rb") as stream:
        batch = []
        for release in ijson.items(stream, "releases.item", use_float=True):
            batch.append((release.get("ocid"), release.get("id"), json.dumps(release)))
            if len(batch) == 1000:
                connection.executemany("INSERT INTO raw (ocid, rid, data) VALUES (?, ?, ?)", batch)
                count += len(batch)
                batch = []
        connection.executemany("INSERT INTO raw (ocid, rid, data) VALUES (?, ?, ?)", batch)
        count += len(batch)
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "read": count,
                "new": count,
                "unchanged": 0,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


def _run(database: Path, package: Path, mode: str = "--child") -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.notices", mode, str(database), str(package)],
        cwd=PROJECT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="write the package and database here")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--floor", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    if args.floor:
        _floor(*args.floor)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        package, database = folder / "notices.json", folder / "notices.sqlite"
        database.unlink(missing_ok=True)
        write_package(package, args.releases)
        size_mb = package.stat().st_size / 1e6
        first = _run(database, package)
        again = _run(database, package)
        floor = _run(folder / "floor.sqlite", package, "--floor")
        (folder / "floor.sqlite").unlink(missing_ok=True)
    ok = True
    for label, figures in (("first import", first), ("import again", again)):
        rate = figures["read"] / figures["seconds"]
        ok &= rate >= TARGET_RATE and figures["peak_mb"] < TARGET_MB
        print(
            f"{label}: {figures['read']:,.0f} releases ({size_mb:,.0f} MB) in "
            f"{figures['seconds']:.1f} s = {rate:,.0f} releases/s (target ≥ {TARGET_RATE:,}); "
            f"new {figures['new']:,.0f}, unchanged {figures['unchanged']:,.0f}; "
            f"peak memory {figures['peak_mb']:.0f} MB (target < {TARGET_MB}); "
            f"{figures['seconds'] / floor['seconds']:.1f} × the raw-insert floor"
        )
    print(
        f"raw-insert floor: {floor['read']:,.0f} releases in {floor['seconds']:.1f} s = "
        f"{floor['read'] / floor['seconds']:,.0f} releases/s (parse, write back, insert only)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
