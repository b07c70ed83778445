"""Many writers on one database: `purchases add` from several processes at once.

    python -m benchmarks.concurrency [--processes 8] [--each 200] [--database URL]

Each process runs the real command (`catalogue-app purchases add …`, in-process
so that start-up time does not hide contention) ``--each`` times with order
references of its own, and counts what it was told. Afterwards the ledger is
counted: every reported success must be there exactly once, and nothing else.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

RUN = "bench-concurrency"


def _writer(args: tuple[str, int, int, bool]) -> dict[str, object]:
    from catalogue_app import cli

    location, worker, each, shared = args
    ok, refused, messages = 0, 0, {}
    started = time.perf_counter()
    for n in range(each):
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = cli.main(
                [
                    "--database",
                    location,
                    "purchases",
                    "add",
                    "--buyer",
                    "norfolk",
                    "--product",
                    "ATHENA",
                    "--off-framework",
                    "--quantity",
                    "1",
                    "--date",
                    "2025-01-01",
                    "--order-ref",
                    f"{RUN}/{n}" if shared else f"{RUN}/{worker}/{n}",
                ]
            )
        if code == 0:
            ok += 1
        else:
            refused += 1
            text = err.getvalue().strip().splitlines()[0] if err.getvalue().strip() else "?"
            messages[text] = messages.get(text, 0) + 1
    return {
        "ok": ok,
        "refused": refused,
        "messages": messages,
        "seconds": time.perf_counter() - started,
    }


def measure(location: str, processes: int, each: int, *, shared: bool = False) -> dict[str, object]:
    """Run the writers against ``location`` (which must exist) and count the outcome.

    With ``shared`` every process tries the same ``each`` order references, as
    officers importing the same file at once would: each must land exactly once.
    """
    from sqlalchemy import func, select

    from catalogue_app.db import models as m
    from catalogue_app.services.database import open_database

    started = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        results = pool.map(_writer, [(location, w, each, shared) for w in range(processes)])
    elapsed = time.perf_counter() - started
    db = open_database(location)
    try:
        with db.transaction() as s:
            refs = s.scalars(
                select(m.Purchase.order_reference).where(
                    m.Purchase.order_reference.like(f"{RUN}/%")
                )
            ).all()
            distinct = s.scalar(
                select(func.count(func.distinct(m.Purchase.order_reference))).where(
                    m.Purchase.order_reference.like(f"{RUN}/%")
                )
            )
    finally:
        db.close()
    ok = sum(int(r["ok"]) for r in results)
    refused = sum(int(r["refused"]) for r in results)
    messages: dict[str, int] = {}
    for r in results:
        for text, count in dict(r["messages"]).items():  # type: ignore[call-overload]
            messages[text] = messages.get(text, 0) + count
    return {
        "processes": processes,
        "each": each,
        "attempted": processes * each,
        "reported_ok": ok,
        "refused": refused,
        "in_ledger": len(refs),
        "duplicates": len(refs) - int(distinct or 0),
        "lost": max(0, ok - len(refs)),
        "seconds": elapsed,
        "writes_per_second": (ok / elapsed) if elapsed else 0.0,
        "messages": messages,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.concurrency", description=__doc__)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--each", type=int, default=200)
    parser.add_argument("--database", help="default: a new SQLite file in a temporary folder")
    parser.add_argument(
        "--shared-refs", action="store_true", help="every process adds the same order references"
    )
    args = parser.parse_args(argv)
    from catalogue_app.services.database import open_database

    location = args.database or str(Path(tempfile.mkdtemp()) / "concurrency.sqlite")
    open_database(location).close()  # created, migrated and seeded before the writers start
    report = measure(location, args.processes, args.each, shared=args.shared_refs)
    print(json.dumps(report, indent=2))
    expected_refusals = (args.processes - 1) * args.each if args.shared_refs else 0
    clean = report["lost"] == 0 and report["duplicates"] == 0
    return 0 if clean and report["refused"] == expected_refusals else 1


if __name__ == "__main__":
    sys.exit(main())
