"""Who is talking: the Telegram user as a plain Person, and their membership if any."""

from __future__ import annotations

from telegram import Update, User

from bot.services.members import MemberView, Person, find_member
from handlers.context import FrizonContext
from handlers.replies import locale_of_update, reply


def person_of(user: User) -> Person:
    return Person(
        telegram_user_id=user.id,
        display_name=user.full_name.strip() or str(user.id),
        language_code=user.language_code,
    )


async def current_member(update: Update, context: FrizonContext) -> MemberView | None:
    user = update.effective_user
    if user is None:
        return None
    async with context.services.sessionmaker() as session:
        return await find_member(session, user.id)


async def enrolled_member(update: Update, context: FrizonContext) -> MemberView | None:
    """The member; or, for someone the bot does not know, a kind word on how to join."""
    member = await current_member(update, context)
    if member is None:
        await reply(update, context, "errors/not_enrolled", locale=locale_of_update(update))
    return member
