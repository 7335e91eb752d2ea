"""dr: /forget's and /consent's buttons — erase or keep, opt in or out of research use."""

from __future__ import annotations

from bot.buttons.data import MEMBER, PROGRAMME, Buttons

BUTTONS = Buttons(
    "dr",
    {
        "f": (MEMBER,),  # erase this member (the presser must be them)
        "k": (MEMBER,),  # keep everything
        "i": (PROGRAMME,),  # opt in to research use, in this programme
        "o": (PROGRAMME,),  # opt out
    },
)


def erase(member_id: int) -> str:
    return BUTTONS.data("f", member_id)


def keep(member_id: int) -> str:
    return BUTTONS.data("k", member_id)


def research_use(programme_id: int, *, opt_in: bool) -> str:
    return BUTTONS.data("i" if opt_in else "o", programme_id)
