"""st: /stats's buttons — which programme, counting from which day."""

from __future__ import annotations

from bot.buttons.data import CANCEL, DAY_OR_ZERO, PROGRAMME, Buttons

BUTTONS = Buttons(
    "st",
    {
        "p": (PROGRAMME, DAY_OR_ZERO),  # counting from this day (0: from the start)
        CANCEL: (),
    },
)


def programme(programme_id: int, since: int = 0) -> str:
    """`since`: the first day counted, as YYYYMMDD; 0 from the start."""
    return BUTTONS.data("p", programme_id, since)


def cancel() -> str:
    return BUTTONS.data(CANCEL)
