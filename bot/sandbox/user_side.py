"""What a person does in their Telegram app: writes, sends a photo, a voice note or a file,
presses a button (or forges a press), blocks and unblocks the bot."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.audio import NOT_AUDIO, audio_type, voice_duration
from bot.sandbox.html import MAX_CAPTION_LENGTH, MAX_MESSAGE_LENGTH, FormattedText, utf16_len
from bot.sandbox.memory import Memory
from bot.sandbox.records import MediaKind, SandboxUser, membership_change

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
MAX_FILE_NAME_LENGTH = 255


class UserSide(Memory):
    """The user's side of each chat: every action queues the ``Update`` the bot gets."""

    def user_sends_text(
        self,
        user_id: int,
        text: str,
        *,
        reply_to_message_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The user writes to the bot; returns the queued ``Update`` as Telegram shapes it.

        ``entities`` is the formatting the user's app set (bold, a link), offsets in
        UTF-16 units of the trimmed text; without it, a leading command is marked.
        """
        self._active_user(user_id)
        text = text.strip()
        if not text or utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise ValueError(f"text must be 1-{MAX_MESSAGE_LENGTH} characters")
        if reply_to_message_id is not None and reply_to_message_id not in self._chats[user_id]:
            raise ValueError(f"no message {reply_to_message_id} in chat {user_id}")
        message = self._record(
            user_id,
            "user",
            FormattedText(text, _client_entities(text, entities)),
            reply_to_message_id=reply_to_message_id,
        )
        self._chats[user_id].user_typed(text)
        update = self.updates.put("message", self._telegram_message(message))
        return update or {}

    def user_sends_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        caption_entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The user sends a (placeholder) photo; returns the queued ``Update``.

        ``caption_entities`` as ``entities`` for ``user_sends_text``.
        """
        return self._user_sends_media(
            user_id, "photo", None, caption, reply_to_message_id, caption_entities
        )

    def user_sends_voice(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        content: bytes | None = None,
        measured_seconds: float | None = None,
    ) -> dict[str, Any]:
        """The user sends a voice note; returns the queued ``Update``.

        With ``content`` (audio recorded or picked on the page) the bot downloads those
        bytes, typed by them; the duration is theirs where the container says it, else
        ``measured_seconds`` (what the page measured). Without, a sample voice note.
        """
        file = None
        if content is not None:
            if not content:
                raise ValueError("a voice note must not be empty")
            if audio_type(content) is None:
                raise ValueError(NOT_AUDIO)
            file = {"content": content, "duration": voice_duration(content, measured_seconds)}
        return self._user_sends_media(user_id, "voice", file, caption, reply_to_message_id)

    def user_sends_document(
        self,
        user_id: int,
        file_name: str,
        *,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        file_size: int | None = None,
        content: bytes | None = None,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        """The user sends a file called ``file_name``; returns the queued ``Update``.

        With ``content`` the bot downloads exactly those bytes; without, a sample file
        of ``file_size`` bytes (made up when not given). ``mime_type`` is what the
        user's app reports; by default it is guessed from the name, as Telegram does.
        """
        file_name = file_name.strip()
        if not 1 <= len(file_name) <= MAX_FILE_NAME_LENGTH or "/" in file_name:
            raise ValueError(f"file_name must be 1-{MAX_FILE_NAME_LENGTH} characters, no '/'")
        if file_size is not None and file_size < 1:
            raise ValueError("file_size must be positive")
        if content is not None and not content:
            raise ValueError("a file must not be empty")  # Telegram's apps refuse empty files
        return self._user_sends_media(
            user_id,
            "document",
            {
                "file_name": file_name,
                "file_size": file_size,
                "content": content,
                "mime_type": mime_type or None,
            },
            caption,
            reply_to_message_id,
        )

    def user_presses_button(self, user_id: int, message_id: int, callback_data: str) -> str:
        """The user taps an inline button; returns the callback query id."""
        message = self._chats[self._active_user(user_id).id].get(message_id)
        if message is not None and not message.has_callback_button(callback_data):
            raise ValueError(f"message {message_id} has no button with data {callback_data!r}")
        return self.user_sends_callback_data(user_id, message_id, callback_data)

    def user_sends_callback_data(self, user_id: int, message_id: int, callback_data: str) -> str:
        """What a modified client can do: send callback data the message never offered.

        Telegram passes such data on (only its 64-byte limit holds), so bots must not
        trust it; tests use this to forge presses.
        """
        self._active_user(user_id)
        message = self._chats[user_id].get(message_id)
        if message is None or message.sender != "bot":
            raise ValueError(f"no bot message {message_id} in chat {user_id}")
        if len(callback_data.encode("utf-8")) > 64:
            raise ValueError("callback data is limited to 64 bytes")
        query_id = self.callbacks.open()
        self.updates.put(
            "callback_query",
            {
                "id": query_id,
                "from": self._users[user_id].to_telegram(),
                "message": self._telegram_message(message),
                "chat_instance": str(-user_id * 7919),  # stable per chat, like Telegram's
                "data": callback_data,
            },
        )
        return query_id

    def block(self, user_id: int) -> None:
        """The user blocks the bot: later sends get 403, and the bot hears my_chat_member."""
        self.user(user_id)
        if user_id not in self._blocked:
            self._blocked.add(user_id)
            self._queue_membership(user_id, old="member", new="kicked")

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot (Telegram tells the bot with my_chat_member)."""
        self.user(user_id)
        if user_id in self._blocked:
            self._blocked.discard(user_id)
            self._queue_membership(user_id, old="kicked", new="member")

    def _active_user(self, user_id: int) -> SandboxUser:
        user = self.user(user_id)
        if user_id in self._blocked:
            raise ValueError(f"user {user_id} has blocked the bot; unblock first")
        return user

    def _user_sends_media(
        self,
        user_id: int,
        kind: MediaKind,
        file: dict[str, Any] | None,
        caption: str | None,
        reply_to_message_id: int | None,
        caption_entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Checks as ``user_sends_text`` does, then a new file with an optional caption.

        ``file`` holds ``FileStore.add`` arguments (a document's name, size, content and
        type; a voice note's content and duration).
        """
        self._active_user(user_id)
        caption = (caption or "").strip()
        if utf16_len(caption) > MAX_CAPTION_LENGTH:
            raise ValueError(f"caption must be at most {MAX_CAPTION_LENGTH} characters")
        if reply_to_message_id is not None and reply_to_message_id not in self._chats[user_id]:
            raise ValueError(f"no message {reply_to_message_id} in chat {user_id}")
        media = self.files.add(kind, **(file or {}))
        message = self._record(
            user_id,
            "user",
            FormattedText(caption, _client_entities(caption, caption_entities)),
            reply_to_message_id=reply_to_message_id,
            media=media,
        )
        update = self.updates.put("message", self._telegram_message(message))
        return update or {}

    def _queue_membership(self, user_id: int, *, old: str, new: str) -> None:
        user = self._users[user_id]
        change = membership_change(user, self.bot, old=old, new=new, date=int(self._clock()))
        self.updates.put("my_chat_member", change)


def _client_entities(text: str, entities: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The entities a user's app attaches: those given (checked against the text, as
    Telegram does), else the command it marks at the start."""
    if entities is None:
        return _command_entities(text)
    size = utf16_len(text)
    for entity in entities:
        if not 0 <= entity["offset"] < entity["offset"] + entity["length"] <= size:
            raise ValueError(f"entity {entity} lies outside the text ({size} UTF-16 units)")
    return sorted((dict(e) for e in entities), key=lambda e: (e["offset"], -e["length"]))


def _command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity a client marks at the start of a text or caption."""
    command = _COMMAND.match(text)
    if command is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command[0])}]
