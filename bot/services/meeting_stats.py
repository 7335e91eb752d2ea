"""Meetings per pair per month, for coordinators: a distribution and its median.

Each calendar month, every pair active during it counts once, with the number of
meetings it logged that month (0, 1, 2, …); a meeting the other side disputed does not
count. Counted in SQL: the database returns one row per month and number of meetings.
A month is settled two weeks after it ends; its counts are then kept in `meeting_month`
and read from there, as settled weeks are (bot/services/engagement.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.dates import as_date, first_of_month, utc_midnight
from db.inserts import insert_unless_present
from db.models import Meeting, MeetingMonth, Pair, Programme

SHOWN_UP_TO = 3  # the distribution shows 0, 1, 2 and "3 or more" meetings
SETTLE_AFTER = timedelta(days=14)


@dataclass(frozen=True)
class MonthMeetings:
    month: date  # the first day
    pairs: int  # pairs active during the month
    meetings: Mapping[int, int]  # number of meetings -> how many pairs had that many

    @property
    def median(self) -> float | None:
        return median_of(self.meetings)

    def buckets(self) -> tuple[int, ...]:
        return buckets_of(self.meetings)


def median_of(frequencies: Mapping[int, int]) -> float | None:
    """The median of values given as value -> how often."""
    total = sum(frequencies.values())
    if total == 0:
        return None
    ordered = sorted(frequencies.items())

    def value_at(position: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if position < seen:
                return value
        raise AssertionError("position beyond the total")

    middle = total // 2
    if total % 2:
        return float(value_at(middle))
    return (value_at(middle - 1) + value_at(middle)) / 2


def buckets_of(frequencies: Mapping[int, int]) -> tuple[int, ...]:
    """How many pairs had 0, 1, 2 and SHOWN_UP_TO or more meetings."""
    shown = [frequencies.get(n, 0) for n in range(SHOWN_UP_TO)]
    shown.append(sum(count for n, count in frequencies.items() if n >= SHOWN_UP_TO))
    return tuple(shown)


def months_between(first: date, last: date) -> list[date]:
    month, months = first.replace(day=1), []
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


async def meetings_by_month(
    session: AsyncSession, *, programme_id: int, first: date, today: date
) -> tuple[list[MonthMeetings], int]:
    """Every month from `first`'s to this one, and how many pairs were active in any of
    them (the group the overall figures are about). Settled months come from the kept
    counts (the missing ones are counted and kept); the others are counted afresh."""
    months = months_between(first, today)
    if not months:
        return [], 0
    kept = await _kept_months(session, programme_id, months[0], months[-1])
    missing = [month for month in months if is_settled(month, today) and month not in kept]
    if missing:
        counted = await _count_months(session, programme_id, missing, today)
        kept.update((month.month, month) for month in counted)
        # /stats and the background job may keep the same month at once: the first stands.
        await insert_unless_present(
            session,
            MeetingMonth,
            [
                {
                    "programme_id": programme_id,
                    "month": month.month,
                    "pairs": month.pairs,
                    "meetings": {str(n): pairs for n, pairs in month.meetings.items()},
                }
                for month in counted
            ],
        )
    unsettled = [month for month in months if month not in kept]
    live = {
        counted.month: counted
        for counted in await _count_months(session, programme_id, unsettled, today)
    }
    (in_window,) = await _active_pairs(session, programme_id, [(months[0], months[-1])])
    return [kept.get(month) or live[month] for month in months], in_window


def is_settled(month: date, today: date) -> bool:
    """Late logs have come in: two weeks after the month's end."""
    return _next_month(month) + SETTLE_AFTER <= today


async def settle_months(session: AsyncSession, *, programme: Programme, today: date) -> None:
    """Keep the counts of every settled month not kept yet (a background job does this,
    so that a coordinator's first /stats is as quick as the next)."""
    first = programme.anchor_day or programme.created_at.date()
    await meetings_by_month(session, programme_id=programme.id, first=first, today=today)


async def _count_months(
    session: AsyncSession, programme_id: int, months: list[date], today: date
) -> list[MonthMeetings]:
    """Count some months from the raw rows: one pass over the pairs, one over meetings."""
    if not months:
        return []
    active = await _active_pairs(session, programme_id, [(month, month) for month in months])
    last_day = min(today, _next_month(months[-1]) - timedelta(days=1))
    met = await _meeting_counts(session, programme_id, months[0], last_day)
    counted = []
    for month, pairs in zip(months, active, strict=True):
        counts = Counter(met.get(month, {}))
        counts[0] = max(0, pairs - sum(counts.values()))
        counted.append(MonthMeetings(month, pairs, dict(counts)))
    return counted


async def _kept_months(
    session: AsyncSession, programme_id: int, first: date, last: date
) -> dict[date, MonthMeetings]:
    rows = await session.scalars(
        select(MeetingMonth).where(
            MeetingMonth.programme_id == programme_id,
            MeetingMonth.month >= first,
            MeetingMonth.month <= last,
        )
    )
    return {
        row.month: MonthMeetings(
            row.month, row.pairs, {int(n): pairs for n, pairs in row.meetings.items()}
        )
        for row in rows
    }


def overall(months: list[MonthMeetings]) -> dict[int, int]:
    """Meetings per pair-month over all the months together."""
    total: Counter[int] = Counter()
    for month in months:
        total.update(month.meetings)
    return dict(total)


async def _active_pairs(
    session: AsyncSession, programme_id: int, spans: list[tuple[date, date]]
) -> list[int]:
    """Pairs active at some time from the first month to the last month of each span
    (inclusive): one pass over the programme's pairs for all of them."""

    def active_between(start: date, end: date) -> ColumnElement[bool]:
        return and_(
            Pair.started_at < utc_midnight(end),
            or_(Pair.ended_at.is_(None), Pair.ended_at >= utc_midnight(start)),
        )

    row = (
        await session.execute(
            select(
                *(
                    func.coalesce(
                        func.sum(case((active_between(first, _next_month(last)), 1), else_=0)),
                        0,
                    )
                    for first, last in spans
                )
            ).where(Pair.programme_id == programme_id)
        )
    ).one()
    return [int(value) for value in row]


async def _meeting_counts(
    session: AsyncSession, programme_id: int, first: date, today: date
) -> dict[date, dict[int, int]]:
    month = first_of_month(session, Meeting.met_on).label("month")
    per_pair = (
        select(Meeting.pair_id, month, func.count().label("meetings"))
        .join(Pair, Pair.id == Meeting.pair_id)
        .where(
            Pair.programme_id == programme_id,
            Meeting.stands,
            Meeting.met_on >= first,
            Meeting.met_on <= today,
        )
        .group_by(Meeting.pair_id, month)
        .subquery()
    )
    rows = await session.execute(
        select(per_pair.c.month, per_pair.c.meetings, func.count()).group_by(
            per_pair.c.month, per_pair.c.meetings
        )
    )
    counts: dict[date, dict[int, int]] = {}
    for first_day, meetings, pairs in rows:
        counts.setdefault(as_date(first_day), {})[int(meetings)] = int(pairs)
    return counts


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
