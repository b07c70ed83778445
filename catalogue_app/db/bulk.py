"""Generated rows written in bulk through the database driver's own executemany.

The demonstration and benchmark generators write hundreds of thousands of rows
whose values they built themselves. Passing each value through SQLAlchemy's
statement and type machinery costs more than the insert; here every column's
conversion is chosen once per table, dates and timestamps (few distinct values)
are converted once per value, and money goes to whole pence as
:class:`~catalogue_app.db.types.ScaledDecimal` stores it. What lands in the
database is exactly what a Core insert of the same values would store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnDefault, Date, DateTime, FromClause, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from catalogue_app.db.types import ScaledDecimal

Convert = Callable[[Any], Any]


def scaled(amount: Decimal | None, places: int = 2) -> int | None:
    """``amount`` as the whole number ScaledDecimal stores (pence for money)."""
    if amount is None:
        return None
    whole = amount.scaleb(places)
    stored = int(whole)
    if stored != whole:
        raise ValueError(f"{amount} has more than {places} decimal places")
    return stored


def remembered(convert: Convert) -> Convert:
    """``convert`` computed once per distinct value (dates repeat across many rows)."""
    seen: dict[Any, Any] = {}

    def once(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            done = seen[value] = convert(value)
            return done

    return once


def converter(column_type: Any, dialect: Dialect) -> Convert | None:
    """How a generated value of ``column_type`` reaches the driver; None: as it is."""
    if isinstance(column_type, ScaledDecimal):
        places = column_type.places
        return lambda value: scaled(value, places)
    if isinstance(column_type, Date | DateTime | TypeDecorator):
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        return remembered(process) if process else None
    return None


class BulkInsert:
    """One table's INSERT of named columns, fed rows of plain Python values."""

    def __init__(self, session: Session, table: FromClause, columns: Sequence[str]) -> None:
        if not isinstance(table, Table):
            raise TypeError(f"rows are written to a table, not to {table}")
        self._session = session
        dialect = session.get_bind().dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        # what a Core insert adds for a column the rows leave out: its constant default
        self._defaults: dict[str, Any] = {}
        for column in table.columns:
            if column.name in columns or column.default is None:
                continue
            if not (isinstance(column.default, ColumnDefault) and column.default.is_scalar):
                raise ValueError(f"{table.name}.{column.name} needs a value for every row")
            self._defaults[column.name] = column.default.arg
        self._given = len(columns)
        self.columns = (*columns, *self._defaults)
        self._sql = (
            f"INSERT INTO {table.name} ({', '.join(self.columns)}) "
            f"VALUES ({', '.join([mark] * len(self.columns))})"
        )
        self._convert = {
            name: convert
            for name in self.columns
            if (convert := converter(table.c[name].type, dialect)) is not None
        }

    def value(self, column: str, value: Any) -> Any:
        """``value`` for ``column`` as the driver takes it."""
        convert = self._convert.get(column)
        return value if convert is None or value is None else convert(value)

    def tuples(self, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Rows given as mappings of column to value, ready for :meth:`write`."""
        given = [(name, self._convert.get(name)) for name in self.columns[: self._given]]
        extra = tuple(self.value(name, value) for name, value in self._defaults.items())
        return [
            tuple(
                row[name] if convert is None or row[name] is None else convert(row[name])
                for name, convert in given
            )
            + extra
            for row in rows
        ]

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` (values in :attr:`columns` order, already converted) in one
        executemany."""
        if rows:
            self._session.connection().exec_driver_sql(self._sql, list(rows))
