"""The start every button handler shares: acknowledge the press, then know who pressed
it and in which language to answer."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Update

from bot.services.members import MemberView
from handlers.buttons import acknowledge
from handlers.context import FrizonContext
from handlers.people import current_member
from handlers.replies import locale_of_update


@dataclass(frozen=True)
class Press:
    query: CallbackQuery
    member: MemberView | None  # None: someone the bot does not know (or no longer)
    locale: str


async def pressed(update: Update, context: FrizonContext) -> Press | None:
    """The acknowledged press, or None when the update is not a button press."""
    query = update.callback_query
    if query is None:
        return None
    await acknowledge(query)
    member = await current_member(update, context)
    return Press(query, member, locale_of_update(update, member))
