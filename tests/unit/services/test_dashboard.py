"""The dashboard's figures: the briefing's numbers, and charts summed from the same ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from catalogue_app.domain.periods import FinancialYear
from catalogue_app.services.briefing import BriefingService
from catalogue_app.services.dashboard import DashboardService, period_label
from catalogue_app.services.targets import TargetDraft, TargetService

YEAR = FinancialYear(2025)
TODAY = date(2026, 11, 30)


def build(db, buyer="ecis", start=YEAR.start, end=YEAR.end, **kw):
    return DashboardService(db).build(buyer, start, end, today=TODAY, **kw)


def test_key_figures_are_the_briefings_to_the_penny(db):
    for buyer in ("ecis", "kent"):
        board = build(db, buyer)
        briefing = BriefingService(db).build(buyer, YEAR.start, YEAR.end)
        spend, savings, share, count = board.figures
        assert (spend.value, spend.previous) == (briefing.spend, briefing.previous_spend)
        assert (savings.value, savings.previous) == (briefing.savings, briefing.previous_savings)
        assert share.value == briefing.framework_share
        assert count.value == briefing.purchases == len(briefing.lines)
        assert briefing.spend == sum((ln.total for ln in briefing.lines), Decimal("0.00"))


def test_spend_by_year_adds_up_to_each_years_spend(db):
    board = build(db)
    chart = board.spend_by_year
    assert [y.label for y in chart.years] == ["2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]
    assert len(chart.bands) <= 9 and chart.bands[-1].label == "Other"
    for year, row in zip(chart.years, chart.spend, strict=True):
        expected = build(db, start=year.start, end=year.end).summary.spend
        assert sum(row, Decimal("0.00")) == expected
    largest = chart.largest(YEAR)
    assert chart.spend[-1][chart.bands.index(largest)] == max(chart.spend[-1][:-1])


def test_no_target_in_force_is_said_and_a_target_is_followed(db, tmp_path):
    board = build(db)
    assert board.savings.target is None
    assert board.savings.message == "No savings target covers 2025/26 for East Coast IT Services."
    old = build(db, start=date(2012, 4, 1), end=date(2013, 3, 31))
    target = old.savings.target
    assert target is not None and target.amount == Decimal("3000000.00")
    assert old.savings.trajectory[0] == (date(2011, 4, 1), Decimal("0.00"))
    # the trajectory reaches the amount on the target's last day
    full = build(db, start=date(2011, 4, 1), end=date(2015, 3, 31))
    assert full.savings.trajectory[-1] == (date(2015, 3, 31), Decimal("3000000.00"))
    assert full.savings.target.cumulative[-1][1] == full.savings.target.realised


def test_renewals_flag_an_ended_route_still_in_use(db):
    board = build(db)
    by_ref = {r.reference: r for r in board.renewals}
    assert by_ref["RM6060"].expired_in_use  # ended 15 Mar 2026, bought through on 9 Mar 2026
    bwv = by_ref["BLC-BWV-2022"]
    assert (bwv.ends, bwv.latest_end, bwv.extensions_left) == (
        date(2027, 1, 31),
        date(2029, 1, 31),
        2,
    )
    assert bwv.headroom == bwv.max_value - bwv.spent
    assert all(r.ends <= date(2028, 11, 30) or r.expired_in_use for r in board.renewals)


def test_supplier_concentration_and_dependency(db):
    c = build(db).concentration
    assert len(c.top) <= 10
    assert c.spend == build(db).summary.spend
    shares = [s.spend * 100 / c.spend for s in c.top]
    assert c.hhi >= int(sum(x * x for x in shares))  # the rest of the suppliers only add
    assert c.hhi_label == "highly concentrated"
    assert c.dependent_forces == 2  # a collaboration: two of its members make "several"
    members = {"Essex Police", "Kent Police", "Norfolk Constabulary", "Suffolk Constabulary"}
    assert c.dependencies and all(set(d.forces) <= members for d in c.dependencies)
    kent = build(db, "kent").concentration
    assert all("Kent Police" in d.forces and len(d.forces) >= 3 for d in kent.dependencies)


def test_adoption_covers_every_force_and_follows_the_chosen_champion(db):
    board = build(db)
    adoption = board.adoption
    assert len(adoption.forces) == 46
    assert adoption.buyer_forces == ("essex", "kent", "norfolk", "suffolk")
    other = next(code for code, _ in adoption.champions if code != adoption.product_code)
    chosen = DashboardService(db).adoption("ecis", YEAR.start, YEAR.end, other)
    assert chosen.product_code == other
    for force in chosen.forces:
        assert (force.first_bought is None) == (force.purchases == 0 and force.spend == 0) or (
            force.first_bought is not None
        )
        assert force.purchases == 0 or force.first_bought <= YEAR.end


def test_a_target_added_is_the_one_in_force(db):
    from catalogue_app.services.context import AppContext

    TargetService(AppContext(db, actor="tester")).add(
        TargetDraft("ecis", date(2025, 4, 1), date(2027, 3, 31), "800000")
    )
    savings = build(db).savings
    assert savings.target is not None and savings.target.amount == Decimal("800000.00")
    assert savings.target.counted_to == YEAR.end
    assert savings.target.realised == build(db).summary.savings


def test_period_labels():
    assert period_label(YEAR.start, YEAR.end) == "2025/26"
    assert period_label(date(2025, 4, 1), date(2025, 11, 30)) == "1 Apr 2025 to 30 Nov 2025"
