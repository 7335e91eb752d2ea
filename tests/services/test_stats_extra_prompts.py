"""Prompts outside the cadence in the statistics: a prompt a coordinator sends now
(`frizon prompt send`) and the farewell prompt count in the week of the day their key
names, every prompt counted and every student once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.domain.catalogue import Catalogue
from bot.outbox.keys.prompts import (
    cycle_day_in_sql,
    cycle_key,
    farewell_key,
    parse_cycle_key,
    sent_now_key,
)
from bot.outbox.purposes import Purpose
from bot.services.engagement import WeekCounts, count_weeks
from bot.services.pairing import unpair
from bot.services.prompts import queue_prompt_now
from bot.services.stats import programme_stats
from db.models import Delivery, DeliveryStatus, EngagementWeek, Programme, Role
from tests.services.test_stats import TODAY, answer, members_in_role, seeded, with_weeks

CYCLE = date(2026, 8, 31)  # the cycle current on TODAY's morning (prompts: Monday 18:00)


async def sent_by_the_bot(session: AsyncSession, clock: ManualClock) -> dict[int, int]:
    """Every pending prompt delivered, as the sender leaves it; member id -> delivery id."""
    await session.execute(
        update(Delivery)
        .where(Delivery.purpose == Purpose.PROMPT, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SENT, finished_at=clock.now())
    )
    rows = await session.execute(
        select(Delivery.member_id, Delivery.id).where(
            Delivery.purpose == Purpose.PROMPT, Delivery.finished_at == clock.now()
        )
    )
    return {member_id: delivery_id for member_id, delivery_id in rows}


async def a_prompt_sent_now(
    session: AsyncSession, clock: ManualClock, programme: Programme, *, answers: int
) -> None:
    """`frizon prompt send` on TODAY's morning; the first `answers` students answer it."""
    queued = await queue_prompt_now(
        session, now=clock.now(), catalogue=Catalogue.load(), programme=programme, actor="cli"
    )
    assert queued == 6
    sent = await sent_by_the_bot(session, clock)
    clock.advance(timedelta(hours=1))
    for member_id in sorted(sent)[:answers]:
        await answer(session, clock, member_id, 4, sent[member_id])


async def test_a_prompt_sent_now_counts_in_its_cycles_week_and_each_student_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)  # 31 August: 6 prompted, 5 answered
    await a_prompt_sent_now(session, clock, programme, answers=4)

    counted = await count_weeks(session, programme=programme, first=CYCLE, last=TODAY)
    stats = await programme_stats(
        session, programme=programme, today=TODAY, min_group_size=5, since=CYCLE
    )

    # Both prompts of the cycle reached the six students: 12 prompts, 9 answered.
    assert counted[CYCLE] == WeekCounts(
        CYCLE, prompted=12, prompted_students=6, answered=9, entries=5, authors=5,
        moods=(0, 1, 1, 1, 2),
    )  # fmt: skip
    assert counted[TODAY].prompted == 0 and counted[TODAY].entries == 4  # answered today
    assert [(w.week, w.response_rate, w.prompted) for w in stats.weeks] == [
        (CYCLE, 75, True),
        (TODAY, None, False),
    ]
    assert stats.value("prompts_sent") == 12 and stats.value("response_rate_percent") == 75
    assert next(f.group for f in stats.figures if f.key == "prompts_sent") == 6


async def test_a_settled_week_keeps_a_prompt_sent_now_the_same_way(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)
    await a_prompt_sent_now(session, clock, programme, answers=4)
    settled = TODAY + timedelta(weeks=2)  # the week of 31 August is kept from now on

    stats = await programme_stats(
        session, programme=programme, today=settled, min_group_size=5, since=CYCLE
    )
    kept = await session.scalar(select(EngagementWeek).where(EngagementWeek.week == CYCLE))

    assert kept is not None
    assert (kept.prompted, kept.prompted_students, kept.answered) == (12, 6, 9)
    assert stats.weeks[0].response_rate == 75


async def test_a_farewell_prompt_counts_in_the_week_its_pair_ended(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    student = (await members_in_role(session, programme.id, Role.STUDENT))[0]
    clock.set(datetime(2026, 9, 7, 8, tzinfo=UTC))
    await unpair(session, now=clock.now(), programme=programme, student_id=student.id, actor="test")
    sent = await sent_by_the_bot(session, clock)
    await answer(session, clock, student.id, 2, sent[student.id])

    counted = await count_weeks(session, programme=programme, first=TODAY, last=TODAY)
    relaxed = await programme_stats(
        session, programme=programme, today=TODAY, min_group_size=1, since=TODAY
    )

    assert counted[TODAY].prompted == 1 and counted[TODAY].answered == 1
    assert relaxed.weeks[0].response_rate == 100


@pytest.mark.parametrize("programme_id", [7, 1234])
async def test_the_database_reads_the_same_day_from_every_kind_of_key(
    session: AsyncSession, programme_id: int
) -> None:
    day = date(2026, 11, 30)
    keys = [
        cycle_key(programme_id, day),
        sent_now_key(programme_id, day, datetime(2026, 12, 1, 8, 55, 40, tzinfo=UTC)),
        farewell_key(programme_id, day, 12),
    ]

    in_sql = [
        await session.scalar(select(cycle_day_in_sql(literal(key), programme_id))) for key in keys
    ]

    assert in_sql == [parse_cycle_key(key).day.isoformat() for key in keys] == ["2026-11-30"] * 3
