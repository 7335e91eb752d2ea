"""When a held-back prompt goes out, and when the next one will."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.scheduling.cadence import Cadence
from bot.scheduling.release import next_release, release_time
from bot.scheduling.windows import QuietHours, QuietPeriod, Windows

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WEEKLY = Cadence.parse("weekly mon 18:00")
ANCHOR = date(2026, 9, 7)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=STOCKHOLM)


def test_quiet_hours_release_when_they_end() -> None:
    windows = Windows(quiet_hours=QuietHours.parse("17-20"))
    assert release_time(windows, at(7, 18), time(18)) == at(7, 20)


def test_a_pause_ending_at_night_releases_at_the_cadence_time_of_day() -> None:
    windows = Windows(paused_until=at(9, 1, 10))
    assert release_time(windows, at(7, 18), time(18)) == at(9, 18)


def test_the_next_release_skips_a_cycle_held_past_its_successor() -> None:
    windows = Windows(quiet_periods=[QuietPeriod(date(2026, 9, 14), date(2026, 9, 20))])
    assert next_release(WEEKLY, ANCHOR, windows, STOCKHOLM, at(8, 12)) == at(21, 18)


def test_an_endless_pause_has_no_next_release() -> None:
    windows = Windows(paused_until=datetime(2040, 1, 1, tzinfo=STOCKHOLM))
    assert next_release(WEEKLY, ANCHOR, windows, STOCKHOLM, at(8, 12)) is None
