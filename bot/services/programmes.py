"""Programmes: create, list and look up by name or id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.audit import record_event
from bot.services.errors import Refused
from db.models import Membership, Pair, PairStatus, Programme, Role

MAX_NAME_LENGTH = 120


@dataclass(frozen=True)
class ProgrammeSummary:
    id: int
    name: str
    timezone: str
    students: int
    mentors: int
    coordinators: int
    active_pairs: int


async def create_programme(
    session: AsyncSession, *, now: datetime, name: str, timezone: str, actor: str
) -> Programme:
    name = " ".join(name.split())
    # An all-digit name could not be told apart from a programme id on the command line.
    if not name or len(name) > MAX_NAME_LENGTH or name.isdigit():
        raise Refused("bad_programme_name", limit=MAX_NAME_LENGTH)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused("bad_timezone", timezone=timezone) from None
    existing = await session.scalar(select(Programme).where(Programme.name == name))
    if existing is not None:
        raise Refused("programme_exists", name=name)
    programme = Programme(name=name, timezone=timezone, created_at=now)
    session.add(programme)
    await session.flush()
    record_event(
        session,
        now=now,
        kind="programme_created",
        actor=actor,
        programme_id=programme.id,
        details={"name": name, "timezone": timezone},
    )
    return programme


async def get_programme(session: AsyncSession, programme_id: int) -> Programme:
    programme = await session.get(Programme, programme_id)
    if programme is None:
        raise Refused("unknown_programme", reference=str(programme_id))
    return programme


async def find_programme(session: AsyncSession, reference: str) -> Programme:
    """Find a programme by its id or its exact name."""
    reference = reference.strip()
    programme = None
    if reference.isdigit():
        programme = await session.get(Programme, int(reference))
    if programme is None:
        programme = await session.scalar(select(Programme).where(Programme.name == reference))
    if programme is None:
        raise Refused("unknown_programme", reference=reference)
    return programme


async def list_programmes(session: AsyncSession) -> list[ProgrammeSummary]:
    role_counts = (
        select(Membership.programme_id, Membership.role, func.count().label("n"))
        .group_by(Membership.programme_id, Membership.role)
        .subquery()
    )
    pair_counts = (
        select(Pair.programme_id, func.count().label("n"))
        .where(Pair.status == PairStatus.ACTIVE)
        .group_by(Pair.programme_id)
        .subquery()
    )
    programmes = (await session.scalars(select(Programme).order_by(Programme.id))).all()
    counts: dict[tuple[int, str], int] = {
        (row.programme_id, row.role): row.n for row in await session.execute(select(role_counts))
    }
    pairs = {row.programme_id: row.n for row in await session.execute(select(pair_counts))}
    return [
        ProgrammeSummary(
            id=programme.id,
            name=programme.name,
            timezone=programme.timezone,
            students=counts.get((programme.id, Role.STUDENT), 0),
            mentors=counts.get((programme.id, Role.MENTOR), 0),
            coordinators=counts.get((programme.id, Role.COORDINATOR), 0),
            active_pairs=pairs.get(programme.id, 0),
        )
        for programme in programmes
    ]
