"""Importing a checked roster: one single-use invite per person, carrying what the
roster said about them (name, language, capacity, intended mentor, tags)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.roster import RosterRow
from bot.services.audit import record_event
from bot.tokens import hash_token, new_token
from db.models import Invite, Programme, Role


@dataclass(frozen=True)
class RosterInvite:
    name: str
    role: Role
    token: str


async def import_roster(
    session: AsyncSession,
    *,
    clock: Clock,
    programme: Programme,
    rows: tuple[RosterRow, ...],
    actor: str,
    expires_in: timedelta,
) -> list[RosterInvite]:
    """Invites for every row, in the roster's order; the tokens are returned only here."""
    now = clock.now()
    issued = []
    for row in rows:
        token = new_token()
        session.add(
            Invite(
                programme_id=programme.id,
                role=row.role,
                token_hash=hash_token(token),
                name=row.name,
                language=row.language,
                capacity=row.capacity,
                mentor_name=row.mentor,
                tags=row.tags or None,
                created_at=now,
                expires_at=now + expires_in,
            )
        )
        issued.append(RosterInvite(row.name, row.role, token))
    record_event(
        session,
        clock=clock,
        kind="roster_imported",
        actor=actor,
        programme_id=programme.id,
        details={"invites": len(issued)},
    )
    return issued
