"""exp: /export's buttons — which programme, which export."""

from __future__ import annotations

from bot.buttons.data import CANCEL, PROGRAMME, Buttons
from bot.domain.exports import What

CHOOSE = "p"  # exp:p:programme shows the kinds; exp:<kind>:programme sends that export
BUTTONS = Buttons(
    "exp", {CHOOSE: (PROGRAMME,), **{what.value: (PROGRAMME,) for what in What}, CANCEL: ()}
)


def kinds(programme_id: int) -> str:
    return BUTTONS.data(CHOOSE, programme_id)


def send(what: What, programme_id: int) -> str:
    return BUTTONS.data(what.value, programme_id)


def cancel() -> str:
    return BUTTONS.data(CANCEL)
