"""unpair: /unpair's buttons — programme, pair, confirm."""

from __future__ import annotations

from bot.buttons.data import CANCEL, PAGE, PAIR, PROGRAMME, STUDENT, Buttons

BUTTONS = Buttons(
    "unpair",
    {
        "p": (PROGRAMME, PAGE),  # page of pairs
        "s": (PROGRAMME, STUDENT),  # confirm ending this student's pair
        "y": (PROGRAMME, STUDENT, PAIR),  # end it: the very pair asked about
        CANCEL: (),
    },
)


def pairs(programme_id: int, page: int = 0) -> str:
    return BUTTONS.data("p", programme_id, page)


def ask(programme_id: int, student_id: int) -> str:
    return BUTTONS.data("s", programme_id, student_id)


def end(programme_id: int, student_id: int, pair_id: int) -> str:
    return BUTTONS.data("y", programme_id, student_id, pair_id)


def cancel() -> str:
    return BUTTONS.data(CANCEL)
