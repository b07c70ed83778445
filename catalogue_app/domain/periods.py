"""Financial years: 1 April to 31 March, named by the year they start in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class FinancialYear:
    start_year: int

    @classmethod
    def containing(cls, day: date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def last_complete_financial_year(today: date) -> FinancialYear:
    return FinancialYear(FinancialYear.containing(today).start_year - 1)
