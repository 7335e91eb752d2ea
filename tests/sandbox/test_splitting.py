"""A long text typed on the page is split as Telegram's apps split it."""

from __future__ import annotations

from bot.sandbox.html import utf16_len
from bot.sandbox.splitting import split_typed_text


def test_a_text_within_the_limit_is_one_part() -> None:
    assert split_typed_text("  hello there  ") == ["hello there"]
    assert split_typed_text("x" * 4096) == ["x" * 4096]


def test_an_empty_text_has_no_parts() -> None:
    assert split_typed_text(" \n ") == []


def test_a_long_text_breaks_at_the_last_line_break() -> None:
    first, second = "a" * 3000, "b" * 2000
    assert split_typed_text(f"{first}\n{second}") == [first, second]


def test_without_a_late_line_break_it_breaks_at_the_last_space() -> None:
    words = " ".join(["word"] * 1200)  # 5999 characters
    parts = split_typed_text(f"short\n{words}")
    assert [utf16_len(part) for part in parts] == [4095, 1909]
    assert " ".join(parts) == f"short\n{words}"
    assert all(not part.startswith(" ") and not part.endswith(" ") for part in parts)


def test_a_text_of_words_on_one_line_breaks_between_words() -> None:
    text = " ".join(["Night shift notes"] * 300)
    first, second = split_typed_text(text)
    assert (utf16_len(first), first[-5:], second[:5]) == (4091, "Night", "shift")
    assert f"{first} {second}" == text


def test_a_text_without_spaces_breaks_at_the_limit() -> None:
    assert split_typed_text("x" * 9000) == ["x" * 4096, "x" * 4096, "x" * 808]


def test_the_limit_counts_utf16_units_and_never_cuts_a_character() -> None:
    parts = split_typed_text("😀" * 3000)  # two UTF-16 units each
    assert parts == ["😀" * 2048, "😀" * 952]
