"""The demo's past as a timeline: events in time order, each run with the clock set to
its moment, so that the services record them as if they happened then."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.demo.acts import delivered

Step = Callable[[], Awaitable[None]]


class History:
    """Events in time order, each run with the clock set to its moment."""

    def __init__(self, session: AsyncSession, clock: ManualClock, end: datetime) -> None:
        self.session, self.clock, self.end = session, clock, end
        self._events: list[tuple[datetime, int, Step]] = []
        self._order = itertools.count()
        self.member_ids: list[int] = []  # the cohort, as members

    def at(self, moment: datetime, step: Step) -> None:
        if moment < self.end:  # what would happen after the sandbox's now does not
            heapq.heappush(self._events, (moment, next(self._order), step))

    async def run(self) -> None:
        while self._events:
            moment, _, step = heapq.heappop(self._events)
            self.clock.set(moment)
            await step()
        await self.delivered()

    async def delivered(self) -> None:
        """Prompts are delivered as they go out (an answer needs its prompt sent); the
        rest at the end, all at once."""
        await delivered(self.session, self.member_ids, self.clock.now())
