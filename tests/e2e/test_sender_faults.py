"""The sender against Telegram's bad moments, injected by the sandbox: 5xx, 429, time-outs."""

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.request import HTTPXRequest

from bot.core.clock import ManualClock
from bot.outbox.purposes import Purpose
from bot.sandbox import SandboxServer, SandboxUser
from bot.sending.composer import ComposeContext, Composer
from bot.sending.outgoing import Outgoing
from bot.sending.registry import COMPOSERS
from bot.sending.sender import OutboxSender
from db.models import Delivery, DeliveryStatus, Member
from tests.e2e.sender_rig import (
    a_sender,
    ana_and_lars,
    sender_sandbox,  # noqa: F401 (the fixture `sandbox`)
    the_delivery,
)


@pytest.fixture
async def sender(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> AsyncIterator[OutboxSender]:
    # A short read timeout, so a slow answer from the server becomes a TimedOut quickly.
    request = HTTPXRequest(read_timeout=0.5, connect_timeout=2)
    async with a_sender(sandbox, sessionmaker, clock, request=request) as running:
        yield running


async def introductions(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> tuple[SandboxUser, SandboxUser]:
    """Ana and Lars, paired: two introductions wait in the outbox."""
    async with sessionmaker() as session, session.begin():
        ana, lars = await ana_and_lars(session, sandbox, clock)
    return ana.user, lars.user


async def outcome(sessionmaker: async_sessionmaker[AsyncSession], name: str) -> Delivery:
    return await the_delivery(sessionmaker, Member.display_name == name)


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


async def test_the_database_lost_while_preparing_leaves_the_batch_pending(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    # The connection dies while a delivery is composed (PostgreSQL restarted, the
    # session's backend terminated): that is the database's moment, not the row's, and
    # must not fail the delivery — nor the others read with it in the same session.
    await introductions(sandbox, sessionmaker, clock)
    lost = {"once": True}

    def losing_the_database(composer: Composer) -> Composer:
        async def compose(
            session: AsyncSession, delivery: Delivery, member: Member, context: ComposeContext
        ) -> Outgoing:
            if lost.pop("once", False):
                raise OperationalError("SELECT", {}, ConnectionResetError("gone"))
            return await composer.compose(session, delivery, member, context)

        return dataclasses.replace(composer, compose=compose)

    composers = [losing_the_database(c) if c.purpose == Purpose.INTRO else c for c in COMPOSERS]
    async with a_sender(sandbox, sessionmaker, clock, composers=composers) as sender:
        with pytest.raises(OperationalError):
            await sender.drain()
        assert (await outcome(sessionmaker, "Ana")).status == DeliveryStatus.PENDING
        assert (await outcome(sessionmaker, "Lars")).status == DeliveryStatus.PENDING

        assert await sender.drain() == 2
