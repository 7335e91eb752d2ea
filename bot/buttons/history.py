"""hi: /history's buttons — page through the entries, listen, share, make private, delete."""

from __future__ import annotations

from bot.buttons.data import ENTRY, MENTOR, POSITION, Buttons

BUTTONS = Buttons(
    "hi",
    {
        "v": (POSITION,),  # view the entry at this position
        "s": (ENTRY, POSITION, MENTOR),  # share this entry with the mentor the button names
        "p": (ENTRY, POSITION),  # make it private
        "d": (ENTRY, POSITION),  # ask before deleting it
        "y": (ENTRY, POSITION),  # delete it
        "l": (ENTRY,),  # listen: send this entry's voice notes again, to its author
    },
)


def view(position: int) -> str:
    return BUTTONS.data("v", position)


def share(entry_id: int, position: int, mentor_id: int) -> str:
    return BUTTONS.data("s", entry_id, position, mentor_id)


def make_private(entry_id: int, position: int) -> str:
    return BUTTONS.data("p", entry_id, position)


def ask_delete(entry_id: int, position: int) -> str:
    return BUTTONS.data("d", entry_id, position)


def delete(entry_id: int, position: int) -> str:
    return BUTTONS.data("y", entry_id, position)


def listen(entry_id: int) -> str:
    return BUTTONS.data("l", entry_id)
