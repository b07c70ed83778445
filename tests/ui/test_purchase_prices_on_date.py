"""The Record purchase dialog prices a purchase at the prices in force on its order date."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate

from catalogue_app.domain.pricing import PriceBreak
from catalogue_app.services.editing import CatalogueEditor, Kind
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.ops import ChangeHub
from catalogue_app.ui.purchase_dialog import PurchaseDialog

TODAY = date(2026, 11, 23)
CHANGE = date(2026, 6, 1)


@pytest.fixture
def ctx(db):
    """ATHENA repriced from 1 Jun 2026: £520.00 list (was £480.00); on ESSEX-ATHENA lot 1 a
    £470.00 ceiling and £455.00 at 1,000+ (was £450.00 and £440.00)."""
    editor = CatalogueEditor(db)
    athena = editor.get(Kind.PRODUCT, "ATHENA")
    editor.edit(replace(athena, list_price=Decimal("520.00"), price_from=CHANGE))
    editor.set_offer_prices(
        "ESSEX-ATHENA",
        "1",
        "ATHENA",
        valid_from=CHANGE,
        ceiling=Decimal("470.00"),
        breaks=[PriceBreak(1000, Decimal("455.00"))],
    )
    hub = ChangeHub()
    yield UiContext(db, hub)
    hub.deleteLater()


def settled(qtbot, d):
    qtbot.waitUntil(d.settled, timeout=5000)
    d.validate()
    qtbot.waitUntil(d.settled, timeout=5000)


def test_the_price_offered_follows_the_order_date(qtbot, ctx):
    d = PurchaseDialog(ctx, today=TODAY)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.buyer.count() > 1, timeout=5000)
    d.buyer.setCurrentIndex(d.buyer.findData("norfolk"))
    d.order_date.setDate(QDate(2026, 5, 31))
    d.product.setText("ATHENA")
    d.quantity.setText("500")
    d.order_reference.setText("NORF/PRICES/1")
    settled(qtbot, d)
    assert d.route.currentData() == ("ESSEX-ATHENA", "1")
    assert d.unit_price.text() == "450.00"
    assert "The ceiling price of ESSEX-ATHENA lot 1" in d.unit_price_note.text()

    d.order_date.setDate(QDate(2026, 6, 1))  # the day the new prices start
    settled(qtbot, d)
    assert d.unit_price.text() == "470.00"
    d.quantity.setText("1,200")
    settled(qtbot, d)
    assert d.unit_price.text() == "455.00"
    assert "From the price breaks of ESSEX-ATHENA lot 1 at 1,000+" in d.unit_price_note.text()

    d.route.setCurrentIndex(d.route.count() - 1)  # off-framework: the list price
    settled(qtbot, d)
    assert d.unit_price.text() == "520.00"
    d.order_date.setDate(QDate(2026, 5, 31))
    settled(qtbot, d)
    assert d.unit_price.text() == "480.00"
    assert "List price (off-framework)" in d.unit_price_note.text()
    assert d.preview is not None and d.preview.unit_price == Decimal("480.00")


def test_the_advice_prices_each_day_from_its_own_version(db, ctx):
    from catalogue_app.domain.purchases import Route
    from catalogue_app.services.ledger.advice import PurchaseAdvice

    advice = PurchaseAdvice(db)
    lot = Route("ESSEX-ATHENA", "1")
    before = advice.price_source("ATHENA", lot, 1200, date(2026, 5, 31))
    after = advice.price_source("ATHENA", lot, 1200, CHANGE)
    assert (before.price, before.list_price) == (Decimal("440.00"), Decimal("480.00"))
    assert (after.price, after.list_price) == (Decimal("455.00"), Decimal("520.00"))
    listed = advice.price_source("ATHENA", Route(), 5, date(2026, 5, 31))
    assert (listed.price, listed.compared) == (Decimal("480.00"), "the list price, £480.00")
