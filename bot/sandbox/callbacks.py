"""Callback queries: which are waiting for answerCallbackQuery, and what the bot answered."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.wakeup import Deadline, Wakeup


class CallbackQueries:
    """Issues query ids, takes each answer once, and keeps answers for the page's toast."""

    def __init__(self, wakeup: Wakeup) -> None:
        self._wakeup = wakeup
        # Telegram's query ids are long numeric strings.
        self._next_id = 4_200_000_000_000_000_001
        self._open: set[str] = set()
        self._answers: dict[str, dict[str, Any]] = {}

    def open(self) -> str:
        """A new query id, waiting for its answer."""
        query_id = str(self._next_id)
        self._next_id += 1
        self._open.add(query_id)
        return query_id

    def answer(self, query_id: str, *, text: str | None, show_alert: bool, url: str | None) -> None:
        """answerCallbackQuery: a query can be answered once; unknown ids are Telegram's 400."""
        if query_id not in self._open:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._open.discard(query_id)
        self._answers[query_id] = {"text": text, "show_alert": show_alert, "url": url}
        self._wakeup.notify()

    def dump(self) -> dict[str, Any]:
        """What a restarted sandbox needs: the numbering (old queries are too old by then)."""
        return {"next_id": self._next_id}

    def load(self, data: dict[str, Any]) -> None:
        self._next_id = max(self._next_id, int(data["next_id"]))

    def answer_for(self, query_id: str) -> dict[str, Any] | None:
        """The answer (text, show_alert, url) if the bot gave one."""
        return self._answers.get(query_id)

    async def wait_for_answer(self, query_id: str, seconds: float) -> dict[str, Any] | None:
        """The answer, waiting up to ``seconds`` for the bot to give it."""
        deadline = Deadline(seconds)
        while (answer := self._answers.get(query_id)) is None and deadline.remaining() > 0:
            if self._wakeup.closed:
                break
            await self._wakeup.wait(deadline.remaining())
        return answer
