"""Inline-button plumbing shared by the button flows: acknowledge, edit, cancel, page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, NetworkError

from handlers.context import FrizonContext

log = logging.getLogger(__name__)


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the client's spinner; the press itself is handled whatever the answer. Telegram
    refuses answers after ~15 s ("query is too old"), e.g. when the bot was restarting;
    a 5xx, a dropped connection or a time-out is not worth handling the press again for
    (the spinner stops by itself)."""
    try:
        await query.answer()
    except NetworkError as error:  # BadRequest and TimedOut among them
        log.info("could not answer callback query: %s", error.message)


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the pressed message; already gone (a repeat) is fine."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


def offered(query: CallbackQuery) -> bool:
    """Whether the pressed message carries a button with exactly this press's data.

    Telegram sends the message as it is now, not as the client claims; a press forged
    onto another message, or onto one whose buttons are gone, is not offered there.
    """
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return False
    return any(
        button.callback_data == query.data
        for row in message.reply_markup.inline_keyboard
        for button in row
    )


def with_cancel(
    rows: list[list[InlineKeyboardButton]], context: FrizonContext, locale: str, data: str
) -> InlineKeyboardMarkup:
    label = context.services.texts.render("buttons/cancel", locale)
    return InlineKeyboardMarkup([*rows, [InlineKeyboardButton(label, callback_data=data)]])


async def edit_to(
    query: CallbackQuery,
    context: FrizonContext,
    template: str,
    locale: str,
    /,
    *,
    keyboard: InlineKeyboardMarkup | None = None,
    **variables: Any,
) -> None:
    """Replace the pressed message with the next step of the flow.

    A photo or a file has no text to replace (none of the bot's own carries buttons, so
    such a press was forged onto it): the step then comes as a new message instead, as
    it must when the press has already changed something.
    """
    text = context.services.texts.render(template, locale, **variables)
    message = query.message
    if isinstance(message, Message) and message.text is None:
        await _send_instead(query, context, text, keyboard)
        return
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=keyboard)
    except BadRequest as error:
        reason = error.message.lower()
        if "no text in the message" in reason:  # a file we could not see was one
            await _send_instead(query, context, text, keyboard)
        # A double tap asks for the same edit twice; Telegram refuses the second.
        elif "not modified" not in reason:
            raise


async def _send_instead(
    query: CallbackQuery,
    context: FrizonContext,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
) -> None:
    if query.message is not None:
        await context.bot.send_message(
            query.message.chat.id, text, parse_mode="HTML", reply_markup=keyboard
        )


PAGE_SIZE = 10


def paged(
    rows: list[list[InlineKeyboardButton]],
    page: int,
    context: FrizonContext,
    locale: str,
    page_data: Callable[[int], str],
) -> list[list[InlineKeyboardButton]]:
    """One page of choice rows, with Previous/Next buttons where there is more."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    navigation = []
    if page > 0:
        label = context.services.texts.render("buttons/previous", locale)
        navigation.append(InlineKeyboardButton(label, callback_data=page_data(page - 1)))
    if page < pages - 1:
        label = context.services.texts.render("buttons/next", locale)
        navigation.append(InlineKeyboardButton(label, callback_data=page_data(page + 1)))
    return [*shown, navigation] if navigation else shown
