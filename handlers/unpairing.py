"""/unpair: a coordinator picks an active pair, confirms, and the pair ends."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.buttons import unpairing as unpair_buttons
from bot.services.audit import member_actor
from bot.services.errors import Refused
from bot.services.members import MemberView
from bot.services.pairing import PairView, active_pair_of, active_pairs, ended_by, unpair
from bot.services.programmes import get_programme
from handlers.buttons import paged, with_cancel
from handlers.context import FrizonContext
from handlers.coordination import (
    Step,
    ask_programme_then,
    coordinator_or_explain,
    on_coordinator_button,
)

log = logging.getLogger(__name__)

BUTTONS = unpair_buttons.BUTTONS
PATTERN = BUTTONS.pattern
CANCEL = unpair_buttons.cancel()


async def start_unpairing(update: Update, context: FrizonContext) -> None:
    """Ask which programme (if several), then which pair should end."""
    member = await coordinator_or_explain(update, context)
    if member is not None:
        await ask_programme_then(
            update, context, member, unpair_buttons.pairs, _pair_choice, cancel=CANCEL
        )


async def on_button(update: Update, context: FrizonContext) -> None:
    """unpair:p:programme:page, unpair:s:programme:student (confirm), unpair:y:… (end it)."""
    await on_coordinator_button(
        update,
        context,
        buttons=BUTTONS,
        steps={
            "p": lambda c, m, ids: _pair_choice(c, m, ids[0], ids[1]),
            "s": lambda c, m, ids: _confirmation(c, m, ids[0], ids[1]),
            "y": lambda c, m, ids: _end(c, m, ids[0], ids[1], ids[2]),
        },
    )


async def _pair_choice(
    context: FrizonContext, member: MemberView, programme_id: int, page: int = 0
) -> Step:
    async with context.services.sessionmaker() as session:
        programme = await get_programme(session, programme_id)
        pairs = await active_pairs(session, programme_id=programme_id)
    if not pairs:
        return Step("pairing/nothing_to_end", programme=programme.name)
    rows = [
        [
            InlineKeyboardButton(
                f"{p.student_name} – {p.mentor_name}",  # names are data, not prose
                callback_data=unpair_buttons.ask(programme_id, p.student_id),
            )
        ]
        for p in pairs
    ]
    keyboard = with_cancel(
        paged(rows, page, context, member.locale, lambda p: unpair_buttons.pairs(programme_id, p)),
        context,
        member.locale,
        CANCEL,
    )
    return Step("pairing/choose_pair", keyboard, programme=programme.name)


async def _confirmation(
    context: FrizonContext, member: MemberView, programme_id: int, student_id: int
) -> Step:
    async with context.services.sessionmaker() as session:
        current = await active_pair_of(session, programme_id=programme_id, student_id=student_id)
    if current is None:
        return Step("errors/stale_button", new_message=True)
    label = context.services.texts.render("buttons/end_pair", member.locale)
    # The pair's own id: pressed after the student was paired anew, it ends nothing.
    end = InlineKeyboardButton(
        label, callback_data=unpair_buttons.end(programme_id, student_id, current.pair_id)
    )
    keyboard = with_cancel([[end]], context, member.locale, CANCEL)
    return _about(current, "pairing/confirm_end", keyboard)


async def _end(
    context: FrizonContext, member: MemberView, programme_id: int, student_id: int, pair_id: int
) -> Step:
    services = context.services
    try:
        async with services.sessionmaker() as session, session.begin():
            programme = await get_programme(session, programme_id)
            ended = await unpair(
                session,
                now=services.clock.now(),
                programme=programme,
                student_id=student_id,
                actor=member_actor(member.id),
                pair_id=pair_id,
            )
    except Refused:
        async with services.sessionmaker() as session:
            before = await ended_by(
                session,
                programme_id=programme_id,
                student_id=student_id,
                actor=member_actor(member.id),
            )
        if before is not None:
            # This coordinator ended it: the same press again (after a failure, or a
            # double tap) shows "Ended" — an identical edit, which Telegram ignores.
            return _about(before, "pairing/unpaired", None)
        # Ended by someone else, or never: say so without touching the message.
        return Step("errors/stale_button", new_message=True)
    services.wake_sender()
    log.info("pair %s ended by member %s", ended.pair_id, member.id)
    return _about(ended, "pairing/unpaired", None)


def _about(pair: PairView, template: str, keyboard: InlineKeyboardMarkup | None) -> Step:
    return Step(
        template,
        keyboard,
        programme=pair.programme_name,
        student=pair.student_name,
        mentor=pair.mentor_name,
    )
