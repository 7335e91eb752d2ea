"""What tests and the page read of the chats, and the waits for it to change."""

from __future__ import annotations

from typing import Any

from bot.sandbox.chatlog import ChatLog
from bot.sandbox.memory import Memory
from bot.sandbox.wakeup import Deadline


class Reading(Memory):
    """Messages, transcripts, keyboards, menus, answers and files, as a client shows them."""

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
        waiting = self._chat_wakeup(chat_id)
        while not (found := self.messages(chat_id, after_seq=after_seq)):
            if deadline.remaining() == 0 or waiting.closed:
                break
            await waiting.wait(deadline.remaining())
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
        waiting = self._chat_wakeup(chat_id)
        while (message := chat.read_next_bot_message(contains)) is None:
            if deadline.remaining() == 0:
                wanted = f" containing {contains!r}" if contains is not None else ""
                raise TimeoutError(
                    f"no new bot message{wanted} in chat {chat_id} within {timeout}s; "
                    f"transcript:\n{chat.transcript()}"
                )
            await waiting.wait(deadline.remaining())
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
        self._notify_everyone()

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
        for waiting in self._chat_wakeups.values():
            waiting.close()

    def _chat(self, chat_id: int) -> ChatLog:
        self.user(chat_id)
        return self._chats[chat_id]
