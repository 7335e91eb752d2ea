"""The one error handler: log with the traceback, tell the person nothing changed."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.transport.handling import should_retry
from handlers.context import FrizonContext
from handlers.replies import locale_of_update, reply

log = logging.getLogger(__name__)


async def on_error(update: object, context: FrizonContext) -> None:
    """Log the failure; if a person was waiting for an answer, apologise."""
    if should_retry(context.error):
        # Not confirmed to Telegram: the update comes round again, so no apology now.
        log.warning("update failed for now (%s); it will be handled again", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        return  # they blocked the bot; there is no one to tell
    try:
        await reply(update, context, "errors/internal", locale=locale_of_update(update))
    except TelegramError:
        log.warning("could not send the error notice", exc_info=True)
