"""pair: /pair's buttons — programme, student, mentor."""

from __future__ import annotations

from bot.buttons.data import CANCEL, MENTOR, PAGE, PROGRAMME, STUDENT, Buttons

BUTTONS = Buttons(
    "pair",
    {
        "p": (PROGRAMME, PAGE),  # page of students
        "s": (PROGRAMME, STUDENT, PAGE),  # page of mentors for this student
        "m": (PROGRAMME, STUDENT, MENTOR),  # pair them
        CANCEL: (),
    },
)


def students(programme_id: int, page: int = 0) -> str:
    return BUTTONS.data("p", programme_id, page)


def mentors(programme_id: int, student_id: int, page: int = 0) -> str:
    return BUTTONS.data("s", programme_id, student_id, page)


def pair(programme_id: int, student_id: int, mentor_id: int) -> str:
    return BUTTONS.data("m", programme_id, student_id, mentor_id)


def cancel() -> str:
    return BUTTONS.data(CANCEL)
