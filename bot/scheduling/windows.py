"""Times when nothing should arrive: a member's quiet hours and pause, a programme's quiet periods.

A scheduled message that falls in one of them is held back to the first moment
that is free of all of them. If that moment is not before the next cycle, the
cycle is skipped: a student coming back from exams gets one prompt, not a pile.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.scheduling.cadence import normalise

_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$")


@dataclass(frozen=True)
class QuietHours:
    """A daily window in local time, e.g. 22:00–07:00 (it may span midnight)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """Read "22-07" or "22:30-06:45"; ValueError says what is wrong."""
        match = _HOURS.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a range of hours such as 22-07")
        start_h, start_m, end_h, end_m = (int(part or 0) for part in match.groups())
        if max(start_h, end_h) > 24 or max(start_m, end_m) > 59:
            raise ValueError(f"{text!r} is not a range of hours such as 22-07")
        start, end = time(start_h % 24, start_m), time(end_h % 24, end_m)
        if start == end:
            raise ValueError("quiet hours need a start and an end that differ")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def end_after(self, local: datetime) -> datetime:
        """The first moment at or after `local` that is outside these quiet hours."""
        if not self.contains(local.time()):
            return local
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        return normalise(datetime.combine(day, self.end, tzinfo=local.tzinfo))


@dataclass(frozen=True)
class QuietPeriod:
    """Whole days without prompts (exam weeks), inclusive, in the member's local calendar."""

    first_day: date
    last_day: date

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class Windows:
    quiet_hours: QuietHours | None = None
    paused_until: datetime | None = None
    quiet_periods: Sequence[QuietPeriod] = ()

    def first_free(self, local: datetime) -> datetime:
        """The first moment at or after `local` (aware, member-local) outside every window."""
        for _ in range(64):  # each step moves forward; a few suffice, the bound guards loops
            moved = self._step(local)
            if moved == local:
                return local
            local = moved
        raise ValueError("quiet windows leave no free moment")

    def _step(self, local: datetime) -> datetime:
        if self.paused_until is not None and local < self.paused_until:
            return self.paused_until.astimezone(local.tzinfo)
        for period in self.quiet_periods:
            if period.contains(local.date()):
                after = datetime.combine(period.last_day + timedelta(days=1), local.time())
                return normalise(after.replace(tzinfo=local.tzinfo))
        if self.quiet_hours is not None:
            return self.quiet_hours.end_after(local)
        return local
