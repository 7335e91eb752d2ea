"""Small factories that build test data through the real services."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.enrolment import Enrolment, enrol
from bot.services.invites import issue_invites
from bot.services.members import Person
from bot.services.programmes import create_programme
from db.models import Programme, Role

_telegram_ids = itertools.count(500_001)
_programme_numbers = itertools.count(1)


async def a_programme(
    session: AsyncSession,
    now: datetime,
    *,
    name: str | None = None,
    timezone: str = "Europe/Stockholm",
) -> Programme:
    name = name or f"Programme {next(_programme_numbers)}"
    return await create_programme(session, now=now, name=name, timezone=timezone, actor="test")


async def an_invite(
    session: AsyncSession,
    now: datetime,
    programme: Programme,
    role: Role,
    *,
    name: str | None = None,
    expires_in: timedelta = timedelta(days=30),
) -> str:
    (issued,) = await issue_invites(
        session,
        now=now,
        programme=programme,
        role=role,
        actor="test",
        expires_in=expires_in,
        name=name,
    )
    return issued.token


def a_person(name: str = "Ana Berg", language_code: str | None = "en") -> Person:
    return Person(next(_telegram_ids), name, language_code)


async def a_member(
    session: AsyncSession,
    now: datetime,
    programme: Programme,
    role: Role,
    *,
    name: str = "Ana Berg",
    capacity: int = 2,
    person: Person | None = None,
) -> Enrolment:
    token = await an_invite(session, now, programme, role, name=name)
    return await enrol(
        session, now=now, token=token, person=person or a_person(name), mentor_capacity=capacity
    )
