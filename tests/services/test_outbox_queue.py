"""Queueing on a real database: two writers queueing the same message at the same moment
both succeed, and one row stands (the leader's look at the pairs beside the sandbox's
clock moving queued a digest twice and failed the second transaction)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.outbox.keys.digests import digest_key
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from db.models import Delivery, Role
from tests.factories import a_member, a_programme


async def queue_digest(session: AsyncSession, member_id: int, clock: ManualClock) -> Delivery:
    return await enqueue(
        session,
        member_id=member_id,
        purpose=Purpose.DIGEST,
        cycle=digest_key(2026, 50),
        subject_id=member_id,
        due_at=clock.now(),
    )


async def test_the_same_message_queued_by_two_writers_at_once_stands_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        mentor = (await a_member(session, clock.now(), programme, Role.MENTOR)).member_id

    async def the_other_writer() -> int:
        async with sessionmaker() as session, session.begin():
            return (await queue_digest(session, mentor, clock)).id

    async with sessionmaker() as session:
        async with session.begin():
            first = await queue_digest(session, mentor, clock)
            other = asyncio.create_task(the_other_writer())
            await asyncio.sleep(0.2)  # the other writer queues it meanwhile
        second_id = await other
        count = await session.scalar(select(func.count()).select_from(Delivery))

    assert first.id == second_id
    assert count == 1


async def test_queueing_a_message_again_returns_the_row_already_queued(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        mentor = (await a_member(session, clock.now(), programme, Role.MENTOR)).member_id
        first = await queue_digest(session, mentor, clock)
        clock.advance(timedelta(minutes=5))
        again = await queue_digest(session, mentor, clock)

    assert again is first and again.due_at == first.due_at
