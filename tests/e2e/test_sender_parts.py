"""A long shared entry goes out in parts, and the outbox remembers how many went out: a
failure (or a crash) between parts never sends the earlier parts again."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from bot.sandbox import SandboxServer, SandboxUser
from bot.sending.sender import OutboxSender
from bot.services.checkins import add_text, finish, start_checkin
from bot.services.members import Person
from bot.services.pairing import pair
from bot.texts.templates import Texts
from db.models import Delivery, DeliveryStatus, Role
from tests.factories import a_member, a_programme

TOKEN = "6666666667:parts-token"
CIPHER = ReflectionCipher(new_key())
# Three paragraphs of about 2,000 characters: the words go out as three parts.
WORDS = "\n\n".join(f"Paragraph {n}: " + "word " * 400 for n in range(3))


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
    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url) as bot:
        yield OutboxSender(
            sessionmaker=sessionmaker,
            bot=bot,
            texts=Texts(),
            clock=clock,
            cipher=CIPHER,
            catalogue=Catalogue.load(),
        )


async def a_long_shared_entry(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> SandboxUser:
    """Ana shares a long entry with Lars; the introductions have gone out already."""
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
        for delivery in await session.scalars(select(Delivery)):
            delivery.status = DeliveryStatus.SENT  # not what this test is about
        started = await start_checkin(
            session, now=clock.now(), member_id=student.member_id, mood=3, delivery_id=None
        )
        await add_text(
            session,
            member_id=student.member_id,
            message_id=1,
            text=WORDS,
            cipher=CIPHER,
            now=clock.now(),
        )
        await finish(
            session,
            now=clock.now(),
            member_id=student.member_id,
            checkin_id=started.checkin_id,
            share=True,
        )
    return lars


async def shared_entry(sessionmaker: async_sessionmaker[AsyncSession]) -> Delivery:
    async with sessionmaker() as session:
        found = await session.scalar(
            select(Delivery).where(Delivery.purpose == Purpose.SHARED_ENTRY)
        )
    assert found is not None
    return found


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

    texts = [m["text"] for m in sandbox.state.messages(lars.id) if m["sender"] == "bot"]
    assert (halfway.status, halfway.parts_sent, halfway.attempts) == (DeliveryStatus.PENDING, 1, 1)
    assert len(texts) == 4
    assert "Ana shared an entry with you" in texts[0]
    assert texts[1:] == [paragraph.strip() for paragraph in WORDS.split("\n\n")]  # once each
    done = await shared_entry(sessionmaker)
    assert (done.status, done.parts_sent, done.claimed_at) == (DeliveryStatus.SENT, 4, None)
