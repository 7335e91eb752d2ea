"""Cadences: parsed as written, and the same local time across daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.scheduling.cadence import Cadence

ANCHOR = date(2026, 1, 5)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekly mon 18:00", Cadence(1, 0, time(18, 0))),
        ("Weekly Monday 18:00", Cadence(1, 0, time(18, 0))),
        ("every 2 weeks thu 9:30", Cadence(2, 3, time(9, 30))),
        ("every 1 week sun 00:00", Cadence(1, 6, time(0, 0))),
    ],
)
def test_cadences_read_the_way_coordinators_write_them(text: str, expected: Cadence) -> None:
    assert Cadence.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "weekly",
        "daily 18:00",
        "weekly xyz 18:00",
        "weekly mon 25:00",
        "weekly mon 18:61",
        "every 0 weeks mon 18:00",
        "every 13 weeks mon 18:00",
        "weekly mon 6pm",
    ],
)
def test_a_bad_cadence_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        Cadence.parse(text)


def test_a_cadence_prints_as_it_parses() -> None:
    for text in ("weekly mon 18:00", "every 3 weeks fri 07:05"):
        assert str(Cadence.parse(text)) == text


@pytest.mark.parametrize(
    ("zone", "week_before_change"),
    [
        ("Europe/Stockholm", date(2026, 3, 23)),  # summer time from Sun 29 March
        ("Europe/Stockholm", date(2026, 10, 19)),  # winter time from Sun 25 October
        ("America/New_York", date(2026, 3, 2)),  # DST from Sun 8 March
        ("America/New_York", date(2026, 10, 26)),  # standard time from Sun 1 November
        ("Australia/Sydney", date(2026, 3, 30)),  # standard time from Sun 5 April
        ("Australia/Sydney", date(2026, 9, 28)),  # DST from Sun 4 October
    ],
)
def test_a_weekly_prompt_keeps_its_local_time_across_a_clock_change(
    zone: str, week_before_change: date
) -> None:
    cadence = Cadence.parse("weekly mon 18:00")
    tz = ZoneInfo(zone)
    cycle = (week_before_change - ANCHOR).days // 7
    before, after = cadence.occurrence(ANCHOR, cycle, tz), cadence.occurrence(ANCHOR, cycle + 1, tz)

    assert (before.hour, before.minute) == (after.hour, after.minute) == (18, 0)
    assert before.utcoffset() != after.utcoffset()
    # Python subtracts same-zone datetimes by wall clock; compare real elapsed time in UTC.
    assert after.astimezone(UTC) - before.astimezone(UTC) != timedelta(weeks=1)
    assert after.date() - before.date() == timedelta(weeks=1)


def test_a_time_the_clocks_skip_becomes_the_time_they_reach() -> None:
    cadence = Cadence.parse("weekly sun 02:30")
    spring_forward = date(2026, 3, 29)
    cycle = (spring_forward - ANCHOR).days // 7

    moment = cadence.occurrence(ANCHOR, cycle, ZoneInfo("Europe/Stockholm"))

    assert moment.date() == spring_forward
    assert (moment.hour, moment.minute) == (3, 30)


def test_a_time_that_happens_twice_is_sent_at_the_first() -> None:
    cadence = Cadence.parse("weekly sun 02:30")
    fall_back = date(2026, 10, 25)
    cycle = (fall_back - ANCHOR).days // 7

    moment = cadence.occurrence(ANCHOR, cycle, ZoneInfo("Europe/Stockholm"))

    assert moment.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_every_two_weeks_skips_a_week() -> None:
    cadence = Cadence.parse("every 2 weeks wed 12:00")
    tz = ZoneInfo("Europe/Stockholm")
    days = [cadence.occurrence(ANCHOR, k, tz).date() for k in range(3)]
    assert days == [date(2026, 1, 7), date(2026, 1, 21), date(2026, 2, 4)]


def test_members_in_different_zones_get_cycle_k_on_the_same_local_day() -> None:
    cadence = Cadence.parse("weekly mon 18:00")
    days = {
        cadence.occurrence(ANCHOR, 10, ZoneInfo(z)).date()
        for z in ("Europe/Stockholm", "America/New_York", "Australia/Sydney")
    }
    assert days == {date(2026, 3, 16)}


ZONES = st.sampled_from(["Europe/Stockholm", "America/New_York", "Australia/Sydney", "UTC"])
CADENCES = st.sampled_from(
    ["weekly mon 18:00", "weekly sun 02:30", "every 2 weeks fri 23:59", "every 3 weeks tue 00:00"]
)
INSTANTS = st.datetimes(
    min_value=datetime(2026, 1, 5), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@given(zone=ZONES, text=CADENCES, instant=INSTANTS)
def test_the_current_cycle_brackets_any_instant(zone: str, text: str, instant: datetime) -> None:
    cadence, tz = Cadence.parse(text), ZoneInfo(zone)

    cycle = cadence.cycle_at(ANCHOR, instant, tz)

    assert cadence.occurrence(ANCHOR, cycle + 1, tz) > instant
    if cycle >= 0:
        assert cadence.occurrence(ANCHOR, cycle, tz) <= instant
