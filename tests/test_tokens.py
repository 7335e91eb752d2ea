"""Invite tokens: enough randomness, URL-safe, fit Telegram's deep-link payload."""

import re

from bot.core.durations import parse_duration
from bot.domain.tokens import hash_token, is_well_formed, new_token


def test_tokens_are_url_safe_and_fit_a_deep_link() -> None:
    for _ in range(200):
        token = new_token()
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token)
        assert is_well_formed(token)


def test_tokens_carry_at_least_128_bits() -> None:
    # 6 bits per base64url character
    assert len(new_token()) * 6 >= 128
    assert len({new_token() for _ in range(1000)}) == 1000


def test_the_hash_is_stable_and_not_the_token() -> None:
    token = new_token()
    assert hash_token(token) == hash_token(token)
    assert token not in hash_token(token)


def test_durations_read_the_way_people_write_them() -> None:
    assert parse_duration("30d").days == 30
    assert parse_duration("2w").days == 14
    assert parse_duration("12h").total_seconds() == 12 * 3600
