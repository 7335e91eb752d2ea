"""A long shared entry goes out in parts, and the outbox remembers how many went out: a
failure (or a crash) between parts never sends the earlier parts again."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.outbox.purposes import Purpose
from bot.sandbox import SandboxServer, SandboxUser
from bot.sending.sender import OutboxSender
from bot.services.checkins import add_text, finish, start_checkin
from db.models import Delivery, DeliveryStatus
from tests.e2e.sender_rig import (
    CIPHER,
    ana_and_lars,
    from_the_bot,
    plain_sender,  # noqa: F401 (the fixture `sender`)
    sender_sandbox,  # noqa: F401 (the fixture `sandbox`)
    the_delivery,
)

# Three paragraphs of about 2,000 characters: the words go out as three parts.
WORDS = "\n\n".join(f"Paragraph {n}: " + "word " * 400 for n in range(3))


async def a_long_shared_entry(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> SandboxUser:
    """Ana shares a long entry with Lars; the introductions have gone out already."""
    async with sessionmaker() as session, session.begin():
        ana, lars = await ana_and_lars(session, sandbox, clock)
        for delivery in await session.scalars(select(Delivery)):
            delivery.status = DeliveryStatus.SENT  # not what this test is about
        started = await start_checkin(
            session, now=clock.now(), member_id=ana.member_id, mood=3, delivery_id=None
        )
        await add_text(
            session,
            member_id=ana.member_id,
            message_id=1,
            text=WORDS,
            cipher=CIPHER,
            now=clock.now(),
        )
        await finish(
            session,
            now=clock.now(),
            member_id=ana.member_id,
            checkin_id=started.checkin_id,
            share=True,
        )
    return lars.user


async def shared_entry(sessionmaker: async_sessionmaker[AsyncSession]) -> Delivery:
    return await the_delivery(sessionmaker, Delivery.purpose == Purpose.SHARED_ENTRY)


async def test_a_failure_between_parts_sends_only_the_parts_still_to_go(
    sandbox: SandboxServer,
    sender: OutboxSender,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    lars = await a_long_shared_entry(sandbox, sessionmaker, clock)
    # The header goes through; the first part of the words meets a 502.
    sandbox.state.faults.inject("sendMessage", "server_error", skip=1)

    assert await sender.drain() == 0
    halfway = await shared_entry(sessionmaker)
    clock.advance(timedelta(seconds=5))
    assert await sender.drain() == 1

    texts = [m["text"] for m in from_the_bot(sandbox, lars.id)]
    assert (halfway.status, halfway.parts_sent, halfway.attempts) == (DeliveryStatus.PENDING, 1, 1)
    assert len(texts) == 4
    assert "Ana shared an entry with you" in texts[0]
    assert texts[1:] == [paragraph.strip() for paragraph in WORDS.split("\n\n")]  # once each
    done = await shared_entry(sessionmaker)
    assert (done.status, done.parts_sent, done.claimed_at) == (DeliveryStatus.SENT, 4, None)
