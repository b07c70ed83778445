import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from catalogue_app import cli
from catalogue_app.db import models as m
from catalogue_app.domain.money import format_gbp
from catalogue_app.reports.briefing import render_briefing
from catalogue_app.services.briefing import BriefingService
from catalogue_app.services.context import AppContext
from catalogue_app.services.ledger import PurchaseDraft, PurchaseService

TODAY = date(2026, 11, 23)
HOSTILE = '<font color="red">A&B</font> <img src="/etc/passwd"/> Heddlu ŵŷ €'


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def export_totals(db_location, buyer, start, end, tmp_path):
    path = tmp_path / f"{buyer}.csv"
    code = cli.main(
        [
            "--database",
            db_location,
            "purchases",
            "export",
            "--buyer",
            buyer,
            "--from",
            start,
            "--to",
            end,
            "--format",
            "csv",
            "--out",
            str(path),
        ],
        out=io.StringIO(),
    )
    assert code == 0
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    return (
        len(rows),
        sum((Decimal(r["total"]) for r in rows), Decimal(0)),
        sum((Decimal(r["saving"]) for r in rows), Decimal(0)),
    )


@pytest.mark.parametrize("buyer", ["norfolk", "ecis", "athena-consortium"])
def test_briefing_figures_reconcile_with_the_export(db, db_location, tmp_path, buyer):
    out = tmp_path / f"{buyer}.pdf"
    code = cli.main(
        [
            "--database",
            db_location,
            "briefing",
            "--buyer",
            buyer,
            "--financial-year",
            "2024",
            "--out",
            str(out),
        ],
        out=io.StringIO(),
    )
    assert code == 0
    count, spend, savings = export_totals(db_location, buyer, "2024-04-01", "2025-03-31", tmp_path)
    text = pdf_text(out)
    assert f"recorded {count:,} purchases totalling {format_gbp(spend)}" in " ".join(text.split())
    assert f"realised savings of {format_gbp(savings)}" in " ".join(text.split())
    reader = PdfReader(out)
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert reader.metadata.title.startswith("Procurement briefing")
    assert reader.metadata.author == "catalogue-app"
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Summary" in outline and "Appendix: every purchase" in outline
    for page in reader.pages:
        assert "OFFICIAL" in page.extract_text()


def test_collaboration_members_shares_add_up(db):
    data = BriefingService(db).build("ecis", date(2015, 4, 1), date(2026, 3, 31), today=TODAY)
    joint = sum((ln.total for ln in data.lines), Decimal(0))
    assert sum((mm.spend for mm in data.members), Decimal(0)) == joint
    assert sum((mm.savings for mm in data.members), Decimal(0)) == data.savings


def test_savings_target_progress(db):
    data = BriefingService(db).build(
        "norfolk-suffolk", date(2010, 4, 1), date(2014, 3, 31), today=TODAY
    )
    (target,) = data.targets
    assert target.amount == Decimal("9800000.00")
    assert target.remaining == target.amount - target.realised
    assert target.cumulative[-1][1] == target.realised


def test_a_force_briefing_shows_no_other_forces_line_items(db, tmp_path):
    data = BriefingService(db).build("suffolk", date(2020, 4, 1), date(2026, 3, 31), today=TODAY)
    path = tmp_path / "suffolk.pdf"
    render_briefing(data, str(path))
    text = pdf_text(path)
    with db.transaction() as s:
        foreign = s.scalars(
            select(m.Purchase.order_reference)
            .join(m.Force, m.Purchase.buyer_force_id == m.Force.id)
            .where(m.Force.code == "durham")
        ).all()
    assert foreign and not any(ref in text for ref in foreign)


def test_hostile_names_print_literally_and_load_nothing(db, tmp_path):
    with db.transaction() as s:
        s.execute(update(m.Product).where(m.Product.code == "ATHENA").values(name=HOSTILE))
    data = BriefingService(db).build(
        "norfolk",
        date(2015, 4, 1),
        date(2026, 3, 31),
        marking="OFFICIAL-SENSITIVE <b>",
        today=TODAY,
    )
    path = tmp_path / "hostile.pdf"
    render_briefing(data, str(path))
    text = pdf_text(path)
    assert '<font color="red">A&B</font>' in text and "ŵŷ €" in text
    assert "OFFICIAL-SENSITIVE <B>" in text
    assert b"/Subtype /Image" not in path.read_bytes()  # no image was loaded


def test_an_empty_period_gives_a_short_briefing_that_says_so(db, tmp_path):
    data = BriefingService(db).build("norfolk", date(2005, 4, 1), date(2006, 3, 31), today=TODAY)
    path = tmp_path / "empty.pdf"
    pages = render_briefing(data, str(path))
    assert data.purchases == 0 and pages <= 5
    assert "No purchases were recorded for this buyer in this period" in pdf_text(path)


def test_bad_buyer_or_period_leaves_no_file(db_location, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert (
        cli.main(
            ["--database", db_location, "briefing", "--buyer", "gotham", "--out", str(out)],
            out=io.StringIO(),
        )
        == 1
    )
    assert (
        cli.main(
            [
                "--database",
                db_location,
                "briefing",
                "--buyer",
                "norfolk",
                "--from",
                "2025-04-01",
                "--to",
                "2024-04-01",
                "--out",
                str(out),
            ],
            out=io.StringIO(),
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "gotham" in err and "ends (1 Apr 2024) before it starts (1 Apr 2025)" in err
    assert list(tmp_path.iterdir()) == []


def test_a_national_list_of_champions_is_cut_to_the_first_thirty_and_counted(db, tmp_path):
    with db.transaction() as s:
        s.execute(update(m.Product).values(status="champion"))
        champions = s.scalar(select(func.count()).select_from(m.Product))
    data = BriefingService(db).build("norfolk", date(2015, 4, 1), date(2026, 3, 31), today=TODAY)
    everyone = data.champions_used + data.champions_unused
    assert len(everyone) == champions
    assert len(data.champions_used) > 30 or len(data.champions_unused) > 30
    used = [c.purchases for c in data.champions_used]
    assert used == sorted(used, reverse=True)
    assert all(c.peers is not None for c in data.champions_used[:30])
    assert all(c.peers is None for c in data.champions_used[30:] + data.champions_unused[30:])
    path = tmp_path / "many.pdf"
    render_briefing(data, str(path))
    text = pdf_text(path)
    assert f"In use ({len(data.champions_used):,})" in text
    assert f"Not yet adopted ({len(data.champions_unused):,})" in text
    for group in (data.champions_used, data.champions_unused):
        assert (f"and {len(group) - 30:,} more" in text) == (len(group) > 30)
        assert all(c.name[:20] in text for c in group[:30])


def test_the_appendix_turns_landscape_and_the_briefing_stays_portrait(db, tmp_path):
    data = BriefingService(db).build("norfolk", date(2015, 4, 1), date(2026, 3, 31), today=TODAY)
    path = tmp_path / "norfolk.pdf"
    render_briefing(data, str(path))
    pages = PdfReader(path).pages
    wide = [p.mediabox.width > p.mediabox.height for p in pages]
    first_wide = wide.index(True)
    assert not any(wide[:first_wide]) and all(wide[first_wide:])
    assert "Appendix: every purchase" in pages[first_wide].extract_text()
    assert "Method and sources" in pages[first_wide - 1].extract_text()


DEMO_MARK = "Includes demonstration data"


def page_texts(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_every_page_of_a_briefing_built_on_demonstration_data_says_so(db, tmp_path):
    data = BriefingService(db).build("norfolk", date(2024, 4, 1), date(2025, 3, 31), today=TODAY)
    assert data.purchases > 0 and data.includes_demo_data
    path = tmp_path / "demo.pdf"
    render_briefing(data, str(path))

    pages = page_texts(path)
    assert len(pages) > 3
    assert all(DEMO_MARK in text for text in pages)
    assert "invented demonstration data" in pages[0]  # the cover explains it
    summary = next(text for text in pages if "Summary" in text and "spend in the period" in text)
    assert f"{DEMO_MARK}: the figures below count invented demonstration purchases" in summary


def test_a_briefing_of_real_purchases_carries_no_demonstration_mark(db, tmp_path):
    """Real purchases only; one recorded by an officer whose login is "demo" is still real."""
    assert db.remove_demo() > 0
    officer = PurchaseService(AppContext(db, actor="demo"))
    officer.record(
        PurchaseDraft(
            buyer="norfolk",
            product="ATHENA",
            quantity=3,
            order_date=date(2024, 6, 3),
            order_reference="NOR/REAL/1",
            unit_price="120.00",
        ),
        "demo",
        today=TODAY,
    )
    data = BriefingService(db).build("norfolk", date(2024, 4, 1), date(2025, 3, 31), today=TODAY)
    assert data.purchases == 1 and not data.includes_demo_data
    path = tmp_path / "real.pdf"
    render_briefing(data, str(path))

    text = pdf_text(path)
    assert "recorded 1 purchase totalling £360.00" in text
    assert "demonstration data" not in text.replace("all demonstration purchases", "")
    assert not PdfReader(path).metadata.title.endswith(DEMO_MARK)


def test_demonstration_purchases_in_the_previous_period_alone_still_mark_the_briefing(db):
    """The comparison with the previous period counts them, so the briefing must say so."""
    with db.transaction() as s:
        s.execute(
            update(m.Purchase)
            .where(m.Purchase.order_date >= date(2024, 4, 1))
            .values(recorded_by="officer")
        )
    data = BriefingService(db).build("norfolk", date(2024, 4, 1), date(2025, 3, 31), today=TODAY)
    assert data.purchases > 0 and data.previous_spend > 0
    assert data.includes_demo_data
