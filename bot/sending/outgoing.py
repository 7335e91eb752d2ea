"""What a composer hands the sender: a chat, its parts in order, a keyboard under the last.

A part is text (HTML), a file Telegram already holds sent by its `file_id` (a photo, a
voice note or a document) with an optional caption, or a copy of a message in some chat.
Each goes out as its own message, claimed and settled in the ledger like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.texts.keyboards import Keyboard


@dataclass(frozen=True)
class Text:
    html: str


class MediaKind(StrEnum):
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"


@dataclass(frozen=True)
class Media:
    kind: MediaKind
    file_id: str  # Telegram's, from a message the bot received or sent
    caption: str = ""  # HTML; none when empty


@dataclass(frozen=True)
class Copy:
    """A message sent again as the bot's own, without "forwarded from"."""

    from_chat_id: int
    message_id: int


Part = Text | Media | Copy


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    parts: tuple[Part, ...]  # sent in order as separate messages
    keyboard: Keyboard = ()  # under the last part


def text(chat_id: int, *html: str, keyboard: Keyboard = ()) -> Outgoing:
    """Text parts only: what every purpose sends today."""
    return Outgoing(chat_id, tuple(Text(part) for part in html), keyboard)
