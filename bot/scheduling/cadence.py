"""A programme's prompt cadence, written the way coordinators say it.

"weekly mon 18:00" or "every 2 weeks thu 09:30". Cycles are counted in whole weeks
from an anchor date (the Monday of the programme's first week), so every member's
cycle k falls on the same local calendar day, whatever their time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PATTERN = re.compile(
    r"^\s*(?:weekly|every\s+(?P<weeks>\d{1,2})\s+weeks?)\s+"
    r"(?P<day>[a-z]{3})[a-z]*\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*$"
)
MAX_WEEKS = 12


@dataclass(frozen=True)
class Cadence:
    every_weeks: int
    weekday: int  # Monday is 0
    at: time

    @classmethod
    def parse(cls, text: str) -> Cadence:
        """Read "weekly mon 18:00" / "every 2 weeks thu 9:30"; ValueError says what is wrong."""
        match = _PATTERN.match(text.lower())
        if match is None:
            raise ValueError(
                f"{text!r} is not a cadence such as 'weekly mon 18:00' or 'every 2 weeks thu 09:30'"
            )
        weeks = int(match["weeks"] or 1)
        if not 1 <= weeks <= MAX_WEEKS:
            raise ValueError(f"a cadence repeats every 1 to {MAX_WEEKS} weeks")
        if match["day"] not in WEEKDAYS:
            raise ValueError(f"{match['day']!r} is not a weekday (mon, tue, ... sun)")
        hour, minute = int(match["hour"]), int(match["minute"])
        if hour > 23 or minute > 59:
            raise ValueError(f"{hour:02d}:{minute:02d} is not a time of day")
        return cls(weeks, WEEKDAYS.index(match["day"]), time(hour, minute))

    def __str__(self) -> str:
        when = f"{WEEKDAYS[self.weekday]} {self.at:%H:%M}"
        return (
            f"weekly {when}" if self.every_weeks == 1 else f"every {self.every_weeks} weeks {when}"
        )

    def local_day(self, anchor: date, cycle: int) -> date:
        """The calendar day of cycle `cycle` (0 is the anchor's week)."""
        monday = anchor - timedelta(days=anchor.weekday())
        return monday + timedelta(weeks=cycle * self.every_weeks, days=self.weekday)

    def occurrence(self, anchor: date, cycle: int, zone: ZoneInfo) -> datetime:
        """Cycle `cycle` at the cadence's wall-clock time in `zone`.

        A wall-clock time that does not exist (skipped by a spring-forward change)
        becomes the same number of minutes after the change, as clocks show it.
        """
        naive = datetime.combine(self.local_day(anchor, cycle), self.at)
        return normalise(naive.replace(tzinfo=zone))

    def cycle_at(self, anchor: date, instant: datetime, zone: ZoneInfo) -> int:
        """The latest cycle whose occurrence in `zone` is at or before `instant` (may be -1)."""
        local = instant.astimezone(zone)
        monday = anchor - timedelta(days=anchor.weekday())
        cycle = ((local.date() - monday).days // 7) // self.every_weeks
        while cycle >= 0 and self.occurrence(anchor, cycle, zone) > instant:
            cycle -= 1
        return max(cycle, -1)


def normalise(local: datetime) -> datetime:
    """Round-trip through UTC so a non-existent wall time shows as the time clocks reached."""
    assert local.tzinfo is not None
    return local.astimezone(ZoneInfo("UTC")).astimezone(local.tzinfo)
