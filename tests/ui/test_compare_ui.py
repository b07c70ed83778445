import csv
from decimal import Decimal

from conftest import drain
from pypdf import PdfReader


def choose(window, qtbot, text):
    window.search_box.setText(text)
    window.products.apply_search()
    qtbot.waitUntil(lambda: window.model.query.text == text, timeout=5000)
    window.table.selectRow(0)
    window.add_compare_action.trigger()


def recomputed(qtbot, dialog):
    dialog.recompute()
    qtbot.waitUntil(dialog.settled, timeout=5000)


def test_compare_athena_and_two_alternatives_then_pool_across_ecis(window, qtbot, tmp_path):
    for text in ("athena", "connect records", "niche"):
        choose(window, qtbot, text)
    assert window.comparison == ["ATHENA", "CONNECT", "NICHE-RMS"]
    dialog = window.open_comparison()
    qtbot.addWidget(dialog)
    dialog.quantity.setValue(500)
    recomputed(qtbot, dialog)
    table = dialog.products_table
    assert table.columnCount() == 3
    labels = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    total_row = labels.index("Total at 500")
    totals = [table.item(total_row, c).text() for c in range(3)]
    assert totals[2].startswith("★") and "£182,500.00" in totals[2]  # the cheapest is marked
    dialog.hide_same.setChecked(True)
    labels = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert "Unit" not in labels and "Total at 500" in labels  # same everywhere: hidden
    # routes for Athena, priced at 500 seats
    dialog.tabs.setCurrentIndex(1)
    assert dialog.routes_table.item(0, 0).text() == "ESSEX-ATHENA lot 1"
    assert dialog.routes_table.item(0, 2).text() == "£450.00"
    # pooling across East Coast IT Services
    dialog.pool_buyers.setCurrentIndex(dialog.pool_buyers.findData("ecis"))
    recomputed(qtbot, dialog)
    outcome = dialog.outcome
    assert outcome is not None and len(outcome.members) == 4
    assert outcome.saving > 0 and "Pooling saves" in dialog.pool_summary.text()
    assert sum(m.pooled_share for m in outcome.members) == outcome.pooled.total
    pdf = tmp_path / "comparison.pdf"
    assert dialog.export_pdf(str(pdf)) >= 1
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "£182,500.00 (best)" in text and "Pooling demand for ATHENA" in text
    assert f"£{outcome.saving:,.2f}" in text and "Kent Police" in text
    csv_path = tmp_path / "comparison.csv"
    assert dialog.export_csv(str(csv_path)) == 3
    with csv_path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert ["Total", "225000.00", "205000.00", "182500.00"] in rows
    start = rows.index(["Pooling demand for ATHENA"])
    members = rows[start + 2 : start + 2 + len(outcome.members)]
    assert rows[start + 1][0] == "Force" and "Kent Police" in [r[0] for r in members]
    assert sum(Decimal(r[5]) for r in members) == outcome.pooled.total
    assert rows[start + 2 + len(outcome.members)][-1] == f"{outcome.saving:.2f}"
    assert any(r[:1] == ["Routes for ATHENA at 500"] for r in rows)


def test_removing_a_product_from_the_comparison(window, qtbot):
    for text in ("athena", "niche"):
        choose(window, qtbot, text)
    dialog = window.open_comparison()
    qtbot.addWidget(dialog)
    dialog.remove_product("NICHE-RMS")
    qtbot.waitUntil(dialog.settled, timeout=5000)
    assert dialog.codes == ["ATHENA"] and dialog.products_table.columnCount() == 0


def test_a_comparison_pdf_escapes_hostile_names(tmp_path):
    from datetime import date

    from catalogue_app.reports import comparison as report
    from catalogue_app.reports.document import PageFurniture
    from catalogue_app.services.compare import ProductComparison

    hostile = '<font color="red">A&B</font> <img src="/etc/passwd"/>'
    row = ProductComparison(
        "X1",
        hostile,
        "S",
        "active",
        "C",
        "approved",
        None,
        date(2027, 1, 1),
        "each",
        Decimal("10.00"),
        5,
        "off-framework",
        Decimal("10.00"),
        Decimal("50.00"),
        Decimal("0.00"),
        True,
    )
    path = tmp_path / "x.pdf"
    report.render(
        PageFurniture("Product comparison", hostile),
        report.comparison_story([row, row], 5),
        str(path),
    )
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    assert '<font color="red">A&B</font>' in text


def test_a_members_quantity_can_be_edited(window, qtbot):
    for text in ("athena", "niche"):
        choose(window, qtbot, text)
    dialog = window.open_comparison()
    qtbot.addWidget(dialog)
    dialog.pool_custom.setText("norfolk,suffolk")
    dialog.pool_custom.editingFinished.emit()
    recomputed(qtbot, dialog)
    assert dialog.pool_table.item(0, 0).text() == "Norfolk Constabulary"
    dialog.pool_table.item(0, 1).setText("600")
    qtbot.waitUntil(dialog.settled, timeout=5000)
    assert [m.quantity for m in dialog.outcome.members] == [600, 1180]
    assert dialog.outcome.quantity == 1780
    dialog.pool_table.item(1, 1).setText("none")
    assert "Suffolk Constabulary's quantity must be" in dialog.error.text()


def test_one_click_turns_the_pool_into_a_recorded_joint_purchase(window, qtbot, db, monkeypatch):
    from datetime import date

    from PySide6.QtWidgets import QDialog

    from catalogue_app.services.ledger import PurchaseService
    from catalogue_app.ui.purchase_dialog import PurchaseDialog

    for text in ("athena", "niche"):
        choose(window, qtbot, text)
    dialog = window.open_comparison()
    qtbot.addWidget(dialog)
    dialog.pool_buyers.setCurrentIndex(dialog.pool_buyers.findData("ecis"))
    recomputed(qtbot, dialog)
    outcome = dialog.outcome
    made = []

    def prefilled(**kwargs):
        d = PurchaseDialog(window.ctx, window, today=date.today(), **kwargs)
        qtbot.waitUntil(lambda: d.buyer.currentData() == "ecis", timeout=5000)
        d.order_reference.setText("ECIS/POOL/1")
        qtbot.waitUntil(d.settled, timeout=5000)
        d.validate()
        qtbot.waitUntil(d.settled, timeout=5000)
        d.exec = lambda: QDialog.DialogCode.Accepted
        made.append(d)
        return d

    monkeypatch.setattr(window, "_dialog", prefilled)
    assert dialog.record_button.isEnabled()
    dialog.record_button.click()
    drain(qtbot)
    purchase = PurchaseService(db).get(window.undo_stack.command(0).purchase_id)
    assert purchase.order_reference == "ECIS/POOL/1" and purchase.quantity == outcome.quantity
    assert purchase.unit_price * purchase.quantity == outcome.pooled.total
    assert purchase.shares == {m.member: m.pooled_share for m in outcome.members}


def test_prices_on_a_chosen_day_recompute_and_last_for_the_session(window, qtbot, db, tmp_path):
    from dataclasses import replace
    from datetime import date

    from PySide6.QtCore import QDate

    from catalogue_app.domain.pricing import PriceBreak
    from catalogue_app.services.editing import CatalogueEditor, Kind
    from catalogue_app.ui.compare_dialog import CompareDialog

    change = date(2026, 6, 1)
    editor = CatalogueEditor(db)
    athena = editor.get(Kind.PRODUCT, "ATHENA")
    editor.edit(replace(athena, list_price=Decimal("520.00"), price_from=change))
    editor.set_offer_prices(
        "ESSEX-ATHENA",
        "1",
        "ATHENA",
        valid_from=change,
        ceiling=Decimal("470.00"),
        breaks=[PriceBreak(1000, Decimal("455.00"))],
    )
    for text in ("athena", "niche"):
        choose(window, qtbot, text)
    window.compare_action.trigger()
    dialog = window.findChild(CompareDialog)
    qtbot.waitUntil(dialog.settled, timeout=5000)
    today = window.ctx.app.today()
    assert dialog.prices_on.date() == QDate(today) and not dialog.prices_today.isEnabled()

    def shown(label):
        table = dialog.products_table
        labels = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
        return table.item(labels.index(label), 0).text()

    dialog.prices_on.setDate(QDate(2026, 5, 31))
    qtbot.waitUntil(dialog.settled, timeout=5000)
    assert shown("List price") == "£480.00" and shown("Total at 500") == "£225,000.00"
    assert dialog.routes_table.item(0, 2).text() == "£450.00"
    dialog.pool_buyers.setCurrentIndex(dialog.pool_buyers.findData("ecis"))
    qtbot.waitUntil(dialog.settled, timeout=5000)
    assert dialog.outcome.pooled.unit_price == Decimal("425.00")  # 9,560 at the 3,000+ break
    assert dialog.prices_today.isEnabled()

    dialog.prices_on.setDate(QDate(2026, 6, 1))
    qtbot.waitUntil(dialog.settled, timeout=5000)
    assert shown("List price") == "£520.00" and shown("Total at 500") == "£235,000.00"
    assert dialog.routes_table.item(0, 2).text() == "£470.00"
    assert dialog.outcome.pooled.unit_price == Decimal("455.00")
    pdf = tmp_path / "on-a-day.pdf"
    assert dialog.export_pdf(str(pdf)) == 2
    assert "prices on 1 Jun 2026" in "\n".join(p.extract_text() for p in PdfReader(pdf).pages)

    window.compare_action.trigger()  # a new comparison keeps the day chosen
    again = window.findChildren(CompareDialog)[-1]
    assert again is not dialog and again.prices_on.date() == QDate(2026, 6, 1)
    qtbot.waitUntil(again.settled, timeout=5000)
    again.prices_today.click()
    assert again.prices_on.date() == QDate(today) and not again.prices_today.isEnabled()
    qtbot.waitUntil(again.settled, timeout=5000)
    assert dialog.isHidden()
