"""Whether a member can be reached: blocked the bot, or back again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.audit import member_actor, record_event
from db.models import Member, MemberStatus


async def mark_blocked(session: AsyncSession, *, now: datetime, telegram_user_id: int) -> bool:
    """The member blocked the bot (Telegram said so); True if that is news."""
    return await _set(session, now, telegram_user_id, MemberStatus.BLOCKED)


async def mark_back(session: AsyncSession, *, now: datetime, telegram_user_id: int) -> bool:
    """A member who had blocked the bot wrote or unblocked it; True if that is news."""
    member = await _member(session, telegram_user_id)
    if member is None or member.status != MemberStatus.BLOCKED:
        return False
    return await _set(session, now, telegram_user_id, MemberStatus.ACTIVE)


async def is_blocked(session: AsyncSession, *, telegram_user_id: int) -> bool:
    status = await session.scalar(
        select(Member.status).where(Member.telegram_user_id == telegram_user_id)
    )
    return status == MemberStatus.BLOCKED


async def _member(session: AsyncSession, telegram_user_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.telegram_user_id == telegram_user_id))


async def _set(
    session: AsyncSession, now: datetime, telegram_user_id: int, status: MemberStatus
) -> bool:
    member = await _member(session, telegram_user_id)
    if member is None or member.status == status or member.status == MemberStatus.LEFT:
        return False
    member.status = status
    record_event(
        session,
        now=now,
        kind=f"member_{status.value}",
        actor=member_actor(member.id),
        programme_id=None,
    )
    return True
