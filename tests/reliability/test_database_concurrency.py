"""Several processes writing purchases through ``Database`` at the same moment.

Each worker opens the database itself and records purchases the way the ledger
does: read (is the reference used?), then insert, in one transaction. On SQLite
a deferred transaction that read first is refused at once ("database is
locked") when another process wrote meanwhile; write transactions that begin
immediately wait out the busy timeout instead. On both backends the database
itself keeps one active purchase per (buyer, order reference), however the
race between the read and the insert is lost.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from catalogue_app.db import models as m

pytestmark = pytest.mark.slow

WORKER = r"""
import json, sys, time
from datetime import date
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from catalogue_app.db import models as m
from catalogue_app.db.constraints import is_duplicate_reference
from catalogue_app.domain.errors import DatabaseError
from catalogue_app.services.database import open_database

location, worker, count, start_at, shared = sys.argv[1:6]
worker, count, start_at = int(worker), int(count), float(start_at)


class Duplicate(Exception):
    pass


db = open_database(location)
time.sleep(max(0.0, start_at - time.time()))
result = {"recorded": [], "duplicates": 0, "by_index": 0, "refused": []}
for i in range(count):
    reference = f"REL/{i:04d}" if shared == "shared" else f"REL/{worker}/{i:04d}"
    try:
        with db.transaction() as s:
            force = s.scalar(select(m.Force.id).order_by(m.Force.id).limit(1))
            product, price = s.execute(
                select(m.Product.id, m.Product.list_price).order_by(m.Product.id).limit(1)
            ).one()
            used = s.scalar(
                select(m.Purchase.id).where(
                    m.Purchase.buyer_force_id == force,
                    m.Purchase.order_reference == reference,
                    m.Purchase.status == "active",
                )
            )
            if used:
                raise Duplicate
            purchase = m.Purchase(
                order_reference=reference, buyer_force_id=force, product_id=product,
                quantity=1, unit_price=price, baseline_unit_price=price,
                order_date=date(2025, 5, 1), recorded_by=f"worker-{worker}",
            )
            s.add(purchase)
            try:
                s.flush()
            except IntegrityError as exc:
                if is_duplicate_reference(exc):
                    result["by_index"] += 1
                    raise Duplicate from exc
                raise
            s.add(m.AuditEvent(actor=f"worker-{worker}", action="create",
                               entity_type="purchase", entity_id=purchase.id, after="{}"))
        result["recorded"].append(reference)
    except Duplicate:
        result["duplicates"] += 1
    except DatabaseError as exc:
        result["refused"].append(str(exc))
db.close()
print(json.dumps(result))
"""


def _run_workers(location: str, processes: int, each: int, shared: bool) -> list[dict]:
    start_at = f"{time.time() + 4.0:.3f}"  # after every worker has opened the database
    mode = "shared" if shared else "own"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, location, str(n), str(each), start_at, mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    results = []
    for w in workers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        results.append(json.loads(out))
    return results


def _references(db, recorder_prefix: str = "worker-") -> list[str]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(m.Purchase.order_reference).where(
                    m.Purchase.recorded_by.startswith(recorder_prefix)
                )
            )
        )


def test_four_writers_are_neither_refused_nor_lost(db, db_location):
    results = _run_workers(db_location, processes=4, each=50, shared=False)

    refused = [message for r in results for message in r["refused"]]
    assert refused == []
    reported = sorted(ref for r in results for ref in r["recorded"])
    assert len(reported) == 200
    assert sorted(_references(db)) == reported


def test_the_same_references_from_four_writers_land_once_each(db, db_location):
    results = _run_workers(db_location, processes=4, each=50, shared=True)

    assert [message for r in results for message in r["refused"]] == []
    in_ledger = _references(db)
    assert sorted(in_ledger) == sorted({f"REL/{i:04d}" for i in range(50)})
    assert sum(len(r["recorded"]) for r in results) == 50
    assert sum(r["duplicates"] for r in results) == 150
    with db.transaction() as s:
        active = s.scalar(
            select(func.count())
            .select_from(m.Purchase)
            .where(m.Purchase.order_reference.startswith("REL/"), m.Purchase.status == "active")
        )
    assert active == 50
