"""mx: /match's buttons — page through suggestions, accept one or all."""

from __future__ import annotations

from bot.buttons.data import CANCEL, MENTOR, PAGE, PROGRAMME, STUDENT, Buttons

BUTTONS = Buttons(
    "mx",
    {
        "p": (PROGRAMME, PAGE),  # page of suggestions
        "a": (PROGRAMME, STUDENT, MENTOR),  # accept one suggestion
        "all": (PROGRAMME,),  # accept every suggestion the pressed message offers
        CANCEL: (),
    },
)


def suggestions(programme_id: int, page: int = 0) -> str:
    return BUTTONS.data("p", programme_id, page)


def accept(programme_id: int, student_id: int, mentor_id: int) -> str:
    return BUTTONS.data("a", programme_id, student_id, mentor_id)


def accept_all(programme_id: int) -> str:
    return BUTTONS.data("all", programme_id)


def cancel() -> str:
    return BUTTONS.data(CANCEL)
