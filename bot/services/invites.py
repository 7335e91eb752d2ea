"""Invites: single-use, expiring enrolment links for one programme and role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.tokens import hash_token, new_token
from bot.services.audit import record_event
from bot.services.errors import Refused
from db.models import Invite, Programme, Role

MAX_INVITES_AT_ONCE = 1000


@dataclass(frozen=True)
class IssuedInvite:
    token: str
    role: Role
    name: str | None
    expires_at: datetime


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


async def issue_invites(
    session: AsyncSession,
    *,
    now: datetime,
    programme: Programme,
    role: Role,
    actor: str,
    expires_in: timedelta,
    count: int = 1,
    name: str | None = None,
) -> list[IssuedInvite]:
    """Create `count` invites; the tokens are returned once and only their hashes are kept."""
    if not 1 <= count <= MAX_INVITES_AT_ONCE:
        raise Refused("bad_invite_count", limit=MAX_INVITES_AT_ONCE)
    if name is not None and count != 1:
        raise Refused("name_needs_single_invite")
    issued = []
    for _ in range(count):
        token = new_token()
        session.add(
            Invite(
                programme_id=programme.id,
                role=role,
                token_hash=hash_token(token),
                name=name,
                created_at=now,
                expires_at=now + expires_in,
            )
        )
        issued.append(IssuedInvite(token=token, role=role, name=name, expires_at=now + expires_in))
    record_event(
        session,
        now=now,
        kind="invites_issued",
        actor=actor,
        programme_id=programme.id,
        details={"role": role.value, "count": count},
    )
    return issued
