"""One shared server, many officers at once: each process records through its own login.

    python -m benchmarks.server --admin-url postgresql+psycopg://postgres:…@HOST/postgres
        [--officers 8] [--each 500] [--keep]

Makes a new database beside the admin URL's, sets it up with ``server init``,
adds one buyer login per officer (two each for Kent, Essex, Suffolk and Norfolk,
the ECIS forces), then starts one process per officer. Each records ``--each``
purchases through the app's own ledger service, connected as its login,
alternating between its force and ECIS. Afterwards, as the administrator: every
reported success must be in the ledger exactly once, nothing refused, every
purchase recorded by the login that made it, and every audit chain must verify.
The database and logins are dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
import uuid
from typing import Any

FORCES = ("kent", "essex", "suffolk", "norfolk")
PASSWORD = "bench officer password"


def _officer(job: tuple[str, str, str, int]) -> dict[str, Any]:
    from catalogue_app.domain.errors import CatalogueError
    from catalogue_app.services.context import AppContext
    from catalogue_app.services.database import open_database
    from catalogue_app.services.ledger import PurchaseDraft, PurchaseService

    location, login, force, each = job
    db = open_database(location)
    service = PurchaseService(AppContext(db))
    ok, refused, messages, waits = 0, 0, {}, []
    started = time.perf_counter()
    try:
        for n in range(each):
            buyer = force if n % 2 else "ecis"
            draft = PurchaseDraft(
                buyer=buyer,
                product="ATHENA",
                framework="ESSEX-ATHENA",
                lot="1",
                quantity=str(1 + n % 7),
                order_date="2026-05-01",
                order_reference=f"BENCH/{login}/{n}",
                split="equal" if buyer == "ecis" else None,
            )
            began = time.perf_counter()
            try:
                service.record(draft)
                ok += 1
            except CatalogueError as exc:
                refused += 1
                messages[str(exc)] = messages.get(str(exc), 0) + 1
            waits.append(time.perf_counter() - began)
    finally:
        db.close()
    return {
        "login": login,
        "ok": ok,
        "refused": refused,
        "messages": messages,
        "seconds": time.perf_counter() - started,
        "waits": waits,
    }


def _connect(location: str) -> Any:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(location)
    return psycopg.connect(
        host=url.host,
        port=url.port,
        dbname=url.database,
        user=url.username,
        password=url.password,
        autocommit=True,
    )


def measure(admin_url: str, officers: int = 8, each: int = 500, keep: bool = False) -> dict:
    from sqlalchemy.engine import make_url

    from catalogue_app.services.database import open_database
    from catalogue_app.services.server import ServerAdmin
    from catalogue_app.services.trail import AuditTrail

    admin = make_url(admin_url)
    name = f"catalogue_bench_{uuid.uuid4().hex[:8]}"
    with _connect(admin.render_as_string(hide_password=False)) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    location = admin.set(database=name).render_as_string(hide_password=False)
    logins = [f"bench_{uuid.uuid4().hex[:4]}_{n}" for n in range(officers)]
    try:
        setup = time.perf_counter()
        server = ServerAdmin(location)
        server.init()
        jobs = []
        for n, login in enumerate(logins):
            force = FORCES[n % len(FORCES)]
            server.add_user(login, "buyer", [force], PASSWORD)
            url = make_url(location).set(username=login, password=PASSWORD)
            jobs.append((url.render_as_string(hide_password=False), login, force, each))
        setup = time.perf_counter() - setup
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(officers) as pool:
            results = pool.map(_officer, jobs)
        wall = time.perf_counter() - started
        with _connect(location) as conn:
            stored = dict(
                conn.execute(
                    "SELECT recorded_by, count(*) FROM purchases "
                    "WHERE order_reference LIKE 'BENCH/%' GROUP BY recorded_by"
                ).fetchall()
            )
            duplicates = conn.execute(
                "SELECT count(*) FROM (SELECT order_reference FROM purchases "
                "WHERE order_reference LIKE 'BENCH/%' "
                "GROUP BY order_reference HAVING count(*) > 1) AS d"
            ).fetchone()[0]
            misattributed = conn.execute(
                "SELECT count(*) FROM purchases WHERE order_reference LIKE 'BENCH/%' "
                "AND order_reference NOT LIKE 'BENCH/' || recorded_by || '/%'"
            ).fetchone()[0]
        checked = time.perf_counter()
        db = open_database(location)
        try:
            report = AuditTrail(db).verify()
        finally:
            db.close()
        checked = time.perf_counter() - checked
    finally:
        if not keep:
            with _connect(admin.render_as_string(hide_password=False)) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                for login in logins:
                    conn.execute(f'DROP ROLE IF EXISTS "{login}"')
    reported = sum(r["ok"] for r in results)
    waits = sorted(w for r in results for w in r["waits"])
    lost = sum(max(0, r["ok"] - stored.get(r["login"], 0)) for r in results)
    return {
        "officers": officers,
        "each": each,
        "reported": reported,
        "stored": sum(stored.values()),
        "lost": lost,
        "duplicates": int(duplicates),
        "misattributed": int(misattributed),
        "refused": sum(r["refused"] for r in results),
        "refusals": {m: c for r in results for m, c in r["messages"].items()},
        "setup_s": round(setup, 2),
        "wall_s": round(wall, 2),
        "purchases_per_s": round(reported / wall, 1) if wall else None,
        "record_ms_median": round(statistics.median(waits) * 1000, 1) if waits else None,
        "record_ms_p95": round(waits[int(len(waits) * 0.95) - 1] * 1000, 1) if waits else None,
        "chains": len(report.heads),
        "events_verified": report.events,
        "trail_verifies": report.ok,
        "verify_s": round(checked, 2),
        "database": name if keep else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server", description=__doc__)
    parser.add_argument("--admin-url", required=True, metavar="URL")
    parser.add_argument("--officers", type=int, default=8)
    parser.add_argument("--each", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the database and logins")
    args = parser.parse_args(argv)
    figures = measure(args.admin_url, args.officers, args.each, args.keep)
    print(json.dumps(figures, indent=2))
    clean = (
        figures["lost"] == figures["duplicates"] == figures["refused"] == 0
        and figures["misattributed"] == 0
        and figures["stored"] == figures["officers"] * figures["each"]
        and figures["trail_verifies"]
    )
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
