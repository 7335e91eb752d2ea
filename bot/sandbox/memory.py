"""What the fake Telegram remembers: users, their private chats, blocks, the numbering of
messages and edits, and the parts beside them (updates, callback queries, files, menus)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from bot.sandbox.callbacks import CallbackQueries
from bot.sandbox.chatlog import ChatLog
from bot.sandbox.commands import CommandRegistry
from bot.sandbox.faults import Faults
from bot.sandbox.files import FileStore
from bot.sandbox.html import FormattedText
from bot.sandbox.records import BotIdentity, ChatMessage, SandboxUser, Sender
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.wakeup import Wakeup

FIRST_USER_ID = 100_001  # the people a person plays on the page count up from here


class Memory:
    """The records every side of the sandbox shares.

    Each side (``UserSide``, ``BotSide``, ``Reading``) subclasses it, so its methods
    stay on ``SandboxState``, which is all three, where tests and the routes call them.
    """

    def __init__(self, *, bot: BotIdentity | None = None, clock: Callable[[], float] = time.time):
        self.bot = bot or BotIdentity()
        self.commands = CommandRegistry()
        self._clock = clock
        self._wakeup = Wakeup()
        # One more per chat somebody waits on: a wait for one chat's next message wakes
        # for that chat alone, so hundreds of simulated people waiting at once do not all
        # wake for every message (the sandbox's loop would stall and bunch its requests).
        self._chat_wakeups: dict[int, Wakeup] = {}
        self.updates = UpdateQueue(self._wakeup)
        self._users: dict[int, SandboxUser] = {}
        self._chats: dict[int, ChatLog] = {}
        self._next_seq = 1  # see ChatMessage.seq
        self._blocked: set[int] = set()
        self.callbacks = CallbackQueries(self._wakeup, clock)
        self.faults = Faults()  # injected by tests: 5xx, 429, slow answers
        self.too_many_requests = 0  # 429s answered because of the rate limits
        self.too_many_by_limit = {"overall": 0, "per_chat": 0}  # which limit said so
        self.too_many_at: list[float] = []  # when (monotonic), the newest thousand
        self.limited_calls = 0  # sends and edits counted against them and let through
        self.files = FileStore()  # every photo, voice note and document, with its bytes

    # Users and their chats ----------------------------------------------------------

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
        self._notify_everyone()

    # Recording messages, as every side does ----------------------------------------

    def _take_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq

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
        self._notify_chat(chat_id)
        return message

    def _notify_chat(self, chat_id: int) -> None:
        """A message in this chat was sent or edited."""
        self._wakeup.notify()
        waiting = self._chat_wakeups.get(chat_id)
        if waiting is not None:
            waiting.notify()

    def _notify_everyone(self) -> None:
        self._wakeup.notify()
        for waiting in self._chat_wakeups.values():
            waiting.notify()

    def _chat_wakeup(self, chat_id: int) -> Wakeup:
        waiting = self._chat_wakeups.get(chat_id)
        if waiting is None:
            waiting = self._chat_wakeups[chat_id] = Wakeup()
            waiting.closed = self._wakeup.closed
        return waiting

    def _telegram_message(self, message: ChatMessage, *, nested: bool = False) -> dict[str, Any]:
        user = self._users[message.chat_id]
        sender = self.bot.to_telegram() if message.sender == "bot" else user.to_telegram()
        reply_to = None
        original = self._chats[message.chat_id].get(message.reply_to_message_id)
        if original is not None and not nested:
            # Telegram nests one level of reply_to_message only.
            reply_to = self._telegram_message(original, nested=True)
        return message.to_telegram(sender=sender, chat=user.private_chat(), reply_to=reply_to)
