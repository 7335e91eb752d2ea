"""ep: /endpair's buttons — which pair, end it, keep it."""

from __future__ import annotations

from bot.buttons.data import PAIR, ZERO, Buttons

BUTTONS = Buttons(
    "ep",
    {
        "c": (PAIR,),  # ask to confirm ending this pair
        "y": (PAIR,),  # end it
        "n": (ZERO,),  # keep it
    },
)


def ask(pair_id: int) -> str:
    return BUTTONS.data("c", pair_id)


def end(pair_id: int) -> str:
    return BUTTONS.data("y", pair_id)


def keep() -> str:
    return BUTTONS.data("n", 0)
