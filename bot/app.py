"""The composition root: builds the Application and wires services, sender and handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot.clock import Clock
from bot.config import Config
from bot.crypto import ReflectionCipher
from bot.sending import OutboxSender
from bot.texts import Texts
from handlers.context import CONTEXT_TYPES, FrizonApplication, Services
from handlers.menus import set_default_menu
from handlers.registry import register_handlers

log = logging.getLogger(__name__)


def build_application(
    *,
    config: Config,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    token: str,
    base_url: str,
    cipher: ReflectionCipher,
    texts: Texts | None = None,
) -> FrizonApplication:
    """Build the bot; `base_url` names the Bot API server (Telegram, the sandbox, or another)."""
    texts = texts or Texts()
    application: FrizonApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .context_types(CONTEXT_TYPES)
        # Paces the bot below Telegram's limits and retries a 429 after retry_after.
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    sender = OutboxSender(
        sessionmaker=sessionmaker, bot=application.bot, texts=texts, clock=clock, cipher=cipher
    )
    application.bot_data.attach(
        Services(
            config=config,
            sessionmaker=sessionmaker,
            texts=texts,
            clock=clock,
            cipher=cipher,
            wake_sender=sender.wake,
        )
    )
    application.bot_data.sender = sender
    register_handlers(application)
    return application


@asynccontextmanager
async def serving(
    application: FrizonApplication, *, poll_timeout: timedelta = timedelta(seconds=10)
) -> AsyncIterator[None]:
    """Run the bot (long polling) and its services for the duration of the block."""
    try:
        await application.initialize()
    except Exception:
        # A rejected token fails initialize() half-way; PTB's shutdown() then skips the
        # bot's HTTP clients, so close them here.
        await application.bot.shutdown()
        raise
    try:
        await _start_services(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=poll_timeout)
        try:
            yield
        finally:
            await application.updater.stop()
            await application.stop()
    finally:
        await _stop_services(application)
        await application.shutdown()


async def _start_services(application: FrizonApplication) -> None:
    """Once the bot is initialised: set the menus and start the sender."""
    await set_default_menu(application.bot, application.bot_data.services.texts)
    sender = application.bot_data.sender
    if sender is not None:
        application.bot_data.sender_task = asyncio.create_task(sender.run(), name="outbox-sender")
    log.info("bot @%s is ready", application.bot.username)


async def _stop_services(application: FrizonApplication) -> None:
    task = application.bot_data.sender_task
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
