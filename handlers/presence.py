"""Noticing when a member blocks the bot or comes back, before any other handler runs."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.services.presence import is_blocked, mark_back, mark_blocked
from handlers.context import FrizonContext


async def on_my_chat_member(update: Update, context: FrizonContext) -> None:
    """Telegram reports a private chat's bot status: "kicked" is blocked, "member" is back."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    services = context.services
    async with services.sessionmaker() as session, session.begin():
        if change.new_chat_member.status == ChatMember.BANNED:
            await mark_blocked(
                session, now=services.clock.now(), telegram_user_id=change.from_user.id
            )
        elif change.new_chat_member.status == ChatMember.MEMBER:
            await mark_back(session, now=services.clock.now(), telegram_user_id=change.from_user.id)


async def on_any_update(update: Update, context: FrizonContext) -> None:
    """Someone who writes to the bot can be reached again, whatever they had done before."""
    user = update.effective_user
    if user is None or update.my_chat_member is not None:
        return
    services = context.services
    async with services.sessionmaker() as session:
        if not await is_blocked(session, telegram_user_id=user.id):
            return  # the usual case: a read, no write transaction
    async with services.sessionmaker() as session, session.begin():
        await mark_back(session, now=services.clock.now(), telegram_user_id=user.id)
