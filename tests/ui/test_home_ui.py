"""Home: opened at start, the briefing's figures to the penny, charts that lead somewhere."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage

from catalogue_app.domain.money import format_gbp
from catalogue_app.domain.periods import FinancialYear
from catalogue_app.services.briefing import BriefingService
from catalogue_app.services.ledger import PurchaseDraft
from catalogue_app.services.targets import TargetService
from catalogue_app.ui.charts.force_grid import TILES
from catalogue_app.ui.home_view import CHOOSE_DATES
from catalogue_app.ui.operations import purchases as purchase_ops
from tests.ui.conftest import open_window, result_of

YEAR = FinancialYear(2025)


@pytest.fixture
def window(qtbot, db, settings):
    """The window as it opens at the first start: on Home."""
    return open_window(qtbot, db, settings, view=None)


def choose(qtbot, window, buyer: str, start: date, end: date) -> None:
    """Pick the buyer and a period in Home's own controls, then wait for every chart."""
    home = window.home
    qtbot.waitUntil(lambda: home.buyer.findData(buyer) >= 0, timeout=10000)
    home.buyer.setCurrentIndex(home.buyer.findData(buyer))
    home.period.setCurrentIndex(home.period.findText(CHOOSE_DATES))
    home.start.setDate(QDate(start.year, start.month, start.day))
    home.end.setDate(QDate(end.year, end.month, end.day))
    drawn(qtbot, home, buyer, start, end)


def drawn(qtbot, home, buyer: str, start: date, end: date) -> None:
    qtbot.waitUntil(
        lambda: (
            home.drawn
            and home.board is not None
            and (home.board.buyer_code, home.board.start, home.board.end) == (buyer, start, end)
        ),
        timeout=20000,
    )


def test_home_is_first_opened_at_start_and_ctrl_0_returns_to_it(window, qtbot):
    assert window.sidebar.item(0).text() == "Home"
    assert window.current_view() is window.home
    qtbot.keySequence(window, "Ctrl+1")
    assert window.current_view() is window.products
    qtbot.keySequence(window, "Ctrl+0")
    assert window.current_view() is window.home


def test_tiles_equal_the_briefing_for_ecis_in_2025_26(window, qtbot, db):
    choose(qtbot, window, "ecis", YEAR.start, YEAR.end)
    briefing = BriefingService(db).build("ecis", YEAR.start, YEAR.end)
    spend, savings, share, purchases = (t.value.text() for t in window.home.tiles)
    assert briefing.purchases > 0
    assert spend == format_gbp(briefing.spend)
    assert savings == format_gbp(briefing.savings)
    assert share == f"{briefing.framework_share:.1f} %"
    assert purchases == f"{briefing.purchases:,}"
    before = format_gbp(briefing.previous_spend)
    assert f"against {FinancialYear(2024).label} ({before})" in window.home.tiles[0].change.text()


def test_clicking_the_largest_category_bar_opens_purchases_filtered(window, qtbot):
    choose(qtbot, window, "ecis", YEAR.start, YEAR.end)
    chart = window.home.spend_chart
    data = chart.data
    year = data.years.index(YEAR)
    band = data.largest(YEAR)
    assert band is not None and band.code
    where = chart.segment_centre(year, data.bands.index(band))
    assert "Click to see these purchases" in chart.tip_at(
        chart.getPlotItem().vb.mapSceneToView(chart.mapToScene(where))
    )
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=where)
    purchases = window.purchases
    assert window.current_view() is purchases
    shown = purchases.current_filter()
    assert (shown.buyer, shown.start, shown.end, shown.category) == (
        "ecis",
        YEAR.start,
        YEAR.end,
        band.code,
    )
    qtbot.waitUntil(lambda: purchases.model.filter == shown, timeout=10000)
    spent = data.spend[year][data.bands.index(band)]
    assert purchases.model.spend == spent  # the bar's figure, to the penny


def test_recording_a_purchase_changes_the_tiles_without_refreshing(window, qtbot):
    choose(qtbot, window, "ecis", YEAR.start, YEAR.end)
    home = window.home
    spend_before = home.board.summary.spend
    count_before = home.board.summary.purchases
    op = purchase_ops.record_purchase(
        window,
        window.ctx,
        PurchaseDraft(
            "ecis",
            "ATHENA",
            2,
            date(2025, 6, 2),
            "ECIS/HOME/1",
            "ESSEX-ATHENA",
            "1",
            unit_price="1000.00",
            split="equal",
        ),
    )
    op.run_in_background()
    result_of(qtbot, op)
    qtbot.waitUntil(
        lambda: home.board.summary.purchases == count_before + 1 and home.drawn, timeout=10000
    )
    assert home.tiles[0].value.text() == format_gbp(spend_before + Decimal("2000.00"))
    assert home.tiles[3].value.text() == f"{count_before + 1:,}"


def test_switching_buyer_redraws_and_is_remembered(window, qtbot, settings, db):
    choose(qtbot, window, "ecis", YEAR.start, YEAR.end)
    home = window.home
    home.buyer.setCurrentIndex(home.buyer.findData("kent"))
    drawn(qtbot, home, "kent", YEAR.start, YEAR.end)
    kent = BriefingService(db).build("kent", YEAR.start, YEAR.end)
    assert home.tiles[0].value.text() == format_gbp(kent.spend)
    # a force sees its own tile outlined on the map
    assert home.board.adoption.buyer_forces == ("kent",)
    assert settings.value("home/buyer") == "kent"


def test_a_force_tile_names_the_force_and_opens_its_purchases(window, qtbot):
    choose(qtbot, window, "ecis", YEAR.start, YEAR.end)
    home = window.home
    tiles = home.map
    adoption = home.board.adoption
    bought = next(f for f in adoption.forces if f.purchases)
    assert bought.name in tiles.tip_for(bought.code)
    assert format_gbp(bought.spend) in tiles.tip_for(bought.code)
    assert len(TILES) == len(adoption.forces) == 46
    centre = tiles.tile_rect(bought.code).center().toPoint()
    qtbot.mouseClick(tiles, Qt.MouseButton.LeftButton, pos=centre)
    shown = window.purchases.current_filter()
    assert window.current_view() is window.purchases
    assert (shown.buyer, shown.product) == (bought.code, adoption.product_code)


def test_no_target_in_force_says_so_and_a_new_target_is_drawn(window, qtbot, db):
    choose(qtbot, window, "ecis", YEAR.start, YEAR.end)
    home = window.home
    assert "No savings target covers 2025/26" in home.savings_panel.waiting.text()
    assert home.savings_panel.body.currentWidget() is home.savings_panel.waiting
    home.targets_button.click()
    dialog = window._targets_dialog
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=10000)
    form = dialog.add()
    qtbot.waitUntil(lambda: form.buyer.currentData() == "ecis", timeout=10000)
    form.start.setDate(QDate(2025, 4, 1))
    form.end.setDate(QDate(2027, 3, 31))
    form.amount.setText("£1,000,000")
    form.description.setPlainText("Two-year savings plan")
    form.save()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=10000)
    qtbot.waitUntil(
        lambda: home.drawn and home.savings_panel.body.currentWidget() is home.savings_chart,
        timeout=10000,
    )
    assert "Two-year savings plan" in home.savings_panel.note.text()
    added = [t for t in TargetService(window.ctx.app).list_targets("ecis") if t.start == YEAR.start]
    assert added[0].source.startswith("Entered by ")
    dialog.close()


def test_a_bad_target_is_refused_beside_the_form(window, qtbot):
    window.home.targets_button.click()
    dialog = window._targets_dialog
    form = dialog.add()
    form.amount.setText("nothing")
    form.save()
    qtbot.waitUntil(lambda: bool(form.error.text()), timeout=10000)
    assert form.error.text().startswith("Target amount “nothing” is not an amount of money")
    assert form.isVisible()
    form.reject()
    dialog.close()


def test_save_image_writes_a_png_whole(window, qtbot, tmp_path):
    from catalogue_app.ui.charts.saving import save_png

    choose(qtbot, window, "ecis", YEAR.start, YEAR.end)
    folder = tmp_path / "images"
    folder.mkdir()
    target = folder / "spend.png"
    target.write_bytes(b"an older image")
    save_png(window.home.spend_chart, target, ())
    image = QImage(str(target))
    assert not image.isNull() and image.width() > 100
    assert [p.name for p in folder.iterdir()] == ["spend.png"]  # no temporary left behind


@pytest.mark.parametrize("size", [(1600, 1000), (1024, 700)])
def test_home_fits_without_cutting_off(window, qtbot, size):
    window.resize(*size)
    choose(qtbot, window, "ecis", YEAR.start, YEAR.end)
    home = window.home
    qtbot.wait(50)
    page = home.page_scroll.widget()
    assert page.width() <= home.page_scroll.viewport().width()  # never wider than the window
    for tile in home.tiles:
        assert tile.value.width() >= tile.value.sizeHint().width()  # figures never clipped


def test_the_spend_chart_draws_years_without_spend_and_finds_its_segments(qtbot):
    from PySide6.QtCore import QPointF

    from catalogue_app.services.dashboard import CategoryBand, SpendByYear
    from catalogue_app.ui.charts.plots import SpendChart

    chart = SpendChart()
    qtbot.addWidget(chart)
    years = [FinancialYear(2024), FinancialYear(2025)]
    chart.show_data(SpendByYear(years, [], [[], []]))  # a login that may see no purchases
    assert chart.segment_at(QPointF(0, 10)) is None
    band = CategoryBand("34114200-1", "Police cars")
    chart.show_data(SpendByYear(years, [band], [[Decimal("0.00")], [Decimal("500.00")]]))
    assert chart.segment_at(QPointF(0, 10)) is None  # nothing drawn in 2024/25
    assert chart.segment_at(QPointF(1, 250)) == (1, 0)
    assert chart.segment_at(QPointF(1, 600)) is None
