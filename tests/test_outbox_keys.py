"""The other purposes' outbox keys: a nudge's reads back as what it names, anything else
is refused; the keys of one subject name it."""

from __future__ import annotations

from datetime import date

import pytest

from bot.outbox.keys.digests import digest_key
from bot.outbox.keys.meetings import meeting_key, rhythm_key
from bot.outbox.keys.nudges import NudgeKey
from bot.outbox.keys.pairs import meeting_gap_key, pair_key
from bot.outbox.keys.retention import RetentionKey
from bot.outbox.keys.shared_entries import shared_entry_key


def test_a_nudge_key_reads_back_as_it_was_built() -> None:
    key = NudgeKey("low_mood", 12, 2950)
    assert str(key) == "nudge:low_mood:12:2950"
    assert NudgeKey.parse(str(key)) == key


@pytest.mark.parametrize(
    "key",
    ["nudge:low_mood:12", "digest:2026-W48", "nudge::12:3", "nudge:gone:x:3", "nudge:a:1:2:3"],
)
def test_what_is_not_a_nudge_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="is not a nudge's key"):
        NudgeKey.parse(key)


def test_keys_of_one_subject_name_it() -> None:
    assert pair_key(12) == "pair:12"
    assert meeting_gap_key(12, date(2026, 10, 1)) == "pair:12:since:2026-10-01"
    assert meeting_key(40) == "meeting:40"
    assert rhythm_key(7) == "rhythm:7"
    assert shared_entry_key(31) == "checkin:31"
    assert digest_key(2026, 3) == "digest:2026-W03"


def test_a_retention_key_names_the_programme_and_the_day() -> None:
    key = RetentionKey(7, date(2027, 7, 1))
    assert str(key) == "retention:7:2027-07-01"
    assert RetentionKey.parse(str(key)) == key


@pytest.mark.parametrize(
    "key", ["retention:7", "retention:x:2027-07-01", "retention:7:2027-13-01", "pair:7:2027-07-01"]
)
def test_what_is_not_a_retention_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="is not a retention notice's key"):
        RetentionKey.parse(key)
