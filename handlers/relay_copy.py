"""One relayed message as the partner receives it: a header naming the sender, then the
sender's own words, whole.

The header shares the message when both fit Telegram's limits (4,096 characters of text,
1,024 of caption, counted in UTF-16 code units after entity parsing). When they do not,
or the message takes no caption (a sticker, a video note), the header goes on its own
first and the original is copied unchanged: copy_message carries its text or caption
and every entity exactly. Each message sent waits its turn in the chat's pace.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit, ParseMode

from bot.sending.pacing import ChatPace

# Media that take a caption; the header goes into it when there is room.
CAPTIONED = ("photo", "video", "document", "audio", "voice", "animation")


@dataclass(frozen=True)
class Relayed:
    """The partner's copy, and the header when it went as a message of its own."""

    copy_id: int
    header_id: int | None = None


async def send_relayed(
    bot: Bot,
    pace: ChatPace,
    *,
    chat_id: int,
    message: Message,
    header: str,
    answer: InlineKeyboardMarkup,
) -> Relayed:
    """Send `message` to `chat_id` under `header` (HTML); `answer` goes under the copy."""
    if message.text is not None:
        if _fits(header, message.text, MessageLimit.MAX_TEXT_LENGTH):
            await pace.wait(chat_id)
            # text_html comes escaped by PTB, with the sender's formatting.
            sent = await bot.send_message(
                chat_id,
                f"{header}\n{message.text_html}",
                parse_mode=ParseMode.HTML,
                reply_markup=answer,
            )
            return Relayed(sent.message_id)
    elif _captioned(message) and _fits(header, message.caption or "", MessageLimit.CAPTION_LENGTH):
        caption = f"{header}\n{message.caption_html}" if message.caption else header
        await pace.wait(chat_id)
        copied = await bot.copy_message(
            chat_id,
            message.chat_id,
            message.message_id,
            caption=caption,
            parse_mode=ParseMode.HTML,
            reply_markup=answer,
        )
        return Relayed(copied.message_id)
    await pace.wait(chat_id)
    alone = await bot.send_message(chat_id, header, parse_mode=ParseMode.HTML)
    await pace.wait(chat_id)
    copied = await bot.copy_message(
        chat_id, message.chat_id, message.message_id, reply_markup=answer
    )
    return Relayed(copied.message_id, header_id=alone.message_id)


def _fits(header: str, words: str, limit: int) -> bool:
    """Header, line break and words within `limit`. The header is counted as its HTML
    source, never shorter than the text Telegram makes of it: within a few characters of
    the limit the header may go apart when it need not, but nothing is ever refused."""
    return _utf16_len(header) + 1 + _utf16_len(words) <= limit


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _captioned(message: Message) -> bool:
    return any(getattr(message, kind, None) for kind in CAPTIONED)
