"""Two senders at once — a leader that has not yet noticed it lost its lock, and the one
that took over — never send a delivery twice: each part is claimed by a conditional
update that only one of them can win."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.sandbox import SandboxServer
from bot.services.pairing import pair
from db.engine import create_engine, create_sessionmaker
from db.models import Delivery, DeliveryStatus, Role
from tests.e2e.sender_rig import a_sender, enrolled, from_the_bot, sender_sandbox
from tests.factories import a_programme

__all__ = ["sender_sandbox"]  # the `sandbox` fixture
PAIRS = 15


@pytest.fixture
async def other_instance(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The second sender's own engine, as another process has."""
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_two_senders_draining_at_once_send_each_introduction_once(
    sandbox: SandboxServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    other_instance: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    people = []
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        for number in range(PAIRS):
            student = await enrolled(
                session, sandbox, clock, programme, Role.STUDENT, f"Student{number}"
            )
            mentor = await enrolled(
                session, sandbox, clock, programme, Role.MENTOR, f"Mentor{number}"
            )
            await pair(
                session,
                now=clock.now(),
                programme=programme,
                student_id=student.member_id,
                mentor_id=mentor.member_id,
                actor="test",
            )
            people += [student, mentor]

    async with (
        a_sender(sandbox, sessionmaker, clock) as here,
        a_sender(sandbox, other_instance, clock) as there,
    ):
        sent = await asyncio.gather(here.drain(), there.drain())

    assert sum(sent) == 2 * PAIRS
    assert all(len(from_the_bot(sandbox, who.user.id)) == 1 for who in people)
    async with sessionmaker() as session:
        statuses = await session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        )
    assert {status: count for status, count in statuses} == {DeliveryStatus.SENT: 2 * PAIRS}
