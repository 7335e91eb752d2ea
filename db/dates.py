"""Calendar arithmetic inside SQL, in each database's own functions: statistics group
rows by week and month in the database rather than loading them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, literal
from sqlalchemy.ext.asyncio import AsyncSession


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def monday_of_timestamp(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The Monday of a UTC timestamp's day."""
    if _postgres(session):
        return cast(func.date_trunc("week", func.timezone("UTC", column)), Date)
    # SQLite keeps UTC text; 'weekday 0' moves to the coming Sunday (or stays), and six
    # days back from that Sunday is the Monday.
    return func.date(column, literal("weekday 0"), literal("-6 days"))


def day_of_timestamp(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """A UTC timestamp's day (comparable with a date column in either database)."""
    if _postgres(session):
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def first_of_month(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The first day of a date's month."""
    if _postgres(session):
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, literal("start of month"))


def as_date(value: Any) -> date:
    """A grouped day as a date: PostgreSQL returns dates, SQLite returns text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def utc_midnight(day: date) -> datetime:
    """The start of a day in UTC, for comparing a date with UTC timestamp columns."""
    return datetime.combine(day, time(), UTC)
