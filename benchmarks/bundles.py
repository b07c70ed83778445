"""Bundle merge speed and memory: 100,000 purchases merged into a ledger of 1,000,000.

    python -m benchmarks.bundles [--purchases N] [--keep FOLDER]

Copies the cached benchmark database (benchmarks/cache/full-*.sqlite, the
million-purchase ledger; the cache itself is never changed) as the office,
builds a laptop database with the same generated catalogue and N purchases of
its own (references and origin of their own, so none is already at the
office), writes a full bundle from it, and merges that bundle into the office
copy in a child process, printing the seconds and the child's peak memory
(resident set). Then merges the same bundle again, which must change nothing.
Targets: at most 30 s on SQLite for 100,000 purchases; peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CACHE = PROJECT / "benchmarks" / "cache"
TARGET_SECONDS = 30
TARGET_MB = 300


def cached_ledger() -> Path:
    found = sorted(
        (p for p in CACHE.glob("full-*.sqlite") if ".before-" not in p.name),
        key=lambda p: p.stat().st_mtime,
    )
    if not found:
        raise SystemExit(
            "no cached million-purchase database: run 'python -m benchmarks' once to make it"
        )
    return found[-1]


def make_laptop(path: Path, purchases: int, scale: dict[str, int]) -> None:
    from sqlalchemy import text

    from catalogue_app.db.demo import generate_demo_history
    from catalogue_app.db.synthetic import generate_synthetic_catalogue
    from catalogue_app.services.database import open_database

    db = open_database(str(path))
    try:
        with db.transaction() as s:
            generate_synthetic_catalogue(
                s,
                products=scale["products"],
                suppliers=scale["suppliers"],
                frameworks=scale["frameworks"],
            )
        with db.transaction() as s:
            generate_demo_history(s, purchases=purchases, seed=1616)
            for table in ("purchases", "purchase_revisions"):
                s.execute(text(f"UPDATE {table} SET order_reference = 'TRIP/' || order_reference"))
            s.execute(text("UPDATE purchase_revisions SET origin = 'device:benchmark-laptop'"))
    finally:
        db.close()


def _child(database: str, bundle: str) -> None:
    """In a child process: merge ``bundle``, print seconds, counts and peak memory."""
    from catalogue_app.services.bundles import BundleService
    from catalogue_app.services.database import open_database

    db = open_database(database)
    try:
        started = time.perf_counter()
        report = BundleService(db).merge(bundle, trust_device=True)
        seconds = time.perf_counter() - started
    finally:
        db.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, **report.summary()}))


def _measure(database: Path, bundle: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bundles", "--child", str(database), str(bundle)],
        check=True,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=env,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and leave it")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bundle-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        source = cached_ledger()
        scale = json.loads(source.with_suffix(".json").read_text())["scale"]
        env = {**os.environ, "XDG_DATA_HOME": str(folder / "office-home")}
        os.environ["XDG_DATA_HOME"] = str(folder / "laptop-home")
        laptop, bundle = folder / "laptop.sqlite", folder / "trip.catbundle"
        started = time.perf_counter()
        make_laptop(laptop, args.purchases, scale)
        print(f"laptop with {args.purchases:,} purchases: {time.perf_counter() - started:.1f} s")

        from catalogue_app.db.engine import resolve_database_url
        from catalogue_app.db.migrate import upgrade
        from catalogue_app.services.bundles import BundleService
        from catalogue_app.services.database import open_database

        db = open_database(str(laptop))
        try:
            started = time.perf_counter()
            exported = BundleService(db).export(bundle, full=True)
            size = bundle.stat().st_size / 2**20
            print(
                f"bundle of {exported.revisions:,} revisions, {size:.1f} MB: "
                f"{time.perf_counter() - started:.1f} s"
            )
        finally:
            db.close()
        office = folder / "office.sqlite"
        shutil.copyfile(source, office)
        upgrade(resolve_database_url(str(office)), backup=False)

        first = _measure(office, bundle, env)
        again = _measure(office, bundle, env)
        rate = first["purchases_added"] / first["seconds"] if first["seconds"] else 0
        print(
            f"merge into 1,000,000: {first['seconds']:.1f} s ({rate:,.0f} purchases/s), "
            f"peak {first['peak_mb']:.0f} MB; added {first['purchases_added']:,}, "
            f"conflicts {first['conflicts']:,}"
        )
        print(
            f"merge again: {again['seconds']:.1f} s, peak {again['peak_mb']:.0f} MB; "
            f"added {again['purchases_added']:,} (must be 0)"
        )
        ok = (
            first["seconds"] <= TARGET_SECONDS
            and max(first["peak_mb"], again["peak_mb"]) <= TARGET_MB
            and again["purchases_added"] == 0
        )
        print(
            f"targets (≤ {TARGET_SECONDS} s, ≤ {TARGET_MB} MB, nothing twice): "
            + ("met" if ok else "NOT met")
        )
        return 0 if ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
