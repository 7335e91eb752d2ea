"""When a scheduled prompt actually goes out, given its cadence and the quiet windows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.scheduling.cadence import Cadence, normalise
from bot.scheduling.windows import Windows

LOOK_AHEAD = 520  # cycles searched for the next prompt: ten years of weekly ones


def release_time(windows: Windows, moment: datetime, at: time) -> datetime:
    """When a prompt meant for `moment` (member-local) may go out.

    Quiet hours hold it until they end, and a quiet period until the same time the day
    after. A pause releases it at the cadence's own time of day, not at whatever minute
    the pause happened to end (a pause started at 01:10 should not bring a prompt then).
    """
    due = windows.first_free(moment)
    if windows.paused_until is None or windows.paused_until <= moment:
        return due
    aligned = normalise(datetime.combine(due.date(), at, tzinfo=due.tzinfo))
    if aligned < due:
        aligned = normalise(datetime.combine(due.date() + timedelta(days=1), at, tzinfo=due.tzinfo))
    return windows.first_free(aligned)


def next_release(
    cadence: Cadence, anchor: date, windows: Windows, zone: ZoneInfo, after: datetime
) -> datetime | None:
    """When the next prompt after `after` goes out; cycles held back past their successor
    are skipped. None if nothing goes out within LOOK_AHEAD cycles (an endless pause)."""
    cycle = max(cadence.cycle_at(anchor, after, zone) + 1, 0)
    for _ in range(LOOK_AHEAD):
        due = release_time(windows, cadence.occurrence(anchor, cycle, zone), cadence.at)
        if due < cadence.occurrence(anchor, cycle + 1, zone):
            return due
        cycle += 1
    return None
