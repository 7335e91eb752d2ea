"""What the sender counts for /metrics: each send by its outcome, as the sandbox's faults
make them (a 5xx, a 429, a time-out, a dropped connection, a blocked bot), and how late a
prompt went out."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.request import HTTPXRequest

from bot.core.clock import ManualClock
from bot.core.metrics import Metrics
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.sandbox import SandboxServer
from bot.sending.sender import OutboxSender
from db.models import Programme
from tests.e2e.sender_rig import (
    a_sender,
    ana_and_lars,
    sender_sandbox,  # noqa: F401 (the fixture `sandbox`)
)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def sender(
    sandbox: SandboxServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    metrics: Metrics,
) -> AsyncIterator[OutboxSender]:
    # A short read time-out, so a slow answer becomes a time-out quickly.
    request = HTTPXRequest(read_timeout=0.5, connect_timeout=2)
    async with a_sender(sandbox, sessionmaker, clock, request=request, metrics=metrics) as running:
        yield running


def sends(metrics: Metrics) -> dict[str, float]:
    return {
        sample.labels["outcome"]: sample.value
        for family in metrics.registry.collect()
        if family.name == "frizon_sends"
        for sample in family.samples
        if sample.name == "frizon_sends_total" and sample.value
    }


# The outcomes come from the Bot API, the same whichever database keeps the outbox.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_each_send_is_counted_by_its_outcome(
    sandbox: SandboxServer,
    sender: OutboxSender,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    metrics: Metrics,
) -> None:
    async with sessionmaker() as session, session.begin():
        ana, lars = await ana_and_lars(session, sandbox, clock)  # two introductions wait
    sandbox.state.block(lars.user.id)
    faults = sandbox.state.faults
    for kind in ("server_error", "too_many_requests", "slow", "reset"):
        faults.inject("sendMessage", kind, count=1, seconds=0.7, chat_id=ana.user.id)
        await sender.drain()
        clock.advance(timedelta(minutes=5))  # past any back-off
    await sender.drain()
    assert faults.unfired() == 0

    assert sends(metrics) == {"sent": 1, "403": 1, "5xx": 1, "429": 1, "timeout": 1, "network": 1}


async def test_a_prompt_sent_late_is_counted_by_how_late(
    sandbox: SandboxServer,
    sender: OutboxSender,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    metrics: Metrics,
) -> None:
    async with sessionmaker() as session, session.begin():
        ana, _ = await ana_and_lars(session, sandbox, clock)
        programme_id = await session.scalar(select(Programme.id))
        await enqueue(
            session,
            member_id=ana.member_id,
            purpose=Purpose.PROMPT,
            cycle="late",
            due_at=clock.now(),
            subject_id=programme_id,
            prompt_key="transition-who-welcomed-you",
        )
    clock.advance(timedelta(minutes=3))
    await sender.drain()

    name = "frizon_prompt_due_to_sent_seconds"
    assert metrics.registry.get_sample_value(f"{name}_count") == 1
    assert metrics.registry.get_sample_value(f"{name}_sum") == 180
