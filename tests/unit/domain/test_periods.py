from datetime import date

from catalogue_app.domain.periods import FinancialYear, last_complete_financial_year


def test_financial_year_runs_april_to_march():
    fy = FinancialYear.containing(date(2025, 3, 31))
    assert fy.start_year == 2024
    assert (fy.start, fy.end) == (date(2024, 4, 1), date(2025, 3, 31))
    assert fy.label == "2024/25"
    assert FinancialYear.containing(date(2025, 4, 1)).label == "2025/26"
    assert date(2024, 12, 25) in fy
    assert date(2025, 4, 1) not in fy


def test_last_complete_financial_year():
    assert last_complete_financial_year(date(2026, 11, 23)).label == "2025/26"
    assert last_complete_financial_year(date(2026, 3, 31)).label == "2024/25"
    assert FinancialYear(1999).label == "1999/00"
