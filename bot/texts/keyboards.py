"""Inline keyboards as plain values, so services and the sender can describe buttons
without Telegram objects; the Telegram edge turns them into markup."""

from __future__ import annotations

from dataclasses import dataclass

from bot.texts.templates import Texts

MOODS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Button:
    label: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]


def mood_keyboard(texts: Texts, locale: str, *, delivery_id: int | None) -> Keyboard:
    """Five moods in words; the data names the prompt answered (0 for /checkin)."""
    return (
        tuple(
            Button(
                texts.render_plain("checkin/mood_word", locale, mood=mood),
                f"ci:m:{delivery_id or 0}:{mood}",
            )
            for mood in MOODS
        ),
    )
