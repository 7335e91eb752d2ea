"""/pair: a coordinator picks a student, then a mentor, from buttons."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, Update

from bot.buttons import pairing as pair_buttons
from bot.services.audit import member_actor
from bot.services.errors import Refused
from bot.services.members import MemberView
from bot.services.pairing import mentors_with_room, pair, unpaired_student, unpaired_students
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

BUTTONS = pair_buttons.BUTTONS
PATTERN = BUTTONS.pattern
CANCEL = pair_buttons.cancel()


async def start_pairing(update: Update, context: FrizonContext) -> None:
    """Ask which programme (if several), then which student."""
    member = await coordinator_or_explain(update, context)
    if member is not None:
        await ask_programme_then(
            update, context, member, pair_buttons.students, _student_choice, cancel=CANCEL
        )


async def on_button(update: Update, context: FrizonContext) -> None:
    """pair:p:programme:page, pair:s:programme:student:page, pair:m:programme:student:mentor."""
    await on_coordinator_button(
        update,
        context,
        buttons=BUTTONS,
        steps={
            "p": lambda c, m, ids: _student_choice(c, m, ids[0], ids[1]),
            "s": lambda c, m, ids: _mentor_choice(c, m, ids[0], ids[1], ids[2]),
            "m": lambda c, m, ids: _pair(c, m, ids[0], ids[1], ids[2]),
        },
    )


async def _student_choice(
    context: FrizonContext, member: MemberView, programme_id: int, page: int = 0
) -> Step:
    async with context.services.sessionmaker() as session:
        programme = await get_programme(session, programme_id)
        students = await unpaired_students(session, programme_id=programme_id)
    if not students:
        return Step("pairing/nothing_to_pair", what="students", programme=programme.name)
    rows = [
        [
            InlineKeyboardButton(
                s.display_name, callback_data=pair_buttons.mentors(programme_id, s.member_id)
            )
        ]
        for s in students
    ]
    keyboard = with_cancel(
        paged(rows, page, context, member.locale, lambda p: pair_buttons.students(programme_id, p)),
        context,
        member.locale,
        CANCEL,
    )
    return Step("pairing/choose_student", keyboard, programme=programme.name)


async def _mentor_choice(
    context: FrizonContext, member: MemberView, programme_id: int, student_id: int, page: int
) -> Step:
    async with context.services.sessionmaker() as session:
        programme = await get_programme(session, programme_id)
        student = await unpaired_student(session, programme_id=programme_id, student_id=student_id)
        mentors = await mentors_with_room(session, programme_id=programme_id)
    if student is None:
        return Step("errors/stale_button", new_message=True)
    if not mentors:
        return Step("pairing/nothing_to_pair", what="mentors", programme=programme.name)
    rows = [
        [
            InlineKeyboardButton(
                # Names are data, not prose; the number is how many more mentees fit.
                f"{m.display_name} ({m.free_places})",
                callback_data=pair_buttons.pair(programme_id, student_id, m.member_id),
            )
        ]
        for m in mentors
    ]
    keyboard = with_cancel(
        paged(
            rows,
            page,
            context,
            member.locale,
            lambda p: pair_buttons.mentors(programme_id, student_id, p),
        ),
        context,
        member.locale,
        CANCEL,
    )
    return Step(
        "pairing/choose_mentor", keyboard, programme=programme.name, student=student.display_name
    )


async def _pair(
    context: FrizonContext, member: MemberView, programme_id: int, student_id: int, mentor_id: int
) -> Step:
    services = context.services
    try:
        async with services.sessionmaker() as session, session.begin():
            programme = await get_programme(session, programme_id)
            paired = await pair(
                session,
                now=services.clock.now(),
                programme=programme,
                student_id=student_id,
                mentor_id=mentor_id,
                actor=member_actor(member.id),
            )
    except Refused as refusal:
        return _refusal(refusal, mentor_id=mentor_id)
    services.wake_sender()
    log.info("pair %s created by member %s", paired.pair_id, member.id)
    return Step(
        "pairing/paired",
        programme=paired.programme_name,
        student=paired.student_name,
        mentor=paired.mentor_name,
    )


def _refusal(refusal: Refused, *, mentor_id: int) -> Step:
    """A refusal goes in a new message, so the step it answers stays readable.

    A double tap on a mentor asks for the pair that the first tap made: that is
    success, shown again (an identical edit, which Telegram ignores), not a refusal.
    """
    details = refusal.details
    if refusal.reason == "student_has_mentor" and details.get("mentor_id") == mentor_id:
        return Step(
            "pairing/paired",
            programme=details["programme"],
            student=details["student"],
            mentor=details["mentor"],
        )
    return Step("pairing/refused", new_message=True, reason=refusal.reason, **details)
