"""/help and /privacy: what this member can do, and who sees what."""

from __future__ import annotations

from telegram import Update

from db.models import Role
from handlers.context import FrizonContext
from handlers.people import current_member
from handlers.replies import locale_of_update, reply
from handlers.support import student_keyboard


async def show_help(update: Update, context: FrizonContext) -> None:
    """List the member's programmes and roles and the commands those roles allow."""
    member = await current_member(update, context)
    roles = (
        [{"programme": held.programme_name, "role": held.role.value} for held in member.roles]
        if member
        else []
    )
    locale = locale_of_update(update, member)
    is_student = member is not None and member.has_role(Role.STUDENT)
    await reply(
        update,
        context,
        "help",
        locale=locale,
        # Students get their two standing buttons back, should they have hidden them.
        keyboard=student_keyboard(context.services.texts, locale) if is_student else None,
        roles=roles,
        is_coordinator=member is not None and member.has_role(Role.COORDINATOR),
        is_student=member is not None and member.has_role(Role.STUDENT),
        is_mentor=member is not None and member.has_role(Role.MENTOR),
    )


async def show_privacy(update: Update, context: FrizonContext) -> None:
    """Explain the free zone: who sees what."""
    member = await current_member(update, context)
    await reply(
        update,
        context,
        "privacy",
        locale=locale_of_update(update, member),
        min_group_size=context.services.config.privacy.min_group_size,
    )
