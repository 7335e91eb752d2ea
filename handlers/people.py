"""Who is talking: the Telegram user as a plain Person, and their membership if any."""

from __future__ import annotations

from telegram import Update, User

from bot.services.members import MemberView, Person, find_member
from handlers.context import FrizonContext


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
