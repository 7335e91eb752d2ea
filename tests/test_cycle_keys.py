"""A prompt's outbox key: every kind the bot writes reads back as what it names, and a
key that is not a prompt's is refused rather than read as a wrong day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.outbox.keys.prompts import (
    FAREWELL,
    SENT_NOW,
    CycleKey,
    cycle_key,
    farewell_key,
    parse_cycle_key,
    sent_now_key,
)

DAY = date(2026, 11, 30)


def test_a_scheduled_prompts_key_names_its_programme_and_day() -> None:
    assert cycle_key(7, DAY) == "7:2026-11-30"
    assert parse_cycle_key("7:2026-11-30") == CycleKey(7, DAY)
    assert not parse_cycle_key("7:2026-11-30").manual


def test_a_prompt_sent_now_names_its_cycles_day_and_is_manual() -> None:
    key = sent_now_key(7, DAY, datetime(2026, 12, 1, 8, 55, 40, tzinfo=UTC))

    assert key == "7:2026-11-30:now-20261201085540"  # as issue 10 saw it
    assert parse_cycle_key(key) == CycleKey(7, DAY, SENT_NOW, "20261201085540")
    assert parse_cycle_key(key).manual


def test_a_farewell_prompt_names_its_day_and_pair_and_is_not_manual() -> None:
    key = farewell_key(1234, DAY, 12)

    assert parse_cycle_key(key) == CycleKey(1234, DAY, FAREWELL, "12")
    assert not parse_cycle_key(key).manual


@pytest.mark.parametrize(
    "key",
    [
        "pair:3",  # an introduction's key
        "nudge:silent:3:140",
        "checkin:9",
        "7:12",  # a numbered cycle, from before keys named days
        "7:2026-11-30:later-1",
        "7:2026-11-30:now-",
        "7:20261130",
        "7:2026-13-01",
        "",
    ],
)
def test_a_key_that_is_not_a_prompts_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="is not a prompt's cycle key"):
        parse_cycle_key(key)
