"""The start every button handler shares: acknowledge the press, know who pressed it and
in which language to answer, and read its callback data strictly.

A press whose data the bot never made (forged, or from a version long gone) is answered
here with "that button is no longer valid" and goes no further: nothing is looked up,
nothing changes, nothing is logged as an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Update

from bot.buttons.data import Buttons
from bot.services.members import MemberView
from handlers.buttons import acknowledge
from handlers.context import FrizonContext
from handlers.people import current_member
from handlers.replies import locale_of_update, reply


@dataclass(frozen=True)
class Answer:
    """A reply by template, for a press that goes no further."""

    template: str
    variables: Mapping[str, Any] | None = None


STALE = Answer("errors/stale_button")


@dataclass(frozen=True)
class Press:
    query: CallbackQuery
    member: MemberView | None  # None: someone the bot does not know (or no longer)
    locale: str
    verb: str
    ids: tuple[int, ...]


async def pressed(
    update: Update,
    context: FrizonContext,
    buttons: Buttons,
    *,
    strangers: bool = False,
    stale: Answer = STALE,
) -> Press | None:
    """The acknowledged press with its verb and numbers; None when the update is not a
    button press, when its data is not one of `buttons`, or when the bot does not know the
    presser (an erased member's old buttons) unless the handler takes `strangers` itself;
    the presser is told (`stale`: in the namespace's own words, where it has them). A
    stranger is never pointed to a member's command."""
    query = update.callback_query
    if query is None:
        return None
    await acknowledge(query)
    member = await current_member(update, context)
    locale = locale_of_update(update, member)
    parsed = buttons.parse(query.data)
    if parsed is None:
        await reply(update, context, stale.template, locale=locale, **(stale.variables or {}))
        return None
    if member is None and not strangers:
        await reply(update, context, "errors/stranger_button", locale=locale)
        return None
    return Press(query, member, locale, parsed.verb, parsed.ids)
