"""/unpair: a coordinator picks an active pair, confirms, and the pair ends."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.services.audit import member_actor
from bot.services.errors import Refused
from bot.services.members import MemberView
from bot.services.pairing import PairView, active_pairs, unpair
from bot.services.programmes import find_programme
from db.models import Role
from handlers.buttons import acknowledge, edit_to, parse_callback, with_cancel
from handlers.context import FrizonContext
from handlers.people import current_member
from handlers.replies import locale_of_update, reply

log = logging.getLogger(__name__)

PATTERN = r"^unpair:"
CANCEL = "unpair:x"
MAX_CHOICES = 90


async def start_unpairing(update: Update, context: FrizonContext) -> None:
    """Ask which programme (if several), then which pair should end."""
    member = await current_member(update, context)
    if member is None:
        await reply(update, context, "errors/not_enrolled", locale=locale_of_update(update))
        return
    programmes = member.programmes_as(Role.COORDINATOR)
    if not programmes:
        await reply(update, context, "errors/not_allowed", locale=member.locale)
        return
    if len(programmes) == 1:
        await _offer_pairs(update, context, member, programmes[0].programme_id, edit=False)
        return
    rows = [
        [InlineKeyboardButton(held.programme_name, callback_data=f"unpair:p:{held.programme_id}")]
        for held in programmes
    ]
    keyboard = with_cancel(rows, context, member.locale, CANCEL)
    await reply(
        update, context, "pairing/choose_programme", locale=member.locale, keyboard=keyboard
    )


async def on_button(update: Update, context: FrizonContext) -> None:
    """Handle every unpair:… button; the presser must coordinate the programme named in it."""
    query = update.callback_query
    if query is None:
        return
    await acknowledge(query)
    member = await current_member(update, context)
    locale = locale_of_update(update, member)
    if query.data == CANCEL:
        await edit_to(query, context, "pairing/cancelled", locale)
        return
    parsed = parse_callback(query.data, {"p": 1, "s": 2, "y": 2})
    if parsed is None:
        await reply(update, context, "errors/stale_button", locale=locale)
        return
    verb, ids = parsed
    if member is None or not member.coordinates(ids[0]):
        await reply(update, context, "errors/not_allowed", locale=locale)
        return
    if verb == "p":
        await _offer_pairs(update, context, member, ids[0], edit=True)
        return
    current = await _active_pair(context, ids[0], ids[1])
    if current is None:
        await edit_to(query, context, "errors/stale_button", locale)
    elif verb == "s":
        keyboard = _confirmation(context, locale, ids[0], ids[1])
        await _show_pair(query, context, "pairing/confirm_end", locale, current, keyboard)
    else:
        await _end(update, context, member, ids[0], ids[1])


async def _offer_pairs(
    update: Update, context: FrizonContext, member: MemberView, programme_id: int, *, edit: bool
) -> None:
    async with context.services.sessionmaker() as session:
        programme = await find_programme(session, str(programme_id))
        pairs = await active_pairs(session, programme_id=programme_id)
    if not pairs:
        template, keyboard = "pairing/nothing_to_end", None
    else:
        rows = [
            [
                InlineKeyboardButton(
                    f"{p.student_name} – {p.mentor_name}",
                    callback_data=f"unpair:s:{programme_id}:{p.student_id}",
                )
            ]
            for p in pairs[:MAX_CHOICES]
        ]
        template, keyboard = (
            "pairing/choose_pair",
            with_cancel(rows, context, member.locale, CANCEL),
        )
    if edit and update.callback_query is not None:
        await edit_to(
            update.callback_query,
            context,
            template,
            member.locale,
            keyboard=keyboard,
            programme=programme.name,
        )
    else:
        await reply(
            update,
            context,
            template,
            locale=member.locale,
            keyboard=keyboard,
            programme=programme.name,
        )


def _confirmation(
    context: FrizonContext, locale: str, programme_id: int, student_id: int
) -> InlineKeyboardMarkup:
    label = context.services.texts.render("buttons/end_pair", locale)
    end = [InlineKeyboardButton(label, callback_data=f"unpair:y:{programme_id}:{student_id}")]
    return with_cancel([end], context, locale, CANCEL)


async def _active_pair(
    context: FrizonContext, programme_id: int, student_id: int
) -> PairView | None:
    async with context.services.sessionmaker() as session:
        pairs = await active_pairs(session, programme_id=programme_id)
    return next((p for p in pairs if p.student_id == student_id), None)


async def _end(
    update: Update, context: FrizonContext, member: MemberView, programme_id: int, student_id: int
) -> None:
    services = context.services
    query = update.callback_query
    assert query is not None
    try:
        async with services.sessionmaker() as session, session.begin():
            programme = await find_programme(session, str(programme_id))
            ended = await unpair(
                session,
                clock=services.clock,
                programme=programme,
                student_id=student_id,
                actor=member_actor(member.id),
            )
    except Refused:
        await edit_to(query, context, "errors/stale_button", member.locale)
        return
    services.wake_sender()
    log.info("pair %s ended by member %s", ended.pair_id, member.id)
    await _show_pair(query, context, "pairing/unpaired", member.locale, ended, None)


async def _show_pair(
    query: CallbackQuery,
    context: FrizonContext,
    template: str,
    locale: str,
    pair: PairView,
    keyboard: InlineKeyboardMarkup | None,
) -> None:
    await edit_to(
        query,
        context,
        template,
        locale,
        keyboard=keyboard,
        programme=pair.programme_name,
        student=pair.student_name,
        mentor=pair.mentor_name,
    )
