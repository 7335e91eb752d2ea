"""Research consent: a student decides whether their entries may be used for research.

Consent covers all of the student's entries in the programme for as long as it stands:
an export made while it stands includes them, and once it is withdrawn every later
export leaves them out (exports already made cannot be called back). It is kept per
student membership, so a student in two programmes decides for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.audit import record_event
from bot.services.errors import Refused
from db.models import Membership, Programme, Role


@dataclass(frozen=True)
class ConsentState:
    programme_id: int
    programme_name: str
    consenting: bool
    changed_at: datetime | None


async def consent_states(session: AsyncSession, *, member_id: int) -> list[ConsentState]:
    """The member's consent in each programme where they are a student, by programme id."""
    rows = await session.execute(
        select(Membership, Programme.name)
        .join(Programme, Programme.id == Membership.programme_id)
        .where(Membership.member_id == member_id, Membership.role == Role.STUDENT)
        .order_by(Membership.programme_id)
    )
    return [
        ConsentState(m.programme_id, name, m.research_consent, m.consent_changed_at)
        for m, name in rows
    ]


async def set_consent(
    session: AsyncSession,
    *,
    now: datetime,
    member_id: int,
    programme_id: int,
    consenting: bool,
    actor: str,
) -> ConsentState:
    """Opt in or out; a change is an audit event, choosing the current state again is not."""
    membership = await session.scalar(
        select(Membership).where(
            Membership.member_id == member_id,
            Membership.programme_id == programme_id,
            Membership.role == Role.STUDENT,
        )
    )
    if membership is None:
        raise Refused("not_student")
    programme = await session.get_one(Programme, programme_id)
    if membership.research_consent != consenting:
        membership.research_consent = consenting
        membership.consent_changed_at = now
        record_event(
            session,
            now=now,
            kind="research_consent",
            actor=actor,
            programme_id=programme_id,
            details={"member_id": member_id, "consenting": consenting},
        )
    return ConsentState(
        programme_id, programme.name, membership.research_consent, membership.consent_changed_at
    )
