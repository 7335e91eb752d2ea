"""/pair: a coordinator picks a student, then a mentor, from buttons."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.services.audit import member_actor
from bot.services.errors import Refused
from bot.services.members import MemberView
from bot.services.pairing import mentors_with_room, pair, unpaired_students
from bot.services.programmes import find_programme
from db.models import Role
from handlers.buttons import acknowledge, edit_to, parse_callback, with_cancel
from handlers.context import FrizonContext
from handlers.people import current_member
from handlers.replies import locale_of_update, reply

log = logging.getLogger(__name__)

PATTERN = r"^pair:"
MAX_CHOICES = 90  # Telegram allows 100 buttons; leave room for Cancel


async def start_pairing(update: Update, context: FrizonContext) -> None:
    """Ask which programme (if several), then which student."""
    member = await current_member(update, context)
    if member is None:
        await reply(update, context, "errors/not_enrolled", locale=locale_of_update(update))
        return
    programmes = member.programmes_as(Role.COORDINATOR)
    if not programmes:
        await reply(update, context, "errors/not_allowed", locale=member.locale)
        return
    if len(programmes) == 1:
        name, keyboard, variables = await _student_choice(context, programmes[0].programme_id)
        await reply(update, context, name, locale=member.locale, keyboard=keyboard, **variables)
        return
    buttons = [
        [InlineKeyboardButton(held.programme_name, callback_data=f"pair:p:{held.programme_id}")]
        for held in programmes
    ]
    await reply(
        update,
        context,
        "pairing/choose_programme",
        locale=member.locale,
        keyboard=with_cancel(buttons, context, member.locale, "pair:x"),
    )


async def on_button(update: Update, context: FrizonContext) -> None:
    """Handle every pair:… button; the presser must coordinate the programme named in it."""
    query = update.callback_query
    if query is None:
        return
    await acknowledge(query)
    member = await current_member(update, context)
    locale = locale_of_update(update, member)
    if query.data == "pair:x":
        await edit_to(query, context, "pairing/cancelled", locale)
        return
    parsed = parse_callback(query.data, {"p": 1, "s": 2, "m": 3})
    # Refusals go in a new message: the pressed message may still be a valid offer.
    if parsed is None:
        await reply(update, context, "errors/stale_button", locale=locale)
        return
    verb, ids = parsed
    if member is None or not member.coordinates(ids[0]):
        await reply(update, context, "errors/not_allowed", locale=locale)
        return
    if verb == "p":
        name, keyboard, variables = await _student_choice(context, ids[0])
    elif verb == "s":
        name, keyboard, variables = await _mentor_choice(context, ids[0], ids[1])
    else:
        name, keyboard, variables = await _pair(context, member, ids[0], ids[1], ids[2])
    await edit_to(query, context, name, locale, keyboard=keyboard, **variables)


Choice = tuple[str, InlineKeyboardMarkup | None, dict[str, Any]]


async def _student_choice(context: FrizonContext, programme_id: int) -> Choice:
    async with context.services.sessionmaker() as session:
        programme = await find_programme(session, str(programme_id))
        students = await unpaired_students(session, programme_id=programme_id)
    if not students:
        return "pairing/nothing_to_pair", None, {"what": "students", "programme": programme.name}
    buttons = [
        [InlineKeyboardButton(s.display_name, callback_data=f"pair:s:{programme_id}:{s.member_id}")]
        for s in students[:MAX_CHOICES]
    ]
    return "pairing/choose_student", InlineKeyboardMarkup(buttons), {"programme": programme.name}


async def _mentor_choice(context: FrizonContext, programme_id: int, student_id: int) -> Choice:
    async with context.services.sessionmaker() as session:
        programme = await find_programme(session, str(programme_id))
        students = {
            s.member_id: s for s in await unpaired_students(session, programme_id=programme_id)
        }
        mentors = await mentors_with_room(session, programme_id=programme_id)
    student = students.get(student_id)
    if student is None:
        return "errors/stale_button", None, {}
    if not mentors:
        return "pairing/nothing_to_pair", None, {"what": "mentors", "programme": programme.name}
    buttons = [
        [
            InlineKeyboardButton(
                f"{m.display_name} ({m.free_places})",
                callback_data=f"pair:m:{programme_id}:{student_id}:{m.member_id}",
            )
        ]
        for m in mentors[:MAX_CHOICES]
    ]
    variables = {"programme": programme.name, "student": student.display_name}
    return "pairing/choose_mentor", InlineKeyboardMarkup(buttons), variables


async def _pair(
    context: FrizonContext, member: MemberView, programme_id: int, student_id: int, mentor_id: int
) -> Choice:
    services = context.services
    try:
        async with services.sessionmaker() as session, session.begin():
            programme = await find_programme(session, str(programme_id))
            paired = await pair(
                session,
                clock=services.clock,
                programme=programme,
                student_id=student_id,
                mentor_id=mentor_id,
                actor=member_actor(member.id),
            )
    except Refused as refusal:
        return "pairing/refused", None, {"reason": refusal.reason, **refusal.details}
    services.wake_sender()
    log.info("pair %s created by member %s", paired.pair_id, member.id)
    variables = {
        "programme": paired.programme_name,
        "student": paired.student_name,
        "mentor": paired.mentor_name,
    }
    return "pairing/paired", None, variables
