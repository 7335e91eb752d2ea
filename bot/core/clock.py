"""Where time comes from: the system clock in production, a movable one in tests and the sandbox."""

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; starts at the given instant."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> None:
        self._now += by

    def set(self, instant: datetime) -> None:
        self._now = instant


class OffsetClock:
    """Real time moved forward by an offset: the sandbox's "advance to the next prompt"."""

    def __init__(self, base: Clock, offset: timedelta = timedelta(0)) -> None:
        if offset < timedelta(0):
            raise ValueError("the offset only moves time forward")
        self._base = base
        self._offset = offset

    @property
    def offset(self) -> timedelta:
        """How far ahead of real time this clock is (kept by the sandbox across restarts)."""
        return self._offset

    def now(self) -> datetime:
        return self._base.now() + self._offset

    def advance_to(self, instant: datetime) -> None:
        """Jump forward to `instant`; never backwards, so nothing is sent twice."""
        self._offset += max(instant - self.now(), timedelta(0))
