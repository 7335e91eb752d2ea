"""Programme statistics for coordinators: counts computed in SQL, never any content.

Every figure is an aggregate over a group of people; a group smaller than
`privacy.min_group_size` makes the figure *suppressed* (None), so that nobody can be
singled out. The same `ProgrammeStats` feeds `frizon stats`, /stats, the chart and the
engagement export, so the numbers agree wherever a coordinator reads them.

`since` limits the time series (weeks, months) and the counts of events (prompts,
entries, meetings, help uses) to that day onward; enrolment, pairs and the list of
what needs attention always describe today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.attention import Attention, Concern, needing_attention
from bot.services.engagement import WeekCounts, engagement_by_week, monday_of, settle_weeks
from bot.services.meeting_stats import (
    MonthMeetings,
    buckets_of,
    median_of,
    meetings_by_month,
    overall,
    settle_months,
)
from db.models import (
    HelpUse,
    Invite,
    Membership,
    Pair,
    PairStatus,
    Programme,
    QuietPeriod,
    Role,
)

MOOD_KEYS = tuple(f"mood_{mood}" for mood in range(1, 6))
MEETING_BUCKET_KEYS = ("pair_months_0", "pair_months_1", "pair_months_2", "pair_months_3plus")


@dataclass(frozen=True)
class Figure:
    key: str
    value: int | float | None  # None: suppressed, the group is too small to show
    group: int  # how many people the figure is about


@dataclass(frozen=True)
class WeekFigures:
    week: date  # the Monday
    response_rate: int | None  # percent of prompts answered; None when suppressed
    moods: tuple[int, ...] | None  # entries per mood 1..5; None when suppressed
    prompted: bool  # any prompt went out: None above then means "suppressed", not "none"
    wrote: bool  # anyone wrote an entry
    # A day of the week lies in one of the programme's quiet periods (exams): no prompts
    # were meant to go out, which is not the same as a week too small to be shown.
    quiet_period: bool = False


@dataclass(frozen=True)
class MonthFigures:
    month: date  # the first day
    pairs: int | None  # pairs active that month; None when suppressed
    median: float | None  # meetings per pair that month
    buckets: tuple[int, ...] | None  # pairs with 0, 1, 2, 3+ meetings
    paired: bool = False  # any pair was active: None above then means "suppressed"


@dataclass(frozen=True)
class ProgrammeStats:
    programme: str
    min_group_size: int
    today: date
    since: date | None
    figures: tuple[Figure, ...]
    weeks: tuple[WeekFigures, ...]
    months: tuple[MonthFigures, ...]
    attention: tuple[Attention, ...]  # named, most urgent first, limited per concern
    attention_counts: dict[Concern, int]  # every case

    def value(self, key: str) -> int | float | None:
        return next(figure.value for figure in self.figures if figure.key == key)


async def programme_stats(
    session: AsyncSession,
    *,
    programme: Programme,
    today: date,
    min_group_size: int,
    since: date | None = None,
) -> ProgrammeStats:
    shown = _Suppression(min_group_size)
    if session.get_bind().dialect.name == "postgresql":
        # The weekly counts cross PostgreSQL's JIT threshold, and compiling them costs
        # more than running them: off for this transaction only.
        await session.execute(text("SET LOCAL jit = off"))
    first = since or programme.anchor_day or programme.created_at.date()
    figures = await _enrolment(session, programme, shown)

    active_pairs = await _count(
        session,
        select(func.count()).where(
            Pair.programme_id == programme.id, Pair.status == PairStatus.ACTIVE
        ),
    )
    attention = await needing_attention(session, programme=programme, today=today)
    quiet = attention.counts[Concern.NO_MEETING]
    met = attention.met_within_rhythm
    in_pairs = 2 * active_pairs
    figures += [
        shown.figure("active_pairs", active_pairs, in_pairs),
        shown.figure("pairs_met_within_rhythm", met, in_pairs),
        shown.figure("pairs_not_met_within_rhythm", quiet, in_pairs),
    ]

    months, pairs_in_window = await meetings_by_month(
        session, programme_id=programme.id, first=first, today=today
    )
    all_months = overall(months)
    people = 2 * pairs_in_window
    figures.append(shown.figure("meetings_per_pair_month_median", median_of(all_months), people))
    for key, count in zip(MEETING_BUCKET_KEYS, buckets_of(all_months), strict=True):
        figures.append(shown.figure(key, count, people))

    weeks = await engagement_by_week(session, programme=programme, first=first, today=today)
    figures += _engagement_totals(weeks, shown)

    help_uses = await _count(
        session,
        select(func.coalesce(func.sum(HelpUse.uses), 0)).where(
            HelpUse.programme_id == programme.id, HelpUse.week >= monday_of(first)
        ),
    )
    students = await _count(
        session,
        select(func.count()).where(
            Membership.programme_id == programme.id, Membership.role == Role.STUDENT
        ),
    )
    figures.append(shown.figure("help_uses", help_uses, students))
    quiet_periods = (
        await session.execute(
            select(QuietPeriod.first_day, QuietPeriod.last_day).where(
                QuietPeriod.programme_id == programme.id
            )
        )
    ).all()
    return ProgrammeStats(
        programme=programme.name,
        min_group_size=min_group_size,
        today=today,
        since=since,
        figures=tuple(figures),
        weeks=tuple(_week(week, shown, quiet_periods) for week in weeks),
        months=tuple(_month(month, shown) for month in months),
        attention=attention.named,
        attention_counts=attention.counts,
    )


class _Suppression:
    def __init__(self, min_group_size: int) -> None:
        self.min_group_size = min_group_size

    def allows(self, group: int) -> bool:
        return group >= self.min_group_size

    def figure(self, key: str, value: int | float | None, group: int) -> Figure:
        return Figure(key, value if self.allows(group) else None, group)


async def _enrolment(
    session: AsyncSession, programme: Programme, shown: _Suppression
) -> list[Figure]:
    invited = dict(
        (
            await session.execute(
                select(Invite.role, func.count())
                .where(Invite.programme_id == programme.id)
                .group_by(Invite.role)
            )
        ).all()
    )
    enrolled = dict(
        (
            await session.execute(
                select(Membership.role, func.count())
                .where(Membership.programme_id == programme.id)
                .group_by(Membership.role)
            )
        ).all()
    )
    figures = []
    for role in (Role.STUDENT, Role.MENTOR):
        for key, counts in (("invited", invited), ("enrolled", enrolled)):
            count = counts.get(role, 0)
            figures.append(shown.figure(f"{key}_{role.value}s", count, count))
    return figures


def _engagement_totals(weeks: list[WeekCounts], shown: _Suppression) -> list[Figure]:
    prompted = sum(week.prompted for week in weeks)
    answered = sum(week.answered for week in weeks)
    entries = sum(week.entries for week in weeks)
    # Distinct people over many weeks are not kept; the largest week's group is a lower
    # bound of them, so it is a safe group size for the totals.
    prompted_group = max((week.prompted_students for week in weeks), default=0)
    author_group = max((week.authors for week in weeks), default=0)
    figures = [
        shown.figure("prompts_sent", prompted, prompted_group),
        shown.figure("response_rate_percent", _percent(answered, prompted), prompted_group),
        shown.figure("entries", entries, author_group),
    ]
    for index, key in enumerate(MOOD_KEYS):
        figures.append(shown.figure(key, sum(week.moods[index] for week in weeks), author_group))
    return figures


def _week(
    counts: WeekCounts, shown: _Suppression, quiet_periods: Sequence[tuple[date, date]]
) -> WeekFigures:
    sunday = counts.week + timedelta(days=6)
    return WeekFigures(
        week=counts.week,
        response_rate=_percent(counts.answered, counts.prompted)
        if shown.allows(counts.prompted_students)
        else None,
        moods=counts.moods if shown.allows(counts.authors) else None,
        prompted=counts.prompted > 0,
        wrote=counts.entries > 0,
        quiet_period=any(first <= sunday and counts.week <= last for first, last in quiet_periods),
    )


def _month(month: MonthMeetings, shown: _Suppression) -> MonthFigures:
    visible = shown.allows(2 * month.pairs)
    return MonthFigures(
        month=month.month,
        pairs=month.pairs if visible else None,
        median=month.median if visible else None,
        buckets=month.buckets() if visible else None,
        paired=month.pairs > 0,
    )


def _percent(part: int, whole: int) -> int | None:
    """Rounded half up; None when there is nothing to divide by."""
    return (200 * part + whole) // (2 * whole) if whole else None


async def _count(session: AsyncSession, query: object) -> int:
    return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


async def settle_every_programme(session: AsyncSession, *, now: datetime) -> int:
    """Keep the counts of every programme's settled weeks and months (each on its own
    calendar); returns how many weeks were added."""
    kept = 0
    for programme in (await session.scalars(select(Programme))).all():
        today = now.astimezone(ZoneInfo(programme.timezone)).date()
        kept += await settle_weeks(session, programme=programme, today=today)
        await settle_months(session, programme=programme, today=today)
    return kept
