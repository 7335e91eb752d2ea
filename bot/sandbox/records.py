"""The sandbox's records (users, the bot, chat messages) and their Telegram JSON shapes."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.sandbox.audio import VOICE_BYTES_PER_SECOND
from bot.sandbox.rendering import render_html

Sender = Literal["bot", "user"]
MediaKind = Literal["photo", "voice", "document"]
MEDIA_KINDS: tuple[MediaKind, ...] = ("photo", "voice", "document")
# Telegram keeps a photo in several sizes; the sandbox offers a small one and the full one.
_PHOTO_SIZES = ((320, 240), (1280, 960))


@dataclass(frozen=True)
class SandboxUser:
    """A person chatting with the bot; their private chat has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "en"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def to_telegram(self) -> dict[str, Any]:
        """The ``User`` object Telegram sends for this person."""
        return _without_none(
            {
                "id": self.id,
                "is_bot": False,
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
                "language_code": self.language_code,
            }
        )

    def private_chat(self) -> dict[str, Any]:
        """The ``Chat`` object of this person's private chat with the bot."""
        return _without_none(
            {
                "id": self.id,
                "type": "private",
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
            }
        )


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is, as getMe reports it."""

    id: int = 7000000001
    first_name: str = "frizon (sandbox)"
    username: str = "frizon_sandbox_bot"

    def to_telegram(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }


@dataclass
class ChatMessage:
    """One message in a private chat, in either direction.

    ``text`` is the plain text Telegram stores (HTML already parsed), ``html``
    the source the bot sent with parse mode HTML (else ``None``). ``seq`` is
    global and increases on every send *and* edit, so pollers asking for
    ``after_seq`` see edits too.

    A photo, voice note or document has ``media`` (see ``FileStore.add``:
    kind, file_id, file_unique_id, file_name, mime_type, file_size); then ``text``
    and ``entities`` are its caption ("" when it has none), as Telegram keeps them.
    """

    message_id: int
    seq: int
    chat_id: int
    sender: Sender
    text: str
    date: int
    entities: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edited: bool = False
    edit_date: int | None = None
    media: dict[str, Any] | None = None

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        if self.reply_markup is None:
            return []
        rows: list[list[dict[str, Any]]] = self.reply_markup.get("inline_keyboard", [])
        return rows

    def has_callback_button(self, data: str) -> bool:
        return any(
            button.get("callback_data") == data for row in self.inline_keyboard for button in row
        )

    def to_dict(self) -> dict[str, Any]:
        """The sandbox's own view, for tests and the web page."""
        return {
            "message_id": self.message_id,
            "seq": self.seq,
            "chat_id": self.chat_id,
            "sender": self.sender,
            "text": self.text,
            "entities": self.entities,
            "html": self.html,
            "safe_html": render_html(self.text, self.entities),
            "reply_markup": self.reply_markup,
            "inline_keyboard": self.inline_keyboard,
            "reply_to_message_id": self.reply_to_message_id,
            "date": self.date,
            "edited": self.edited,
            "media": self.media["kind"] if self.media else None,
            "file_id": self.media["file_id"] if self.media else None,
            "file_name": self.media.get("file_name") if self.media else None,
            "file_size": media_file_size(self.media) if self.media else None,
            "duration": media_duration(self.media) if self.media else None,
            "caption": self.text if self.media else None,
        }

    def to_telegram(
        self,
        *,
        sender: dict[str, Any],
        chat: dict[str, Any],
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The ``Message`` object as Telegram would send it."""
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": sender,
            "chat": chat,
            "date": self.date,
        }
        if self.media is None:
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        else:
            kind = self.media["kind"]
            message[kind] = media_to_telegram(self.media)
            if self.text:
                message["caption"] = self.text
            if self.entities:
                message["caption_entities"] = self.entities
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.inline_keyboard:
            # Telegram echoes only inline keyboards; reply keyboards stay client-side.
            message["reply_markup"] = {"inline_keyboard": self.inline_keyboard}
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message


def media_to_telegram(media: dict[str, Any]) -> Any:
    """The ``photo`` (a list of ``PhotoSize``), ``voice`` or ``document`` field of a message."""
    file = {"file_id": media["file_id"], "file_unique_id": media["file_unique_id"]}
    size = media_file_size(media)
    if media["kind"] == "photo":
        (small_w, small_h), (full_w, full_h) = _PHOTO_SIZES
        small = {
            "file_id": photo_thumbnail_id(media["file_id"]),
            "file_unique_id": photo_thumbnail_id(media["file_unique_id"]),
        }
        return [
            {**small, "width": small_w, "height": small_h, "file_size": max(1, size // 16)},
            {**file, "width": full_w, "height": full_h, "file_size": size},
        ]
    if media["kind"] == "voice":
        mime_type = media.get("mime_type") or "audio/ogg"
        return {
            **file,
            "duration": media_duration(media),
            "mime_type": mime_type,
            "file_size": size,
        }
    return _without_none(
        {
            **file,
            "file_name": media.get("file_name"),
            "mime_type": media.get("mime_type"),
            "file_size": size,
        }
    )


def media_file_size(media: dict[str, Any]) -> int:
    """The size in bytes: an upload's real one, else a stable made-up one for a placeholder."""
    size = media.get("file_size")
    if isinstance(size, int):
        return size
    return 4096 + zlib.crc32(str(media["file_unique_id"]).encode()) % 200_000


def media_duration(media: dict[str, Any]) -> int | None:
    """A voice note's seconds: those it was given (a recording), else a sample's from its
    size at a voice note's bit rate; ``None`` for other media."""
    if media["kind"] != "voice":
        return None
    duration = media.get("duration")
    if isinstance(duration, int):
        return duration
    return max(1, media_file_size(media) // VOICE_BYTES_PER_SECOND)


def photo_thumbnail_id(file_id: str) -> str:
    """The id of a photo's smaller size; derived, so no record needs to keep it."""
    return f"{file_id}{zlib.crc32(file_id.encode()) % 1000:03d}t"


def membership_change(
    user: SandboxUser, bot: BotIdentity, *, old: str, new: str, date: int
) -> dict[str, Any]:
    """A ``ChatMemberUpdated`` for the bot's status in ``user``'s private chat."""

    def member(status: str) -> dict[str, Any]:
        # A "kicked" ChatMember always carries until_date; 0 means forever.
        extra = {"until_date": 0} if status == "kicked" else {}
        return {"user": bot.to_telegram(), "status": status, **extra}

    return {
        "chat": user.private_chat(),
        "from": user.to_telegram(),
        "date": date,
        "old_chat_member": member(old),
        "new_chat_member": member(new),
    }


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
