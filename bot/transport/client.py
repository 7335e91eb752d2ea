"""The Bot API for one question at a time (who the bot is, where its updates go), for the
command line and `frizon doctor`: no Application, no polling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot

from bot.transport.http import AiohttpRequest


@asynccontextmanager
async def bot_api(token: str, base_url: str) -> AsyncIterator[Bot]:
    """A bot for a few calls; InvalidToken when the server refuses the token, NetworkError
    (TimedOut among them) when it cannot be reached."""
    request = AiohttpRequest(connections=4)
    bot = Bot(token, base_url=base_url, request=request)
    try:
        await bot.initialize()  # getMe: a wrong token fails here
        yield bot
    finally:
        await bot.shutdown()
        await request.shutdown()  # when initialize failed, the bot's shutdown does nothing
