"""Money rules of the ledger, over generated purchases (hypothesis)."""

import itertools
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue_app.interchange.purchases import read_purchase_rows
from catalogue_app.services.ledger import LedgerExport, PurchaseDraft, PurchaseService
from catalogue_app.services.spend import SpendService

TODAY = date(2026, 11, 23)
BUYERS = ["norfolk", "suffolk", "ecis", "athena-consortium", "metropolitan"]
PRODUCTS = ["ATHENA", "HAIX-BLACK-EAGLE", "MOTO-MXP600", "DELL-LATITUDE"]

drafts = st.lists(
    st.builds(
        PurchaseDraft,
        buyer=st.sampled_from(BUYERS),
        product=st.sampled_from(PRODUCTS),
        quantity=st.integers(1, 5000),
        order_date=st.integers(0, 300).map(lambda d: date(2026, 1, 1) + timedelta(days=d)),
        order_reference=st.just("set by _fix"),
        unit_price=st.integers(0, 10**7).map(lambda p: f"{Decimal(p) / 100:.2f}"),
        baseline_unit_price=st.integers(0, 10**7).map(lambda p: f"{Decimal(p) / 100:.2f}"),
        split=st.sampled_from([None, "equal", "officers"]),
    ),
    min_size=1,
    max_size=8,
)


_REFERENCES = itertools.count(1)


def _fix(d: PurchaseDraft) -> PurchaseDraft:
    """A unique order reference each time; a split only for a collaboration."""
    split = d.split if d.buyer in ("ecis", "athena-consortium") else None
    return replace(d, split=split, order_reference=f"PROP/{next(_REFERENCES):06d}")


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=drafts)
def test_savings_totals_and_export_import_round_trip(db, new_location, tmp_path, batch):
    from catalogue_app.services.database import open_database

    service = PurchaseService(db)
    recorded = [service.record(_fix(d), "prop", today=TODAY) for d in batch]
    ids = {r.id for r in recorded}
    for r in recorded:
        assert r.saving == (r.baseline_unit_price - r.unit_price) * r.quantity
        if r.shares:
            assert sum(s.amount for s in r.shares) == r.total

    # the summaries agree with the sum of the purchases' own totals, to the penny
    period = (date(2026, 1, 1), TODAY)
    by_buyer = {x.code: x for x in SpendService(db).by_buyer(*period)}
    for code in {r.buyer for r in recorded}:
        own = [ln for ln in LedgerExport(db).records(code, *period) if ln["buyer"] == code]
        assert by_buyer[code].spend == sum((ln["total"] for ln in own), Decimal(0))
        assert by_buyer[code].savings == sum((ln["saving"] for ln in own), Decimal(0))

    # export → import into an empty ledger reproduces every purchase unchanged
    path = tmp_path / f"round-{len(list(tmp_path.iterdir()))}.csv"
    export = LedgerExport(db)
    records = [r for r in export.records(None, date(2026, 1, 1), TODAY) if r["id"] in ids]
    export.write(records, path, "csv")
    assert len(read_purchase_rows(path)) == len(recorded)
    target = open_database(new_location, seed_new=False)
    try:
        target.seed(demo=False)
        report = PurchaseService(target).import_file(path, "prop", today=TODAY)
        assert report.imported == len(recorded) - report.already_present
        keep = (
            "id",
            "order_reference",
            "buyer",
            "product",
            "quantity",
            "unit_price",
            "baseline_unit_price",
            "order_date",
            "split",
            "total",
            "saving",
        )
        again = {
            r["id"]: {k: r[k] for k in keep}
            for r in LedgerExport(target).records(None, date(2026, 1, 1), TODAY)
        }
        for r in records:
            assert again[r["id"]] == {k: r[k] for k in keep}
    finally:
        target.close()
