"""/start: enrol with an invite token, or greet someone who already belongs."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Update

from bot.services.enrolment import enrol
from bot.services.errors import Refused
from bot.services.members import find_member
from db.models import Role
from handlers.context import FrizonContext
from handlers.menus import set_member_menu
from handlers.people import current_member, person_of
from handlers.replies import locale_of_update, reply
from handlers.support import student_keyboard

log = logging.getLogger(__name__)


async def start(update: Update, context: FrizonContext) -> None:
    """Use the invite in the /start payload; without one, say hello or how to join."""
    user = update.effective_user
    if user is None:
        return
    if not context.args:
        await _greet(update, context)
        return
    services = context.services
    person = person_of(user)
    try:
        async with services.sessionmaker() as session, session.begin():
            enrolment = await enrol(
                session,
                now=services.clock.now(),
                token=context.args[0],
                person=person,
                mentor_capacity=services.config.programme.mentor_capacity,
            )
    except Refused as refusal:
        log.info("invite refused for user %s: %s", user.id, refusal.reason)
        await reply(
            update,
            context,
            "start/refused",
            locale=locale_of_update(update),
            reason=refusal.reason,
            **refusal.details,
        )
        return
    log.info("member %s enrolled as %s", enrolment.member_id, enrolment.role.value)
    async with services.sessionmaker() as session:
        member = await find_member(session, user.id)
    if member is not None:
        await set_member_menu(context.bot, services.texts, member)
    is_student = enrolment.role == Role.STUDENT
    await reply(
        update,
        context,
        "start/welcome",
        locale=enrolment.locale,
        keyboard=student_keyboard(services.texts, enrolment.locale) if is_student else None,
        role=enrolment.role.value,
        programme=enrolment.programme_name,
        name=member.display_name if member else person.display_name,
    )
    if enrolment.role in (Role.STUDENT, Role.MENTOR):
        # Telegram does not tell bots a user's time zone, so say which one we assume.
        now = services.clock.now().astimezone(ZoneInfo(enrolment.programme_timezone))
        await reply(
            update,
            context,
            "start/timezone_hint",
            locale=enrolment.locale,
            zone=member.timezone if member else enrolment.programme_timezone,
            now=f"{now:%H:%M}",
        )


async def _greet(update: Update, context: FrizonContext) -> None:
    member = await current_member(update, context)
    if member is None:
        await reply(update, context, "start/no_invite", locale=locale_of_update(update))
    else:
        await reply(
            update, context, "start/hello_again", locale=member.locale, name=member.display_name
        )
