"""Quiet hours, pauses and quiet periods hold a message back to the first free moment."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.windows import QuietHours, QuietPeriod, Windows

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(day: int, hour: int, minute: int = 0, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("22-07", time(22), time(7)),
        ("22:30-06:45", time(22, 30), time(6, 45)),
        ("13-14", time(13), time(14)),
        ("0-24", time(0), time(0)),
    ],
)
def test_quiet_hours_read_as_written(text: str, start: time, end: time) -> None:
    if start == end:
        with pytest.raises(ValueError, match="differ"):
            QuietHours.parse(text)
    else:
        assert QuietHours.parse(text) == QuietHours(start, end)


@pytest.mark.parametrize("text", ["", "22", "22-", "25-07", "22:75-07", "night", "7pm-8am"])
def test_bad_quiet_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        QuietHours.parse(text)


def test_a_prompt_inside_overnight_quiet_hours_waits_for_the_morning() -> None:
    windows = Windows(quiet_hours=QuietHours.parse("22-07"))
    assert windows.first_free(local(7, 23, 15)) == local(8, 7)
    assert windows.first_free(local(8, 5)) == local(8, 7)
    assert windows.first_free(local(8, 18)) == local(8, 18)


def test_daytime_quiet_hours_end_the_same_day() -> None:
    windows = Windows(quiet_hours=QuietHours.parse("17-19"))
    assert windows.first_free(local(7, 18)) == local(7, 19)


def test_a_paused_member_gets_the_prompt_when_the_pause_ends_outside_quiet_hours() -> None:
    windows = Windows(quiet_hours=QuietHours.parse("22-07"), paused_until=local(10, 23, 30))
    assert windows.first_free(local(7, 18)) == local(11, 7)


def test_a_quiet_period_moves_the_prompt_to_the_day_after_at_the_same_time() -> None:
    exams = QuietPeriod(date(2026, 9, 7), date(2026, 9, 13))
    windows = Windows(quiet_periods=[exams])
    assert windows.first_free(local(7, 18)) == local(14, 18)
    assert windows.first_free(local(6, 18)) == local(6, 18)


def test_windows_combine_until_a_moment_is_free_of_all() -> None:
    exams = QuietPeriod(date(2026, 9, 7), date(2026, 9, 13))
    windows = Windows(
        quiet_hours=QuietHours.parse("17-19"),
        paused_until=local(12, 18),
        quiet_periods=[exams],
    )
    assert windows.first_free(local(7, 18)) == local(14, 19)


def test_quiet_hours_end_at_the_local_time_even_on_a_clock_change_night() -> None:
    windows = Windows(quiet_hours=QuietHours.parse("22-07"))
    morning = windows.first_free(local(24, 23, month=10))
    assert (morning.date(), morning.hour) == (date(2026, 10, 25), 7)
    elapsed = morning.astimezone(UTC) - local(24, 23, month=10).astimezone(UTC)
    assert elapsed == timedelta(hours=9)  # the night is one hour longer
