"""What the bot does through the Bot API routes: send, copy and edit messages, with
Telegram's 400s and 403s (an unknown chat, a blocked user, one who never wrote)."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import bad_request, forbidden
from bot.sandbox.html import FormattedText
from bot.sandbox.memory import Memory
from bot.sandbox.records import MEDIA_KINDS, ChatMessage, SandboxUser

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class BotSide(Memory):
    """The bot's side of each chat; its methods answer as the Bot API would."""

    def require_chat(self, chat_id: int) -> SandboxUser:
        """The chat's user, or Telegram's 400 for unknown chats."""
        if chat_id not in self._users:
            raise bad_request("chat not found")
        return self._users[chat_id]

    def require_reachable(self, chat_id: int) -> SandboxUser:
        """Like ``require_chat`` plus Telegram's 403s: the user blocked the bot, or never
        wrote to it (a bot cannot start a conversation)."""
        user = self.require_chat(chat_id)
        if chat_id in self._blocked:
            raise forbidden("bot was blocked by the user")
        if not self._chats[chat_id].user_wrote:
            raise forbidden("bot can't initiate conversation with a user")
        return user

    def bot_sends(
        self,
        chat_id: int,
        formatted: FormattedText,
        *,
        html: str | None = None,
        reply_markup: dict[str, Any] | None = None,
        reply_to_message_id: int | None = None,
        allow_sending_without_reply: bool = False,
        media: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """sendMessage, or sendPhoto etc. with ``media`` (then ``formatted`` is the caption).

        Records the bot's message and returns it as a Telegram ``Message``.
        """
        message = self._bot_records(
            chat_id,
            formatted,
            html=html,
            reply_markup=reply_markup,
            reply_to_message_id=reply_to_message_id,
            allow_sending_without_reply=allow_sending_without_reply,
            media=media,
        )
        return self._telegram_message(message)

    def bot_copies(
        self,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        *,
        caption: FormattedText | None = None,
        caption_html: str | None = None,
        reply_markup: dict[str, Any] | None = None,
        reply_to_message_id: int | None = None,
        allow_sending_without_reply: bool = False,
    ) -> dict[str, Any]:
        """copyMessage: the bot resends a message's content; returns a ``MessageId``.

        A copy of a text stays a text (``caption`` is ignored, as on Telegram); a
        photo, voice note or document keeps its file and takes ``caption`` when
        given, else keeps its own. The original's inline keyboard is not copied.
        """
        self.require_reachable(chat_id)
        source = self.message_to_copy(from_chat_id, message_id)
        content = FormattedText(source.text, list(source.entities))
        html = source.html
        if source.media is not None and caption is not None:
            content, html = caption, caption_html
        copy = self._bot_records(
            chat_id,
            content,
            html=html,
            reply_markup=reply_markup,
            reply_to_message_id=reply_to_message_id,
            allow_sending_without_reply=allow_sending_without_reply,
            media=dict(source.media) if source.media else None,
        )
        return {"message_id": copy.message_id}

    def message_to_copy(self, from_chat_id: int, message_id: int) -> ChatMessage:
        """The message copyMessage would copy, or Telegram's 400."""
        self.require_chat(from_chat_id)
        source = self._chats[from_chat_id].get(message_id)
        if source is None:
            raise bad_request("message to copy not found")
        return source

    def bot_edits(
        self,
        chat_id: int,
        message_id: int,
        *,
        formatted: FormattedText | None,
        html: str | None = None,
        reply_markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """editMessageText (``formatted`` given) or editMessageReplyMarkup (``None``).

        As on Telegram, an edit without ``reply_markup`` removes the inline keyboard.
        """
        self.require_reachable(chat_id)
        message = self._chats[chat_id].get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message.sender != "bot":
            raise bad_request("message can't be edited")
        if formatted is not None and message.media is not None:
            raise bad_request("there is no text in the message to edit")
        text = formatted.text if formatted else message.text
        entities = formatted.entities if formatted else message.entities
        if (text, entities, reply_markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities, reply_markup
        if formatted is not None:
            message.html = html
        message.edited, message.edit_date = True, int(self._clock())
        message.seq = self._take_seq()
        self._notify_chat(chat_id)
        return self._telegram_message(message)

    def _bot_records(
        self,
        chat_id: int,
        formatted: FormattedText,
        *,
        html: str | None,
        reply_markup: dict[str, Any] | None,
        reply_to_message_id: int | None,
        allow_sending_without_reply: bool,
        media: dict[str, Any] | None,
    ) -> ChatMessage:
        self.require_reachable(chat_id)
        if media is not None and media["kind"] not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {media['kind']!r}")
        if reply_to_message_id is not None and reply_to_message_id not in self._chats[chat_id]:
            if not allow_sending_without_reply:
                raise bad_request("message to be replied not found")
            reply_to_message_id = None
        message = self._record(
            chat_id,
            "bot",
            formatted,
            html=html,
            reply_markup=reply_markup,
            reply_to_message_id=reply_to_message_id,
            media=media,
        )
        self._chats[chat_id].show_markup(reply_markup)
        return message
