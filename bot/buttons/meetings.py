"""mt: the meeting buttons — log a meeting, confirm or correct one, agree how often to meet,
answer "did you meet?"."""

from __future__ import annotations

from datetime import date

from bot.buttons.data import DAY, MEETING, PAIR, PROPOSAL, Buttons, Number, day_number
from bot.services.meetings import MAX_DAYS_BACK, RHYTHMS

DAYS_BACK = Number("days back", 0, MAX_DAYS_BACK, example=0)
WEEKS = Number(
    "weeks between meetings",
    min(RHYTHMS),
    max(RHYTHMS),
    lambda weeks: weeks in RHYTHMS,  # only the rhythms a button offers
    example=RHYTHMS[0],
)
BUTTONS = Buttons(
    "mt",
    {
        "p": (PAIR,),  # which pair a meeting is for
        "d": (PAIR, DAYS_BACK),  # the pair met today (0) or yesterday (1)
        "e": (PAIR, DAY),  # the pair met on the day /met named
        "c": (MEETING,),  # yes, that meeting happened
        "n": (MEETING,),  # not that day
        "a": (PAIR, WEEKS),  # propose this rhythm to the other side (or accept theirs)
        "y": (PAIR, PROPOSAL),  # accept the other side's proposal
        "r": (PAIR,),  # show the rhythm buttons of one pair (/meetings with several)
        "x": (PAIR,),  # not met yet
        "l": (PAIR,),  # show the meetings
    },
)


def which_pair(pair_id: int, day: date | None = None) -> str:
    """/met with several pairs: this one, on `day` (the one /met named) or asked next."""
    if day is None:
        return BUTTONS.data("p", pair_id)
    return BUTTONS.data("e", pair_id, day_number(day))


def met(pair_id: int, days_back: int) -> str:
    return BUTTONS.data("d", pair_id, days_back)


def confirm(meeting_id: int) -> str:
    return BUTTONS.data("c", meeting_id)


def not_that_day(meeting_id: int) -> str:
    return BUTTONS.data("n", meeting_id)


def rhythm(pair_id: int, weeks: int) -> str:
    return BUTTONS.data("a", pair_id, weeks)


def accept_rhythm(pair_id: int, proposal_id: int) -> str:
    return BUTTONS.data("y", pair_id, proposal_id)


def rhythm_menu(pair_id: int) -> str:
    return BUTTONS.data("r", pair_id)


def not_yet(pair_id: int) -> str:
    return BUTTONS.data("x", pair_id)


def show_meetings(pair_id: int) -> str:
    return BUTTONS.data("l", pair_id)
