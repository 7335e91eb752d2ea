"""Pacing sends below Telegram's limits: so many messages a second overall, one a second
per chat. Physical time (the event loop's monotonic clock), not the injectable clock:
this is about how fast bytes leave, not about when a prompt is due."""

from __future__ import annotations

import asyncio

from bot.transport.send_budget import SendBudget


class Pace:
    """Spaces calls at least `interval` seconds apart, first come first served."""

    def __init__(self, per_second: float | None) -> None:
        self._interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    def interval(self) -> float:
        """Seconds between two calls now; 0 for no limit."""
        return self._interval

    async def wait(self) -> None:
        interval = self.interval()
        if not interval:
            return
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            slot = max(now, self._next)
            self._next = slot + interval
        if slot > now:
            await asyncio.sleep(slot - now)


class OutboxPace(Pace):
    """The outbox's overall pace: what the budget leaves it, recomputed at every send."""

    def __init__(self, budget: SendBudget) -> None:
        super().__init__(budget.rate)
        self._budget = budget

    def interval(self) -> float:
        rate = self._budget.outbox_rate()
        return 1.0 / rate if rate else 0.0


class ChatPace:
    """One `Pace` per chat, created on first use and dropped when idle."""

    def __init__(self, per_second: float | None) -> None:
        self._per_second = per_second
        self._paces: dict[int, Pace] = {}

    async def wait(self, chat_id: int) -> None:
        if not self._per_second:
            return
        if len(self._paces) > 10_000:  # forget chats that have gone quiet
            self._paces.clear()
        pace = self._paces.setdefault(chat_id, Pace(self._per_second))
        await pace.wait()
