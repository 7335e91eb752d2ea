"""Each kind of part sent with its own Bot API method, and plain keyboards as Telegram's."""

from __future__ import annotations

from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sending.outgoing import Copy, Media, MediaKind, Part, Text
from bot.texts.keyboards import Keyboard


async def send_part(bot: Bot, chat_id: int, part: Part, keyboard: Keyboard, **extra: Any) -> None:
    """Send one part; Telegram's errors (Forbidden, BadRequest, ...) reach the caller."""
    reply_markup = markup(keyboard) if keyboard else None
    match part:
        case Text(html=html):
            await bot.send_message(
                chat_id, html, parse_mode="HTML", reply_markup=reply_markup, **extra
            )
        case Media(kind=MediaKind.PHOTO):
            await bot.send_photo(
                chat_id, part.file_id, **_caption(part), reply_markup=reply_markup, **extra
            )
        case Media(kind=MediaKind.VOICE):
            await bot.send_voice(
                chat_id, part.file_id, **_caption(part), reply_markup=reply_markup, **extra
            )
        case Media(kind=MediaKind.DOCUMENT):
            await bot.send_document(
                chat_id, part.file_id, **_caption(part), reply_markup=reply_markup, **extra
            )
        case Copy(from_chat_id=from_chat_id, message_id=message_id):
            await bot.copy_message(
                chat_id, from_chat_id, message_id, reply_markup=reply_markup, **extra
            )
        case _:  # a kind added without its method must fail, never count as sent
            raise TypeError(f"no Bot API method sends {part!r}")


def _caption(media: Media) -> dict[str, Any]:
    return {"caption": media.caption, "parse_mode": "HTML"} if media.caption else {}


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup:
    """Plain buttons as Telegram's inline keyboard."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in keyboard]
    )
