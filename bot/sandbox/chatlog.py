"""One private chat: its messages, the reply keyboard on screen, and the tests' read cursor."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.sandbox.records import ChatMessage


class ChatLog:
    """A chat's history in message_id order, plus what a client would keep on screen."""

    def __init__(self) -> None:
        self._messages: dict[int, ChatMessage] = {}
        self.reply_keyboard: dict[str, Any] | None = None
        self._read_seq = 0  # how far wait_for_bot_message has read
        # Telegram lets a bot write only to a user who wrote to it first (pressed Start
        # or sent anything); a chat merely opened on the page does not count.
        self.user_wrote = False

    def dump(self) -> dict[str, Any]:
        return {
            "messages": [asdict(m) for m in self._messages.values()],
            "reply_keyboard": self.reply_keyboard,
            "user_wrote": self.user_wrote,
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> ChatLog:
        chat = cls()
        for message in data["messages"]:
            chat.add(ChatMessage(**message))
        chat.reply_keyboard = data["reply_keyboard"]
        # Files written before this flag existed: whether the user's messages show it.
        chat.user_wrote = bool(data.get("user_wrote", chat.user_wrote))
        return chat

    def __contains__(self, message_id: int) -> bool:
        return message_id in self._messages

    def get(self, message_id: int | None) -> ChatMessage | None:
        return self._messages.get(message_id) if message_id is not None else None

    def next_message_id(self) -> int:
        """Message ids are per chat and start at 1, as in private chats on Telegram."""
        return max(self._messages, default=0) + 1

    def add(self, message: ChatMessage) -> None:
        self._messages[message.message_id] = message
        self.user_wrote = self.user_wrote or message.sender == "user"

    def after(self, seq: int) -> list[ChatMessage]:
        """Messages sent or edited after ``seq``, in chat order."""
        return [m for m in self._messages.values() if m.seq > seq]

    def read_next_bot_message(self, contains: str | None) -> ChatMessage | None:
        """The earliest unread bot message (or edit) containing ``contains``; marks it read.

        Bot messages before it are passed over for good, matching or not.
        """
        unread = sorted(
            (m for m in self._messages.values() if m.sender == "bot" and m.seq > self._read_seq),
            key=lambda m: m.seq,
        )
        for message in unread:
            if contains is None or contains in message.text:
                self._read_seq = message.seq
                return message
        return None

    def show_markup(self, markup: dict[str, Any] | None) -> None:
        """A reply keyboard stays on screen until removed or replaced; inline ones do not."""
        if markup and "keyboard" in markup:
            self.reply_keyboard = markup
        elif markup and markup.get("remove_keyboard"):
            self.reply_keyboard = None

    def user_typed(self, text: str) -> None:
        """A one-time keyboard hides once one of its buttons is used."""
        keyboard = self.reply_keyboard
        if keyboard and keyboard.get("one_time_keyboard"):
            labels = {_label(b) for row in keyboard.get("keyboard", []) for b in row}
            if text in labels:
                self.reply_keyboard = None

    def transcript(self) -> str:
        """The chat as readable lines, for failure messages."""
        lines = [
            f"  [{m.message_id}] {m.sender}{' (edited)' if m.edited else ''}: {m.text}"
            for m in self._messages.values()
        ]
        return "\n".join(lines) or "  (empty)"


def _label(button: Any) -> str:
    """A reply keyboard button is a string or a KeyboardButton object."""
    return str(button.get("text", "")) if isinstance(button, dict) else str(button)
