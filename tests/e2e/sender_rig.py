"""The outbox sender alone against its own sandbox, for the tests of how it sends: the
sandbox, a sender (the real composers, or some replaced), members to send to, and what
the outbox and the chats hold afterwards. A module imports the fixtures it wants."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import BaseRequest

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.core.metrics import Metrics
from bot.domain.catalogue import Catalogue
from bot.sandbox import SandboxServer, SandboxUser
from bot.sending.composer import Composer
from bot.sending.registry import COMPOSERS
from bot.sending.sender import OutboxSender
from bot.services.members import Person
from bot.services.pairing import pair
from bot.texts.templates import Texts
from db.models import Delivery, Member, Programme, Role
from tests.factories import a_member, a_programme

TOKEN = "6666666666:sender-token"
CIPHER = ReflectionCipher(new_key())  # the sender reads what the tests wrote with it


# Named apart from the fixtures they stand for, so that a module importing them may take
# `sandbox` and `sender` as arguments without shadowing an import.
@pytest.fixture(name="sandbox")
async def sender_sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=TOKEN, port=0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(name="sender")
async def plain_sender(
    sandbox: SandboxServer, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> AsyncIterator[OutboxSender]:
    async with a_sender(sandbox, sessionmaker, clock) as running:
        yield running


@asynccontextmanager
async def a_sender(
    sandbox: SandboxServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    *,
    composers: Iterable[Composer] = COMPOSERS,
    request: BaseRequest | None = None,
    metrics: Metrics | None = None,
) -> AsyncIterator[OutboxSender]:
    """A sender with its bot open against the sandbox, until the block ends."""
    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url, request=request) as bot:
        yield OutboxSender(
            sessionmaker=sessionmaker,
            bot=bot,
            texts=Texts(),
            clock=clock,
            cipher=CIPHER,
            catalogue=Catalogue.load(),
            composers=composers,
            metrics=metrics,
        )


@dataclass(frozen=True)
class Enrolled:
    user: SandboxUser
    member_id: int


async def enrolled(
    session: AsyncSession,
    sandbox: SandboxServer,
    clock: ManualClock,
    programme: Programme,
    role: Role,
    name: str,
) -> Enrolled:
    """A member enrolled straight in the database: in life they pressed Start with their
    invite."""
    user = sandbox.state.add_user(name, started=True)
    member = await a_member(
        session, clock.now(), programme, role, name=name, person=Person(user.id, name, "en")
    )
    return Enrolled(user, member.member_id)


async def ana_and_lars(
    session: AsyncSession, sandbox: SandboxServer, clock: ManualClock
) -> tuple[Enrolled, Enrolled]:
    """Ana, a student, paired with Lars, a mentor: two introductions wait in the outbox."""
    programme = await a_programme(session, clock.now())
    ana = await enrolled(session, sandbox, clock, programme, Role.STUDENT, "Ana")
    lars = await enrolled(session, sandbox, clock, programme, Role.MENTOR, "Lars")
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=ana.member_id,
        mentor_id=lars.member_id,
        actor="test",
    )
    return ana, lars


async def the_delivery(
    sessionmaker: async_sessionmaker[AsyncSession], *where: ColumnElement[bool]
) -> Delivery:
    """The delivery that meets the conditions (its member's columns among them)."""
    async with sessionmaker() as session:
        found = await session.scalar(
            select(Delivery).join(Member, Member.id == Delivery.member_id).where(*where)
        )
    assert found is not None
    return found


def from_the_bot(sandbox: SandboxServer, chat_id: int) -> list[dict[str, Any]]:
    return [m for m in sandbox.state.messages(chat_id) if m["sender"] == "bot"]
