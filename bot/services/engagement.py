"""Prompt response and moods per calendar week, for coordinators: counts only.

A week's figures are computed in SQL from the outbox (prompts sent to students) and the
check-ins (answers and moods). Once a week is settled — `SETTLE_AFTER` past its end,
when late answers have come in — its counts are kept in `engagement_week`, so that the
statistics of a long programme read a hundred small rows instead of a million entries,
and an erased member's anonymous counts stay in the figures. Weeks not yet settled are
always counted afresh.

Nothing here is per student: every number is a count over a week's group of students.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.keys.prompts import cycle_day_in_sql, cycle_key
from bot.outbox.purposes import Purpose
from db.dates import as_date, monday_of_timestamp, utc_midnight
from db.inserts import insert_unless_present
from db.models import (
    CheckIn,
    Delivery,
    DeliveryStatus,
    EngagementWeek,
    Membership,
    Programme,
    Role,
)

SETTLE_AFTER = timedelta(days=14)
MOODS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class WeekCounts:
    """What happened in one week (Monday), before any suppression."""

    week: date
    prompted: int = 0  # prompts that reached students
    prompted_students: int = 0
    answered: int = 0  # of those prompts, answered with at least a mood
    entries: int = 0  # entries written this week, prompted or not
    authors: int = 0  # students who wrote them
    moods: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # entries per mood 1..5


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_between(first: date, last: date) -> list[date]:
    """Every Monday from the week of `first` to the week of `last`, inclusive."""
    monday, end = monday_of(first), monday_of(last)
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(weeks=1)
    return weeks


def is_settled(week: date, today: date) -> bool:
    return week + timedelta(weeks=1) + SETTLE_AFTER <= today


async def engagement_by_week(
    session: AsyncSession, *, programme: Programme, first: date, today: date
) -> list[WeekCounts]:
    """Counts for every week from the week of `first` to this week; settled weeks from
    the kept counts (computing and keeping the ones missing), the others afresh."""
    weeks = weeks_between(first, today)
    if not weeks:
        return []
    kept = await _kept_weeks(session, programme.id, weeks[0], weeks[-1])
    settled = [week for week in weeks if is_settled(week, today)]
    missing = [week for week in settled if week not in kept]
    if missing:
        fresh = await count_weeks(session, programme=programme, first=missing[0], last=missing[-1])
        for week in missing:
            kept[week] = fresh.get(week, WeekCounts(week))
        # A coordinator's /stats and the background job may keep the same week at once;
        # both counted the same settled rows, so whichever lands first is right.
        await insert_unless_present(
            session, EngagementWeek, [_row(programme.id, kept[week]) for week in missing]
        )
    open_weeks = [week for week in weeks if not is_settled(week, today)]
    live = (
        await count_weeks(session, programme=programme, first=open_weeks[0], last=open_weeks[-1])
        if open_weeks
        else {}
    )
    return [kept.get(week) or live.get(week) or WeekCounts(week) for week in weeks]


async def settle_weeks(session: AsyncSession, *, programme: Programme, today: date) -> int:
    """Keep the counts of every settled week not kept yet; returns how many were added.
    Run in the background so that a coordinator's first /stats is as quick as the next."""
    start = await _first_activity(session, programme.id)
    if start is None:
        return 0
    before = len(await _kept_weeks(session, programme.id, monday_of(start), today))
    await engagement_by_week(session, programme=programme, first=start, today=today)
    return len(await _kept_weeks(session, programme.id, monday_of(start), today)) - before


async def count_weeks(
    session: AsyncSession, *, programme: Programme, first: date, last: date
) -> dict[date, WeekCounts]:
    """Count the weeks from Monday `first` to Monday `last` from the raw rows, in SQL."""
    end = last + timedelta(weeks=1)
    prompts = await _prompt_counts(session, programme.id, first, end)
    entries = await _entry_counts(session, programme.id, first, end)
    weeks: dict[date, dict[str, Any]] = {}
    for week, prompted, students, answered in prompts:
        slot = weeks.setdefault(week, {})
        # Two cycle days in one week (after a change of cadence) add up; the students
        # prompted are then counted at most once per cycle day, so the larger is kept.
        slot["prompted"] = slot.get("prompted", 0) + prompted
        slot["answered"] = slot.get("answered", 0) + answered
        slot["prompted_students"] = max(slot.get("prompted_students", 0), students)
    for week, counts in entries.items():
        weeks.setdefault(week, {}).update(counts)
    return {week: WeekCounts(week, **values) for week, values in weeks.items()}


async def _prompt_counts(
    session: AsyncSession, programme_id: int, first: date, end: date
) -> list[tuple[date, int, int, int]]:
    # Cycle keys begin with the cycle's day ("7:2026-09-07", "7:2026-09-07:now-…"), so a
    # key range is a day range and the (purpose, cycle) index finds one programme's
    # weeks without a scan. Counted per day, not per key: a prompt sent now belongs to
    # the cycle it names, and a student who got it and the scheduled one is one student.
    answered = (
        select(CheckIn.delivery_id)
        .where(CheckIn.delivery_id == Delivery.id)
        .correlate(Delivery)
        .exists()
    )
    day = cycle_day_in_sql(Delivery.cycle, programme_id).label("day")
    rows = await session.execute(
        select(
            day,
            func.count(),
            func.count(distinct(Delivery.member_id)),
            func.count().filter(answered),
        )
        .join(Membership, _as_student(Delivery.member_id, programme_id))
        .where(
            Delivery.purpose == Purpose.PROMPT,
            Delivery.subject_id == programme_id,
            Delivery.cycle >= cycle_key(programme_id, first),
            Delivery.cycle < cycle_key(programme_id, end),
            Delivery.status == DeliveryStatus.SENT,
        )
        .group_by(day)
    )
    return [
        (monday_of(date.fromisoformat(cycle_day)), prompted, students, done)
        for cycle_day, prompted, students, done in rows
    ]


async def _entry_counts(
    session: AsyncSession, programme_id: int, first: date, end: date
) -> dict[date, dict[str, Any]]:
    week = monday_of_timestamp(session, CheckIn.created_at).label("week")
    rows = await session.execute(
        select(
            week,
            func.count(),
            func.count(distinct(CheckIn.member_id)),
            *(func.count().filter(CheckIn.mood == mood) for mood in MOODS),
        )
        .join(Membership, _as_student(CheckIn.member_id, programme_id))
        .where(
            CheckIn.programme_id == programme_id,
            CheckIn.created_at >= utc_midnight(first),
            CheckIn.created_at < utc_midnight(end),
        )
        .group_by(week)
    )
    counts: dict[date, dict[str, Any]] = {}
    for monday, entries, authors, *moods in rows:
        counts[as_date(monday)] = {"entries": entries, "authors": authors, "moods": tuple(moods)}
    return counts


def _as_student(member_id: Any, programme_id: int) -> ColumnElement[bool]:
    """Only students' prompts and entries: mentors reflect too, but privately."""
    return and_(
        Membership.member_id == member_id,
        Membership.programme_id == programme_id,
        Membership.role == Role.STUDENT,
    )


async def _kept_weeks(
    session: AsyncSession, programme_id: int, first: date, last: date
) -> dict[date, WeekCounts]:
    rows = await session.scalars(
        select(EngagementWeek).where(
            EngagementWeek.programme_id == programme_id,
            EngagementWeek.week >= first,
            EngagementWeek.week <= last,
        )
    )
    return {row.week: _counts(row) for row in rows}


async def _first_activity(session: AsyncSession, programme_id: int) -> date | None:
    started = await session.scalar(
        select(func.min(CheckIn.created_at)).where(CheckIn.programme_id == programme_id)
    )
    return started.date() if started is not None else None


def _row(programme_id: int, counts: WeekCounts) -> dict[str, Any]:
    return {
        "programme_id": programme_id,
        "week": counts.week,
        "prompted": counts.prompted,
        "prompted_students": counts.prompted_students,
        "answered": counts.answered,
        "entries": counts.entries,
        "authors": counts.authors,
        **{f"mood_{mood}": count for mood, count in zip(MOODS, counts.moods, strict=True)},
    }


def _counts(row: EngagementWeek) -> WeekCounts:
    return WeekCounts(
        row.week,
        prompted=row.prompted,
        prompted_students=row.prompted_students,
        answered=row.answered,
        entries=row.entries,
        authors=row.authors,
        moods=(row.mood_1, row.mood_2, row.mood_3, row.mood_4, row.mood_5),
    )
