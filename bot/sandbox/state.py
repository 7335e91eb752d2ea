"""``SandboxState``: everything the fake Telegram remembers, and what each side does to it."""

from __future__ import annotations

from bot.sandbox.bot_side import BotSide
from bot.sandbox.reading import Reading
from bot.sandbox.user_side import UserSide


class SandboxState(UserSide, BotSide, Reading):
    """In-memory Telegram for private chats; safe to use from one event loop.

    One object, so tests, the page and the Bot API routes share one memory
    (``bot/sandbox/memory.py``); each side's methods live in their own module:
    ``user_side.py`` (what a person does), ``bot_side.py`` (what the bot does),
    ``reading.py`` (what tests and the page read and wait for).
    """
