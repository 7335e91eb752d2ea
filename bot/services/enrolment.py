"""Enrolment: `/start <token>` turns a valid invite into a membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.tokens import hash_token, is_well_formed
from bot.services.audit import member_actor, record_event
from bot.services.errors import Refused
from bot.services.members import Person, locale_of
from db.models import Invite, Member, Membership, MemberStatus, Programme, Role

MAX_DISPLAY_NAME = 200


@dataclass(frozen=True)
class Enrolment:
    member_id: int
    programme_name: str
    programme_timezone: str
    role: Role
    locale: str


async def enrol(
    session: AsyncSession, *, now: datetime, token: str, person: Person, mentor_capacity: int
) -> Enrolment:
    """Use an invite. Refused reasons: malformed, unknown, expired, used, already_enrolled."""
    if not is_well_formed(token):
        raise Refused("malformed")
    invite = await session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if invite is None:
        raise Refused("unknown")
    if invite.used_at is not None:
        await _refuse_used(session, invite, person)
    if invite.expires_at <= now:
        raise Refused("expired")
    programme = await session.get_one(Programme, invite.programme_id)
    member = await _member_for(
        session, person=person, name=invite.name, language=invite.language, now=now
    )
    already = await session.scalar(
        select(Membership).where(
            Membership.programme_id == programme.id,
            Membership.member_id == member.id,
            Membership.role == invite.role,
        )
    )
    if already is not None:
        raise Refused("already_enrolled", programme=programme.name, role=invite.role.value)
    # Claim the invite with a conditional update, so two people racing for one link
    # cannot both win: only the update that still sees it unused changes a row.
    claimed = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=now, used_by_id=member.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused("used")
    session.add(
        Membership(
            programme_id=programme.id,
            member_id=member.id,
            role=invite.role,
            capacity=(invite.capacity or mentor_capacity) if invite.role == Role.MENTOR else None,
            created_at=now,
        )
    )
    record_event(
        session,
        now=now,
        kind="enrolled",
        actor=member_actor(member.id),
        programme_id=programme.id,
        details={"role": invite.role.value, "invite_id": invite.id},
    )
    return Enrolment(member.id, programme.name, programme.timezone, invite.role, member.language)


async def _member_for(
    session: AsyncSession,
    *,
    person: Person,
    name: str | None,
    language: str | None,
    now: datetime,
) -> Member:
    """The member row for this Telegram account, created on first enrolment.

    A name on the invite (from the coordinator's roster) wins over the Telegram name,
    so coordinators see the names they know.
    """
    member = await session.scalar(
        select(Member).where(Member.telegram_user_id == person.telegram_user_id)
    )
    if member is None:
        member = Member(
            telegram_user_id=person.telegram_user_id,
            display_name=(name or person.display_name)[:MAX_DISPLAY_NAME],
            language=language or locale_of(person),
            status=MemberStatus.ACTIVE,
            created_at=now,
        )
        session.add(member)
        await session.flush()
    return member


async def _refuse_used(session: AsyncSession, invite: Invite, person: Person) -> NoReturn:
    """People often tap their own link again; tell them they are in, not that it was taken."""
    user = await session.get(Member, invite.used_by_id) if invite.used_by_id else None
    if user is not None and user.telegram_user_id == person.telegram_user_id:
        programme = await session.get_one(Programme, invite.programme_id)
        raise Refused("already_enrolled", programme=programme.name, role=invite.role.value)
    raise Refused("used")
