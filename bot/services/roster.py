"""Importing a checked roster: one single-use invite per person, carrying what the
roster said about them (name, language, capacity, intended mentor, tags)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roster import RosterRow
from bot.domain.tokens import hash_token, new_token
from bot.services.audit import record_event
from bot.services.invites import invite_link
from db.models import AuditEvent, Invite, Programme, Role

IMPORTED = "roster_imported"
# A roster sent in a Telegram chat is sourced "telegram:<chat id>:<message id>".
ROSTER_SOURCE_PREFIX = "telegram:"


@dataclass(frozen=True)
class RosterInvite:
    name: str
    role: Role
    token: str


async def import_roster(
    session: AsyncSession,
    *,
    now: datetime,
    programme: Programme,
    rows: tuple[RosterRow, ...],
    actor: str,
    expires_in: timedelta,
    source: str | None = None,
) -> list[RosterInvite]:
    """Invites for every row, in the roster's order; the tokens are returned only here.

    `source` names where the file came from (a Telegram message), so that the same
    message delivered again is recognised by `earlier_import` and not imported twice.
    """
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
    details: dict[str, int | str] = {"invites": len(issued)}
    if source is not None:
        details["source"] = source
    record_event(
        session,
        now=now,
        kind=IMPORTED,
        actor=actor,
        programme_id=programme.id,
        details=details,
    )
    return issued


async def earlier_import(session: AsyncSession, *, programme_id: int, source: str) -> int | None:
    """How many invites an earlier import from `source` issued, or None if there was none."""
    # A programme has a handful of imports, so their details are compared here, not in
    # SQL, where JSON differs between SQLite and PostgreSQL.
    events = await session.scalars(
        select(AuditEvent).where(
            AuditEvent.kind == IMPORTED, AuditEvent.programme_id == programme_id
        )
    )
    for event in events:
        if event.details.get("source") == source:
            return int(event.details.get("invites", 0))
    return None


def invite_csv(invites: Iterable[RosterInvite], *, bot_username: str, delimiter: str = ",") -> str:
    """The invite CSV for a mail merge: name, role, link; one row per person, in order,
    separated as the roster was (a spreadsheet set to semicolons gets semicolons)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", delimiter=delimiter)
    writer.writerow(["name", "role", "link"])
    for invite in invites:
        writer.writerow([invite.name, invite.role.value, invite_link(bot_username, invite.token)])
    return buffer.getvalue()
