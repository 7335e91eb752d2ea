"""Callback queries: which are waiting for answerCallbackQuery, and what the bot answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.wakeup import Deadline, Wakeup

# Telegram takes an answer for about 15 seconds after the press; later it is "too old".
ANSWER_WITHIN_SECONDS = 15.0


class CallbackQueries:
    """Issues query ids, takes each answer once, and keeps answers for the page's toast."""

    def __init__(self, wakeup: Wakeup, clock: Callable[[], float]) -> None:
        self._wakeup = wakeup
        self._clock = clock  # the sandbox's clock, as for message dates
        # Telegram's query ids are long numeric strings.
        self._next_id = 4_200_000_000_000_000_001
        self._open: dict[str, float] = {}  # query id -> when it was pressed
        self._answers: dict[str, dict[str, Any]] = {}

    def open(self) -> str:
        """A new query id, waiting for its answer."""
        query_id = str(self._next_id)
        self._next_id += 1
        self._open[query_id] = self._clock()
        return query_id

    def answer(self, query_id: str, *, text: str | None, show_alert: bool, url: str | None) -> None:
        """answerCallbackQuery: once per query and within ``ANSWER_WITHIN_SECONDS`` of the
        press; an unknown, answered or too old id is Telegram's 400."""
        pressed = self._open.pop(query_id, None)
        if pressed is None or self._clock() - pressed > ANSWER_WITHIN_SECONDS:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
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
