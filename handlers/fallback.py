"""Everything no other handler took: a kind reply that changes nothing."""

from __future__ import annotations

from telegram import Update

from bot.services.members import MemberView
from db.models import Role
from handlers.buttons import acknowledge
from handlers.context import FrizonContext
from handlers.coordination import menu_waiting
from handlers.people import current_member
from handlers.replies import locale_of_update, reply


async def unknown_command(update: Update, context: FrizonContext) -> None:
    """A command the bot does not have."""
    member = await current_member(update, context)
    await reply(update, context, "errors/unknown_command", locale=locale_of_update(update, member))


async def stray(
    update: Update, context: FrizonContext, member: MemberView | None, *, entry_open: bool
) -> None:
    """Text or media that nothing is waiting for; strangers are told how to join."""
    locale = locale_of_update(update, member)
    message = update.effective_message
    if member is None:
        await reply(update, context, "errors/not_enrolled", locale=locale)
    elif entry_open:  # a sticker, a photo and the like beside an open entry: not kept in it
        await reply(update, context, "checkin/text_only", locale=locale)
    elif message is not None and message.voice is not None and member.has_role(Role.STUDENT):
        await reply(update, context, "errors/voice_without_entry", locale=locale)
    elif message is not None and message.text is None:
        await reply(update, context, "errors/unsupported", locale=locale)
    elif menu_waiting(context):  # in the middle of /pair, /unpair, /match, /export, /stats
        await reply(update, context, "errors/menu_waiting", locale=locale)
    else:
        await reply(update, context, "errors/free_text", locale=locale)


async def stale_button(update: Update, context: FrizonContext) -> None:
    """A button from an old message, or callback data the bot never made."""
    query = update.callback_query
    if query is None:
        return
    await acknowledge(query)
    member = await current_member(update, context)
    template = "errors/stale_button" if member is not None else "errors/stranger_button"
    await reply(update, context, template, locale=locale_of_update(update, member))


async def edited(update: Update, context: FrizonContext) -> None:
    """An edited message: nothing re-runs and no entry changes; say so, kindly."""
    member = await current_member(update, context)
    await reply(update, context, "errors/edited", locale=locale_of_update(update, member))
