"""Everything the fake Telegram remembers: users, chats, messages, updates, blocks."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from bot.sandbox.audio import NOT_AUDIO, audio_type, voice_duration
from bot.sandbox.callbacks import CallbackQueries
from bot.sandbox.chatlog import ChatLog
from bot.sandbox.commands import CommandRegistry
from bot.sandbox.errors import bad_request, forbidden
from bot.sandbox.faults import Faults
from bot.sandbox.files import FileStore
from bot.sandbox.html import MAX_MESSAGE_LENGTH, FormattedText, utf16_len
from bot.sandbox.records import (
    MEDIA_KINDS,
    BotIdentity,
    ChatMessage,
    MediaKind,
    SandboxUser,
    Sender,
    membership_change,
)
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.wakeup import Deadline, Wakeup

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MAX_CAPTION_LENGTH = 1024  # UTF-16 units, like texts
FIRST_USER_ID = 100_001  # the people a person plays on the page count up from here
MAX_FILE_NAME_LENGTH = 255


class SandboxState:
    """In-memory Telegram for private chats; safe to use from one event loop."""

    def __init__(self, *, bot: BotIdentity | None = None, clock: Callable[[], float] = time.time):
        self.bot = bot or BotIdentity()
        self.commands = CommandRegistry()
        self._clock = clock
        self._wakeup = Wakeup()
        self.updates = UpdateQueue(self._wakeup)
        self._users: dict[int, SandboxUser] = {}
        self._chats: dict[int, ChatLog] = {}
        self._next_seq = 1  # see ChatMessage.seq
        self._blocked: set[int] = set()
        self.callbacks = CallbackQueries(self._wakeup, clock)
        self.faults = Faults()  # injected by tests: 5xx, 429, slow answers
        self.too_many_requests = 0  # 429s answered because of the rate limits
        self.files = FileStore()  # every photo, voice note and document, with its bytes

    # Users and the user side of each chat -------------------------------------------

    @property
    def users(self) -> list[SandboxUser]:
        return list(self._users.values())

    def user(self, user_id: int) -> SandboxUser:
        """The user with this id; ``ValueError`` when there is none."""
        if user_id not in self._users:
            raise ValueError(f"no sandbox user with id {user_id}")
        return self._users[user_id]

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
        started: bool = False,
        user_id: int | None = None,
    ) -> SandboxUser:
        """Create a user (ids count up from 100001) with an empty private chat.

        The bot may write to them only once they wrote to it (pressed Start or sent
        anything), as on Telegram; ``started`` is a user who did so before, with the
        history since cleared. ``user_id`` gives a person who has a Telegram account
        already (the demo cohort) their own id.
        """
        if not first_name.strip():
            raise ValueError("first_name must not be empty")
        if user_id is None:
            user_id = max([FIRST_USER_ID - 1, *self._users]) + 1
        elif user_id in self._users:
            raise ValueError(f"there is a user {user_id} already")
        user = SandboxUser(user_id, first_name, last_name, username, language_code)
        self._users[user_id] = user
        self._chats[user_id] = ChatLog()
        self._chats[user_id].user_wrote = started
        return user

    def is_blocked(self, user_id: int) -> bool:
        return user_id in self._blocked

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

    # Reading chats (tests and the web page) -----------------------------------------

    def messages(self, chat_id: int, *, after_seq: int = 0) -> list[dict[str, Any]]:
        """Messages sent or edited after ``after_seq``, in chat order."""
        chat = self._chats.get(chat_id)
        return [m.to_dict() for m in chat.after(after_seq)] if chat else []

    # The public waits take ``timeout`` like asyncio.wait_for; they poll shared state.
    async def wait_for_messages(
        self,
        chat_id: int,
        *,
        after_seq: int,
        timeout: float,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Like ``messages`` but waits up to ``timeout`` seconds for at least one."""
        deadline = Deadline(timeout)
        while not (found := self.messages(chat_id, after_seq=after_seq)):
            if deadline.remaining() == 0 or self._wakeup.closed:
                break
            await self._wakeup.wait(deadline.remaining())
        return found

    async def wait_for_bot_message(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Wait for the next unread bot message (or edit) whose text contains ``contains``.

        Each chat has a read cursor. A call returns the earliest bot message
        sent or edited after the cursor that matches, and moves the cursor to
        it, so bot messages before the match (matching or not) count as read.
        An edit counts as a new message. On timeout ``TimeoutError`` shows the
        transcript.
        """
        chat = self._chat(chat_id)
        deadline = Deadline(timeout)
        while (message := chat.read_next_bot_message(contains)) is None:
            if deadline.remaining() == 0:
                wanted = f" containing {contains!r}" if contains is not None else ""
                raise TimeoutError(
                    f"no new bot message{wanted} in chat {chat_id} within {timeout}s; "
                    f"transcript:\n{chat.transcript()}"
                )
            await self._wakeup.wait(deadline.remaining())
        return message.to_dict()

    @property
    def last_seq(self) -> int:
        """The newest ``seq`` given out: every message and edit so far is at or below it."""
        return self._next_seq - 1

    @property
    def closed(self) -> bool:
        """The server is stopping: waits return at once."""
        return self._wakeup.closed

    async def wait_for_change(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait up to ``timeout`` seconds for anything to change (a message, an edit, an
        update, an answer); ``False`` when the time ran out first."""
        return await self._wakeup.wait(timeout)

    def changed(self) -> None:
        """Wake every wait: something they may show changed without a message (a menu)."""
        self._wakeup.notify()

    def transcript(self, chat_id: int) -> str:
        """The chat as readable lines, for failure messages."""
        return self._chat(chat_id).transcript()

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the bot last showed in this chat, if still shown."""
        chat = self._chats.get(chat_id)
        return chat.reply_keyboard if chat else None

    def commands_for(self, chat_id: int) -> list[dict[str, str]]:
        """The command menu a user sees in this private chat."""
        user = self._users.get(chat_id)
        return self.commands.for_private_chat(chat_id, user.language_code if user else "")

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """What the bot answered to this callback query (text, show_alert, url), if it did."""
        return self.callbacks.answer_for(query_id)

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes uploaded for a file (e.g. a bot's CSV export); ``None`` for samples."""
        return self.files.content(file_id)

    def close(self) -> None:
        """Release every long poll (the server is stopping)."""
        self._wakeup.close()

    # The bot's side (called by the Bot API routes) ----------------------------------

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
        self._wakeup.notify()
        return self._telegram_message(message)

    # Keeping it across restarts (bot/sandbox/store.py) ------------------------------

    def dump(self) -> dict[str, Any]:
        """Everything a restarted sandbox needs to go on as if it had never stopped:
        users, chats, files, command menus, blocks and every numbering."""
        return {
            "users": [asdict(user) for user in self._users.values()],
            "chats": {str(chat_id): chat.dump() for chat_id, chat in self._chats.items()},
            "next_seq": self._next_seq,
            "blocked": sorted(self._blocked),
            "updates": self.updates.dump(),
            "callbacks": self.callbacks.dump(),
            "files": self.files.dump(),
            "commands": self.commands.dump(),
        }

    def load(self, data: dict[str, Any]) -> None:
        """Take over what ``dump`` wrote; call it on a fresh state, before serving."""
        for user in data["users"]:
            self._users[user["id"]] = SandboxUser(**user)
        self._chats = {int(chat_id): ChatLog.load(chat) for chat_id, chat in data["chats"].items()}
        for user_id in self._users:
            self._chats.setdefault(user_id, ChatLog())
        self._next_seq = int(data["next_seq"])
        self._blocked = set(data["blocked"])
        self.updates.load(data["updates"])
        self.callbacks.load(data["callbacks"])
        self.files.load(data["files"])
        self.commands.load(data["commands"])
        self._wakeup.notify()

    # Internals -------------------------------------------------------------------------

    def _take_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq

    def _chat(self, chat_id: int) -> ChatLog:
        self.user(chat_id)
        return self._chats[chat_id]

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

    def _record(
        self,
        chat_id: int,
        sender: Sender,
        formatted: FormattedText,
        **extra: Any,
    ) -> ChatMessage:
        chat = self._chats[chat_id]
        message = ChatMessage(
            message_id=chat.next_message_id(),
            seq=self._take_seq(),
            chat_id=chat_id,
            sender=sender,
            text=formatted.text,
            entities=formatted.entities,
            date=int(self._clock()),
            **extra,
        )
        chat.add(message)
        self._wakeup.notify()
        return message

    def _telegram_message(self, message: ChatMessage, *, nested: bool = False) -> dict[str, Any]:
        user = self._users[message.chat_id]
        sender = self.bot.to_telegram() if message.sender == "bot" else user.to_telegram()
        reply_to = None
        original = self._chats[message.chat_id].get(message.reply_to_message_id)
        if original is not None and not nested:
            # Telegram nests one level of reply_to_message only.
            reply_to = self._telegram_message(original, nested=True)
        return message.to_telegram(sender=sender, chat=user.private_chat(), reply_to=reply_to)

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
