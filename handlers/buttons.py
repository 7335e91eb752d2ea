"""Acknowledging button presses without letting a late acknowledgement abort the work."""

from __future__ import annotations

import logging

from telegram import CallbackQuery
from telegram.error import BadRequest

log = logging.getLogger(__name__)


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the client's spinner. Telegram refuses answers after ~15 s ("query is too old"),
    e.g. when the bot was restarting; the press itself is still handled."""
    try:
        await query.answer()
    except BadRequest as error:
        log.info("could not answer callback query: %s", error.message)
