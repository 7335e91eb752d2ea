"""A long text typed in a Telegram app leaves as several messages, as the apps split it."""

from __future__ import annotations

from bot.sandbox.html import MAX_MESSAGE_LENGTH, utf16_len


def split_typed_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """``text`` (trimmed) in parts of at most ``limit`` UTF-16 units, in order.

    Like Telegram's apps, a part ends at a line break if one lies in its second half,
    else at the last space, else where the limit falls (never inside a character).
    """
    parts = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        head = rest[: _fitting(rest, limit)]
        cut = head.rfind("\n")
        if cut < 0 or utf16_len(head[:cut]) < limit // 2:
            cut = head.rfind(" ")
        if cut <= 0:
            cut = len(head)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _fitting(text: str, limit: int) -> int:
    """How many characters from the start of ``text`` fit in ``limit`` UTF-16 units."""
    used = 0
    for index, character in enumerate(text):
        used += 2 if ord(character) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)
