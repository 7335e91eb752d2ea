""" "I need help": the programme's support resources, shown at once to whoever asks.

It notifies no one. The only trace is an anonymous count per programme and week, kept
after the answer is on screen so that a database hiccup can never delay it.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update

from bot.services.members import MemberView
from bot.services.support import count_help_use
from bot.texts.templates import Texts
from db.models import Role
from handlers.context import FrizonContext
from handlers.people import current_member
from handlers.replies import locale_of_update, reply

log = logging.getLogger(__name__)


def student_keyboard(texts: Texts, locale: str) -> ReplyKeyboardMarkup:
    """The two buttons a student always has under the text box."""
    return ReplyKeyboardMarkup(
        [
            [
                KeyboardButton(texts.render_plain("relay/menu_button", locale).strip()),
                KeyboardButton(texts.render_plain("support/menu_button", locale).strip()),
            ]
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def _audience(member: MemberView | None) -> str:
    """Whose resources to show: a student's (also to someone not enrolled), else staff's."""
    if member is None or member.has_role(Role.STUDENT) or not member.roles:
        return "student"
    return "mentor" if member.has_role(Role.MENTOR) else "coordinator"


async def show_support(update: Update, context: FrizonContext) -> None:
    """/support, or the same offer beside the check-in's question for words after the
    lowest mood."""
    await offer_support(update, context, await current_member(update, context))


async def offer_support(update: Update, context: FrizonContext, member: MemberView | None) -> None:
    """The resources, whichever way they were asked for (also the "I need help" button
    under the text box): each ask counts once, the same way."""
    locale = locale_of_update(update, member)
    services = context.services
    audience = _audience(member)
    await reply(
        update,
        context,
        "support/resources",
        locale=locale,
        audience=audience,
        resources=_resources(context, audience, locale),
    )
    if member is None or not member.roles:
        return
    held = member.roles[0]
    today = services.clock.now().astimezone(ZoneInfo(held.programme_timezone)).date()
    try:
        async with services.sessionmaker() as session, session.begin():
            await count_help_use(session, programme_id=held.programme_id, today=today)
    except Exception:  # the count must never stand between someone and the answer
        log.exception("could not count a use of the help entry")


def _resources(context: FrizonContext, audience: str, locale: str) -> str:
    """The programme's own support resources, else the default words for this audience."""
    configured = context.services.config.support.for_audience(audience, locale)
    if configured is not None:
        return configured
    default = "support/default_student" if audience == "student" else "support/default_staff"
    return context.services.texts.render_plain(default, locale)
