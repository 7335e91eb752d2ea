"""rl: write to the other side of a pair, or suggest a time to meet."""

from __future__ import annotations

from bot.buttons.data import Buttons, key

PAIR_OR_ZERO = key("pair", or_zero=True)  # 0: a refusal that could not name the pair
BUTTONS = Buttons(
    "rl",
    {
        "o": (PAIR_OR_ZERO,),  # open the conversation with the other side of this pair
        "s": (PAIR_OR_ZERO,),  # open it with a draft suggesting a time
    },
)


def write_to(pair_id: int) -> str:
    return BUTTONS.data("o", pair_id)


def suggest_time(pair_id: int) -> str:
    return BUTTONS.data("s", pair_id)
