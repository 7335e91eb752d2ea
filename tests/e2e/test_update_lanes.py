"""Updates from different chats are handled at once, each chat's in order: one person's
slow step does not keep everyone else waiting, and nobody's messages overtake each other."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.core.clock import ManualClock
from handlers.context import FrizonContext
from tests.e2e.harness import running_bot


async def test_a_slow_update_holds_up_its_own_chat_only(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with running_bot(database_url, sessionmaker, clock) as bot:
        slow, other = bot.user("Slow"), bot.user("Other")
        release = asyncio.Event()
        seen: list[str] = []

        async def hold_up_the_slow_chat(update: Update, context: FrizonContext) -> None:
            assert update.effective_user is not None and update.effective_message is not None
            seen.append(f"{update.effective_user.first_name}: {update.effective_message.text}")
            if update.effective_user.id == slow.id and update.effective_message.text == "/help":
                await release.wait()

        bot.application.add_handler(
            MessageHandler(filters.ALL, hold_up_the_slow_chat, block=True), group=-10
        )
        bot.says(slow, "/help")
        bot.says(slow, "/privacy")
        bot.says(other, "/help")

        await bot.hears(other, "/")  # answered while the slow chat is still held up
        assert "Slow: /privacy" not in seen  # the slow chat's next message waits its turn
        release.set()
        first = await bot.hears(slow)
        second = await bot.hears(slow)

    assert seen.index("Slow: /help") < seen.index("Slow: /privacy")
    assert first["message_id"] < second["message_id"]
    assert "• a student" not in first["text"].lower()  # /help's answer came first
    assert "• a student" in second["text"].lower()  # then /privacy's
