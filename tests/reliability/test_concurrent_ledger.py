"""Several processes recording purchases at once, as officers on one database would.

Each process runs the real `purchases add` command. On SQLite none may be refused
for a lock (the busy timeout is honoured); on both backends an order reference
lands once, however the race is lost.
"""

from __future__ import annotations

import re

import pytest

from benchmarks.concurrency import measure

pytestmark = pytest.mark.slow


def test_writers_on_one_database_are_neither_refused_nor_lost(db_location):
    report = measure(db_location, processes=4, each=25)
    assert report["refused"] == 0, report["messages"]
    assert report["lost"] == 0
    assert report["duplicates"] == 0
    assert report["in_ledger"] == report["reported_ok"] == 100


def test_the_same_order_references_from_four_processes_land_once_each(db_location):
    report = measure(db_location, processes=4, each=20, shared=True)
    assert report["duplicates"] == 0
    assert report["in_ledger"] == report["reported_ok"] == 20
    assert report["refused"] == 60
    # every loser is told the reference was used, in the same words, never "database is locked"
    told = {
        re.sub(r"bench-concurrency/\d+", "REF", message): n
        for message, n in report["messages"].items()
    }
    assert len(told) == 1, report["messages"]
    (message,) = told
    assert "Order reference REF was already used by norfolk" in message
