"""Every button namespace of the bot: what the handlers register and the tests forge."""

from __future__ import annotations

from bot.buttons import (
    checkins,
    data_rights,
    endings,
    exports,
    history,
    matching,
    meetings,
    pairing,
    relay,
    stats,
    unpairing,
)
from bot.buttons.data import Buttons

NAMESPACES: tuple[Buttons, ...] = (
    checkins.BUTTONS,
    history.BUTTONS,
    meetings.BUTTONS,
    endings.BUTTONS,
    data_rights.BUTTONS,
    relay.BUTTONS,
    pairing.BUTTONS,
    unpairing.BUTTONS,
    matching.BUTTONS,
    stats.BUTTONS,
    exports.BUTTONS,
)
