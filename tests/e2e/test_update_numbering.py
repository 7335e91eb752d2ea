"""A Bot API server whose update ids start again never makes the bot skip a new update."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.application import build_application, serving
from bot.core.clock import ManualClock
from bot.core.config import Config, DatabaseConfig
from bot.core.crypto import ReflectionCipher, new_key
from bot.sandbox import SandboxServer
from db.models import ProcessedUpdate
from tests.e2e.harness import TOKEN

NO_INVITE = (
    "Hello. frizon supports mentoring programmes, and you join one through a personal "
    "invite link.\n\nIf you are in a programme, your coordinator can send you your link. "
    "Open it and I will take it from there."
)


async def processed_count(sessionmaker: async_sessionmaker[AsyncSession], wanted: int) -> int:
    """How many updates are recorded as handled, waiting a little for ``wanted`` (the
    poller records an update just after its reply has gone out)."""
    for _ in range(100):
        async with sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0
        if count >= wanted:
            return count
        await asyncio.sleep(0.05)
    return count


@asynccontextmanager
async def bot_polling(
    server: SandboxServer,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> AsyncIterator[None]:
    """A fresh bot process's worth of state: a new Application, no offset remembered."""
    application = build_application(
        config=Config(database=DatabaseConfig(url=database_url)),
        sessionmaker=sessionmaker,
        clock=clock,
        token=TOKEN,
        base_url=server.bot_api_base_url,
        cipher=ReflectionCipher(new_key()),
        pair_checks=False,
    )
    async with serving(application, poll_timeout=timedelta(seconds=1)):
        yield


async def test_a_server_numbering_updates_from_one_again_is_still_answered(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    server = SandboxServer(token=TOKEN, port=0)
    await server.start()
    try:
        stranger = server.state.add_user("Stranger")
        async with bot_polling(server, database_url, sessionmaker, clock):
            for _ in range(3):  # update ids 1, 2 and 3 are now in the processed table
                server.state.user_sends_text(stranger.id, "/start")
                await server.state.wait_for_bot_message(stranger.id, contains="invite link")
            assert await processed_count(sessionmaker, 3) == 3

        # What Telegram does after a week without updates (and the sandbox did after a
        # restart): the chat goes on, the update ids start again.
        server.state.updates.next_id = 1
        async with bot_polling(server, database_url, sessionmaker, clock):
            update = server.state.user_sends_text(stranger.id, "/start")
            assert update["update_id"] == 1
            reply = await server.state.wait_for_bot_message(stranger.id, timeout=10)
            assert await processed_count(sessionmaker, 4) == 4
        assert reply["text"] == NO_INVITE
    finally:
        await server.stop()
