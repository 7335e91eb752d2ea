"""The ways a coordinator gets the statistics, each timed in process on a loaded
programme, beside a plain count of the check-ins as the baseline."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benchmarks.timing import Timing, first_line
from bot.core.config import PrivacyConfig
from bot.reports.chart import render_chart
from bot.services.stats import programme_stats
from bot.texts.templates import Texts
from db.models import CheckIn, Programme
from handlers.stats import summary_variables

MIN_GROUP_SIZE = PrivacyConfig().min_group_size
TEXTS = Texts()
Run = Callable[[AsyncSession, Programme, date], Awaitable[object]]


@dataclass(frozen=True)
class Operation:
    """One way a coordinator gets the statistics, timed in process on a loaded programme.
    Adding a measured path (the /stats reply with its chart, say) is one more entry."""

    name: str
    run: Run


async def stats_in_process(session: AsyncSession, programme: Programme, today: date) -> object:
    return await programme_stats(
        session, programme=programme, today=today, min_group_size=MIN_GROUP_SIZE
    )


async def stats_message(session: AsyncSession, programme: Programme, today: date) -> object:
    """The first message of /stats: the figures and the summary text."""
    stats = await programme_stats(
        session, programme=programme, today=today, min_group_size=MIN_GROUP_SIZE
    )
    return TEXTS.render("stats/summary", "en", **summary_variables(stats))


async def stats_with_chart(session: AsyncSession, programme: Programme, today: date) -> object:
    """All of /stats: the figures, the summary text, then the PNG chart (its own message)."""
    stats = await programme_stats(
        session, programme=programme, today=today, min_group_size=MIN_GROUP_SIZE
    )
    return TEXTS.render("stats/summary", "en", **summary_variables(stats)), render_chart(stats)


OPERATIONS = [
    Operation("programme_stats", stats_in_process),
    Operation("/stats first message (figures, text)", stats_message),
    Operation("/stats with its chart (figures, text, PNG)", stats_with_chart),
]


async def count_checkins(session: AsyncSession, programme: Programme, today: date) -> object:
    return await session.scalar(select(func.count()).select_from(CheckIn))


BASELINE = Operation("SELECT count(*) FROM checkin", count_checkins)


def today_in(programme: Programme) -> date:
    """The programme's local date, as `frizon stats` takes it."""
    return datetime.now(UTC).astimezone(ZoneInfo(programme.timezone)).date()


async def time_operation(
    sessionmaker: async_sessionmaker[AsyncSession],
    programme_id: int,
    operation: Operation,
    repeat: int,
    *,
    forget_kept_weeks: bool = False,
) -> Timing:
    """Each run in a session of its own, as an update or a CLI command has; the first is
    a warm-up, committed (it keeps the settled weeks, as the running bot would have).
    With `forget_kept_weeks`, every run first removes the programme's kept weekly counts
    and is rolled back: the first /stats of a programme whose weeks were never kept."""
    timing = Timing()
    for attempt in range(repeat + 1):
        try:
            async with sessionmaker() as session:
                programme = await session.get(Programme, programme_id)
                assert programme is not None
                today = today_in(programme)
                if forget_kept_weeks:
                    await session.execute(
                        text("DELETE FROM engagement_week WHERE programme_id = :id"),
                        {"id": programme_id},
                    )
                started = time.perf_counter()
                await operation.run(session, programme, today)
                elapsed = time.perf_counter() - started
                if forget_kept_weeks:
                    await session.rollback()
                else:
                    await session.commit()
        except Exception as error:  # a figure that fails is reported, the rest still run
            timing.error = first_line(error)
            return timing
        if attempt:
            timing.seconds.append(elapsed)
    return timing
