"""What every handler can reach: the services, through a typed context."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.crypto import ReflectionCipher
from bot.core.metrics import Metrics
from bot.domain.catalogue import Catalogue
from bot.sending.pacing import ChatPace
from bot.sending.sender import OutboxSender
from bot.texts.templates import Texts
from bot.transport.reply_reports import ReplyReports
from bot.transport.send_budget import SendBudget


@dataclass(frozen=True)
class Services:
    config: Config
    sessionmaker: async_sessionmaker[AsyncSession]
    texts: Texts
    clock: Clock
    cipher: ReflectionCipher
    catalogue: Catalogue
    wake_sender: Callable[[], None]
    chat_pace: ChatPace  # at most one message a second to a chat, whoever sends it


class BotData:
    """Application-wide data; holds the services once the composition root attaches them."""

    def __init__(self) -> None:
        self._services: Services | None = None
        # Owned by the composition root, which starts and stops them with the bot.
        self.sender: OutboxSender | None = None
        self.sender_task: asyncio.Task[None] | None = None
        self.leadership_task: asyncio.Task[None] | None = None
        # This instance runs the sender and the periodic jobs (bot/app/leadership.py).
        self.leading = False
        # The token's one send budget, shared by the replies and the outbox; the leader
        # hears other instances' replies through `reply_reports` (PostgreSQL only).
        self.budget = SendBudget(None)
        self.reply_reports: ReplyReports | None = None
        # What /metrics shows; the composition root gives the bot's own registry.
        self.metrics = Metrics()
        # Where /healthz, /readyz and /metrics listen, while they do ([health] enabled).
        self.health_port: int | None = None
        # Set when updates can no longer arrive (another process takes them): the bot
        # must stop, and `stopped_because` says why in one line.
        self.stopped = asyncio.Event()
        self.stopped_because = ""

    def attach(self, services: Services) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services were not attached to the application")
        return self._services


class FrizonContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services


FrizonApplication = Application[
    ExtBot[Any], FrizonContext, dict[Any, Any], dict[Any, Any], BotData, Any
]

CONTEXT_TYPES = ContextTypes(context=FrizonContext, bot_data=BotData)
