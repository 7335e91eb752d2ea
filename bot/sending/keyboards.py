"""The rhythm keyboard: sent with introductions and rhythm messages, and by /meetings."""

from __future__ import annotations

from bot.buttons import meetings as meeting_buttons
from bot.services.meetings import RHYTHMS, Rhythm
from bot.texts.keyboards import Button, Keyboard
from bot.texts.templates import Texts


def rhythm_keyboard(texts: Texts, locale: str, pair_id: int, rhythm: Rhythm) -> Keyboard:
    """How often to meet, two a row: the rhythm that holds ticked, an open proposal named."""
    buttons = [
        Button(
            texts.render_plain(
                "meetings/rhythm_button",
                locale,
                weeks=weeks,
                current=rhythm.weeks,
                proposed=rhythm.proposed or 0,
            ),
            meeting_buttons.rhythm(pair_id, weeks),
        )
        for weeks in RHYTHMS
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
