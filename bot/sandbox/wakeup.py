"""A broadcast wake-up so long polls return the moment something changes."""

from __future__ import annotations

import asyncio
import time


class Wakeup:
    """Every waiter wakes on the next ``notify()``; waiters re-check their own condition.

    A fresh ``asyncio.Event`` per round means no waiter can miss a notification
    and nobody has to clear the event.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.closed = False

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def close(self) -> None:
        """Release every waiter for good (the server is stopping)."""
        self.closed = True
        self.notify()

    async def wait(self, seconds: float) -> bool:
        """Wait for the next notification, at most ``seconds``; ``False`` if none came."""
        if self.closed:
            return True
        if seconds <= 0:
            return False
        try:
            await asyncio.wait_for(self._event.wait(), seconds)
        except TimeoutError:
            return False
        return True


class Deadline:
    """Seconds left until a point in time, on the monotonic clock."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + max(0.0, seconds)

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())
