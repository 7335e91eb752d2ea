"""Replying with a rendered template: the one way handlers put words on the screen."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, Update

from bot.services.members import MemberView
from bot.texts.templates import locale_for
from handlers.context import FrizonContext


def locale_of_update(update: Update, member: MemberView | None = None) -> str:
    """The member's chosen locale, else the one their Telegram app reports."""
    if member is not None:
        return member.locale
    user = update.effective_user
    return locale_for(user.language_code if user else None)


async def reply(
    update: Update,
    context: FrizonContext,
    template: str,
    /,
    *,
    locale: str,
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
    **variables: Any,
) -> Message | None:
    text = context.services.texts.render(template, locale, **variables)
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, text, parse_mode="HTML", reply_markup=keyboard)
