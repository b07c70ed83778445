"""What a police authority reads in a briefing: the right target, one savings figure,
adoption through collaborations, whole names, plain words and one date format."""

import re
from datetime import date
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import select

from catalogue_app.db import models as m
from catalogue_app.domain.money import format_gbp
from catalogue_app.reports.briefing import render_briefing
from catalogue_app.services.briefing import (
    SAVINGS_DEFINITION,
    BriefingService,
    realised_savings,
)
from catalogue_app.services.context import AppContext
from catalogue_app.services.ledger import LedgerService, PurchaseDraft, PurchaseService

TODAY = date(2026, 11, 23)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def briefing(db, tmp_path, buyer, start, end):
    data = BriefingService(db).build(buyer, start, end, today=TODAY)
    path = tmp_path / f"{buyer}.pdf"
    render_briefing(data, str(path))
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]
    return data, pages


def page_with(pages, heading):
    return next(text for text in pages if heading in text)


def method_page(pages):
    """The page of the method section (the summary mentions it by name too)."""
    return next(text for text in reversed(pages) if "Method and sources" in text)


def test_a_briefing_outside_every_target_period_says_no_target_is_set(db, tmp_path):
    data, pages = briefing(db, tmp_path, "ecis", date(2025, 4, 1), date(2026, 3, 31))
    text = " ".join(pages)
    assert data.targets == []  # ECIS's only target ran from 2011 to 2015
    assert "No savings target is set for this period." in page_with(pages, "Summary")
    assert "No savings target is set for this period." in page_with(pages, "against target")
    assert "still to find" not in text and "2011" not in page_with(pages, "Summary")


def test_a_target_counts_savings_from_its_start_to_the_end_of_the_briefing(db, tmp_path):
    data, pages = briefing(db, tmp_path, "norfolk-suffolk", date(2012, 4, 1), date(2013, 3, 31))
    (target,) = data.targets
    so_far = LedgerService(db).lines("norfolk-suffolk", date(2010, 4, 1), date(2013, 3, 31))
    assert target.counted_to == date(2013, 3, 31) and not target.finished
    assert target.realised == realised_savings(so_far)
    assert target.cumulative[-1] == (date(2013, 3, 31), target.realised)
    summary = page_with(pages, "Summary")
    assert (
        "Against the savings target of £9,800,000.00 for 1 Apr 2010 to 31 Mar 2014, savings "
        f"realised from 1 Apr 2010 to 31 Mar 2013 come to {format_gbp(target.realised)}, "
        f"{target.percent}% of £9,800,000.00, with {format_gbp(target.remaining)} still to find "
        "by 31 Mar 2014."
    ) in summary
    assert "., " not in summary  # the target's own description no longer runs into a date


def test_one_savings_figure_everywhere_and_defined_in_the_method(db, tmp_path):
    """Over the target's own period, the summary, the target's progress and the members'
    shares all give the same savings figure, and the method section defines it."""
    data, pages = briefing(db, tmp_path, "norfolk-suffolk", date(2010, 4, 1), date(2014, 3, 31))
    (target,) = data.targets
    assert data.savings == realised_savings(data.lines) > 0
    assert target.realised == data.savings and target.finished
    assert sum((share.savings for share in data.members), Decimal(0)) == data.savings
    summary = page_with(pages, "Summary")
    figure = format_gbp(data.savings)
    assert f"realised savings of {figure} against baseline prices" in summary
    assert f"to 31 Mar 2014 come to {figure}" in summary
    assert f"£{data.savings / 1000:,.0f}k savings realised" in summary  # the tile, rounded
    assert "Buying through frameworks" not in summary  # off-framework buys save money too
    method = method_page(pages)
    assert " ".join(SAVINGS_DEFINITION.split()) in method


def test_a_collaboration_has_adopted_the_champions_it_bought_before_the_period(db, tmp_path):
    with db.reading() as s:
        bought = set(
            s.scalars(
                select(m.Product.code)
                .join(m.Purchase, m.Purchase.product_id == m.Product.id)
                .join(m.Collaboration, m.Purchase.buyer_collaboration_id == m.Collaboration.id)
                .where(
                    m.Collaboration.code == "norfolk-suffolk",
                    m.Product.status == "champion",
                    m.Purchase.status == "active",
                    m.Purchase.order_date <= date(2026, 3, 31),
                )
            )
        )
    data, pages = briefing(db, tmp_path, "norfolk-suffolk", date(2025, 4, 1), date(2026, 3, 31))
    assert bought and {c.code for c in data.champions_used} == bought
    champions = page_with(pages, "Champion product adoption")
    assert f"In use ({len(bought)})" in champions
    assert f"Not yet adopted ({len(data.champions_unused)})" in champions


def test_a_force_adopts_what_its_collaboration_bought_for_it(db, tmp_path):
    """Norfolk belongs to the Athena consortium: the consortium's purchase of a camera, with
    the cost split to Essex alone, still puts the camera in use for Norfolk."""
    with db.transaction() as s:
        s.execute(
            m.Purchase.__table__.update()
            .where(
                m.Purchase.product_id
                == select(m.Product.id).where(m.Product.code == "AXON-BODY-3").scalar_subquery()
            )
            .values(status="void", void_reason="test: nobody else has bought the camera")
        )
    before = BriefingService(db).build("norfolk", date(2025, 4, 1), date(2026, 3, 31), today=TODAY)
    assert "AXON-BODY-3" not in {c.code for c in before.champions_used}
    PurchaseService(AppContext(db, actor="officer")).record(
        PurchaseDraft(
            buyer="athena-consortium",
            product="AXON-BODY-3",
            quantity=5,
            order_date=date(2025, 6, 3),
            order_reference="AC/CAMERAS/1",
            unit_price="500.00",
            split="custom:essex=100%",
        ),
        "officer",
        today=TODAY,
    )
    with db.transaction() as s:  # as an imported joint purchase may hold no shares at all
        s.execute(
            m.PurchaseShare.__table__.delete().where(
                m.PurchaseShare.purchase_id
                == select(m.Purchase.id)
                .where(m.Purchase.order_reference == "AC/CAMERAS/1")
                .scalar_subquery(),
                m.PurchaseShare.amount == 0,
            )
        )
    data, pages = briefing(db, tmp_path, "norfolk", date(2025, 4, 1), date(2026, 3, 31))
    (camera,) = [c for c in data.champions_used if c.code == "AXON-BODY-3"]
    assert camera.first_bought == date(2025, 6, 3) and camera.purchases == 1
    assert "Axon Body 3 body-worn camera 3 Jun 2025 1" in page_with(pages, "In use (")
    suffolk = BriefingService(db).build("suffolk", date(2025, 4, 1), date(2026, 3, 31))
    assert "AXON-BODY-3" in {c.code for c in suffolk.champions_used}
    durham = BriefingService(db).build("durham", date(2025, 4, 1), date(2026, 3, 31))
    assert "AXON-BODY-3" not in {c.code for c in durham.champions_used}  # not a member


def test_the_method_describes_the_data_in_words_not_a_command(db, tmp_path):
    _data, pages = briefing(db, tmp_path, "norfolk", date(2010, 4, 1), date(2014, 3, 31))
    method = method_page(pages)
    assert "catalogue-app purchases" not in method and "--buyer" not in method
    assert "purchase ledger kept in this catalogue" in method
    assert "ordered from 1 Apr 2010 to 31 Mar 2014 and not voided" in method


def test_the_appendix_prints_whole_names_and_routes_with_their_titles(db, tmp_path):
    data, pages = briefing(db, tmp_path, "norfolk", date(2010, 4, 1), date(2014, 3, 31))
    first = next(n for n, text in enumerate(pages) if "Appendix: every purchase" in text)
    appendix = " ".join(pages[first:])
    assert "…" not in appendix
    for ln in data.lines:
        assert ln.product in appendix
        # a long reference wraps after a "/": both parts are printed, nothing is cut
        head, _, tail = ln.order_reference.partition("/")
        assert f"{head}/" in appendix and tail.rpartition("/")[2] in appendix
    assert "ESSEX-ATHENA lot 1 — Athena licences, hosting and support" in appendix
    assert "NPIA-NBAF lot 2 — Covert body armour" in appendix
    by_framework = page_with(pages, "By framework")
    assert "ESSEX-ATHENA — Athena integrated investigation, intelligence, custody" in by_framework
    assert "Off-framework" in by_framework


def test_plain_words_and_one_date_format_throughout(db, tmp_path):
    for buyer, start, end in (
        ("ecis", date(2025, 4, 1), date(2026, 3, 31)),
        ("norfolk", date(2010, 4, 1), date(2014, 3, 31)),
    ):
        _data, pages = briefing(db, tmp_path, buyer, start, end)
        text = " ".join(pages)
        assert not ISO_DATE.search(text), ISO_DATE.findall(text)[:3]
        assert "November" not in text and "Generated 23 Nov 2026" in text
        assert "., " not in text and " 1 purchases" not in text
        assert "off-framework " not in text.replace("bought off-framework", "")
    summary = page_with(pages, "Summary")
    assert "£3.6m spend in the period" in summary  # Norfolk, 2010–2014: £3,626,174.98
    assert "Nothing was recorded in the previous period of the same length" in summary
    assert "Previous period" not in page_with(pages, "By supplier")  # no empty comparison


def test_a_single_purchase_is_counted_in_the_singular(db, tmp_path):
    assert db.remove_demo() > 0
    PurchaseService(AppContext(db, actor="officer")).record(
        PurchaseDraft(
            buyer="norfolk",
            product="ATHENA",
            quantity=3,
            order_date=date(2024, 6, 3),
            order_reference="NOR/REAL/1",
            unit_price="120.00",
        ),
        "officer",
        today=TODAY,
    )
    _data, pages = briefing(db, tmp_path, "norfolk", date(2024, 4, 1), date(2025, 3, 31))
    summary = page_with(pages, "Summary")
    assert "recorded 1 purchase totalling £360.00" in summary
    assert "1 purchase " in summary and "1 purchases" not in summary
    assert "Total 1 purchase " in " ".join(pages[-1:])
