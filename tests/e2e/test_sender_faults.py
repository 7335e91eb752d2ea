"""The sender against Telegram's bad moments, injected by the sandbox: 5xx, 429, time-outs."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.domain.catalogue import Catalogue
from bot.sandbox import SandboxServer, SandboxUser
from bot.sending.sender import OutboxSender
from bot.services.members import Person
from bot.services.pairing import pair
from bot.texts.templates import Texts
from db.models import Delivery, DeliveryStatus, Member, Role
from tests.factories import a_member, a_programme

TOKEN = "6666666666:faults-token"


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=TOKEN, port=0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def sender(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> AsyncIterator[OutboxSender]:
    # A short read timeout, so a slow answer from the server becomes a TimedOut quickly.
    request = HTTPXRequest(read_timeout=0.5, connect_timeout=2)
    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url, request=request) as bot:
        yield OutboxSender(
            sessionmaker=sessionmaker,
            bot=bot,
            texts=Texts(),
            clock=clock,
            cipher=ReflectionCipher(new_key()),
            catalogue=Catalogue.load(),
        )


async def introductions(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> tuple[SandboxUser, SandboxUser]:
    """Ana and Lars, paired: two introductions wait in the outbox."""
    # Enrolled straight in the database: in life they pressed Start with their invite.
    ana, lars = (sandbox.state.add_user(name, started=True) for name in ("Ana", "Lars"))
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        student = await a_member(
            session,
            clock.now(),
            programme,
            Role.STUDENT,
            name="Ana",
            person=Person(ana.id, "Ana", "en"),
        )
        mentor = await a_member(
            session,
            clock.now(),
            programme,
            Role.MENTOR,
            name="Lars",
            person=Person(lars.id, "Lars", "en"),
        )
        await pair(
            session,
            now=clock.now(),
            programme=programme,
            student_id=student.member_id,
            mentor_id=mentor.member_id,
            actor="test",
        )
    return ana, lars


async def outcome(sessionmaker: async_sessionmaker[AsyncSession], name: str) -> Delivery:
    async with sessionmaker() as session:
        found = await session.scalar(
            select(Delivery)
            .join(Member, Member.id == Delivery.member_id)
            .where(Member.display_name == name)
        )
    assert found is not None
    return found


def intros(sandbox: SandboxServer, user: SandboxUser) -> int:
    return sum("You have a mentor" in m["text"] for m in sandbox.state.messages(user.id))


async def test_a_server_error_is_retried_after_a_back_off(
    sandbox: SandboxServer,
    sender: OutboxSender,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    ana, _ = await introductions(sandbox, sessionmaker, clock)
    sandbox.state.faults.inject("sendMessage", "server_error", count=1)

    assert await sender.drain() == 1  # one of the two got the 502
    failed_once = [
        d
        for d in (await outcome(sessionmaker, "Ana"), await outcome(sessionmaker, "Lars"))
        if d.status == DeliveryStatus.PENDING
    ]
    assert len(failed_once) == 1 and failed_once[0].attempts == 1
    assert await sender.drain() == 0  # backing off: not yet
    clock.advance(timedelta(seconds=5))
    assert await sender.drain() == 1
    assert intros(sandbox, ana) == 1


async def test_a_429_waits_retry_after_without_counting_as_a_failure(
    sandbox: SandboxServer,
    sender: OutboxSender,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    await introductions(sandbox, sessionmaker, clock)
    sandbox.state.faults.inject("sendMessage", "too_many_requests", count=1, seconds=7)

    await sender.drain()
    waiting = [
        d
        for d in (await outcome(sessionmaker, "Ana"), await outcome(sessionmaker, "Lars"))
        if d.status == DeliveryStatus.PENDING
    ]

    assert len(waiting) == 1
    assert waiting[0].attempts == 0
    assert waiting[0].next_attempt_at == clock.now() + timedelta(seconds=7)
    clock.advance(timedelta(seconds=7))
    assert await sender.drain() == 1


async def test_a_send_that_timed_out_is_sent_again_so_it_may_arrive_twice(
    sandbox: SandboxServer,
    sender: OutboxSender,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """Our decision: a time-out may hide a delivered message; we send again rather than
    risk losing it. The introduction arrives twice and the delivery ends as sent."""
    ana, lars = await introductions(sandbox, sessionmaker, clock)
    sandbox.state.faults.inject("sendMessage", "slow", count=2, seconds=1.5)

    await sender.drain()
    assert (await outcome(sessionmaker, "Ana")).status == DeliveryStatus.PENDING
    clock.advance(timedelta(seconds=5))
    await sender.drain()

    assert (await outcome(sessionmaker, "Ana")).status == DeliveryStatus.SENT
    assert intros(sandbox, ana) == 2
    assert sum("new mentee" in m["text"] for m in sandbox.state.messages(lars.id)) == 2
