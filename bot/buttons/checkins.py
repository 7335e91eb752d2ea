"""ci: a check-in's buttons — the mood, skipping the words, sharing, the help offer."""

from __future__ import annotations

from bot.buttons.data import ENTRY, MENTOR, MOOD, Buttons, key
from bot.texts.keyboards import Button, Keyboard
from bot.texts.templates import Texts

MOODS = (1, 2, 3, 4, 5)
BUTTONS = Buttons(
    "ci",
    {
        "m": (key("delivery", or_zero=True), MOOD),  # the prompt answered (0: none), the mood
        "s": (ENTRY,),  # skip the words of this entry
        "y": (ENTRY, MENTOR),  # share the entry with the mentor the button names
        "n": (ENTRY,),  # keep it private
        "h": (),  # "I need help", offered beside the question for words after the lowest mood
    },
)


def mood(delivery_id: int | None, mood: int) -> str:
    return BUTTONS.data("m", delivery_id or 0, mood)


def skip(entry_id: int) -> str:
    return BUTTONS.data("s", entry_id)


def share(entry_id: int, mentor_id: int) -> str:
    return BUTTONS.data("y", entry_id, mentor_id)


def keep_private(entry_id: int) -> str:
    return BUTTONS.data("n", entry_id)


def need_help() -> str:
    return BUTTONS.data("h")


def mood_keyboard(texts: Texts, locale: str, *, delivery_id: int | None) -> Keyboard:
    """Five moods in words; the data names the prompt answered (0 for /checkin)."""
    return (
        tuple(
            Button(
                texts.render_plain("checkin/mood_word", locale, mood=each), mood(delivery_id, each)
            )
            for each in MOODS
        ),
    )
