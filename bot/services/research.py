"""Research export: the entries of students who consent, pseudonymised, for researchers.

A row carries a pseudonym, the programme week, the prompt's theme and competence, the
mood and the reflection text: no name, no Telegram id, no date finer than the week. Voice
notes are left out (not even their count): a voice identifies its speaker. The pseudonym
is an HMAC of the member id under the programme's own secret, so it is the same in every
export of a programme, cannot be computed without the database, and differs between
programmes.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.crypto import CannotDecrypt, ReflectionCipher
from bot.domain.catalogue import Catalogue
from bot.services.audit import record_event
from bot.services.checkins import read_reflection
from db.models import (
    CheckIn,
    CheckInStatus,
    Membership,
    Programme,
    Role,
    new_pseudonym_secret,
)

PSEUDONYM_HEX = 10  # 40 bits: no two of 10,000 students likely to share one
COLUMNS = ("pseudonym", "week", "theme", "competence", "prompt", "mood", "reflection")


@dataclass(frozen=True)
class ResearchRow:
    pseudonym: str
    week: int  # 1 is the programme's first week; 0 or less: before it began
    theme: str
    competence: str
    prompt: str
    mood: int
    reflection: str


@dataclass(frozen=True)
class ResearchExport:
    rows: list[ResearchRow]
    students: int
    unreadable: int  # entries whose text this key cannot read: exported without it


def pseudonym(secret: str, member_id: int) -> str:
    digest = hmac.new(secret.encode(), str(member_id).encode(), hashlib.sha256).hexdigest()
    return f"S-{digest[:PSEUDONYM_HEX]}"


def first_day(programme: Programme) -> date:
    """Where week 1 starts: the programme's first day, else the day it was created."""
    if programme.anchor_day is not None:
        return programme.anchor_day
    return programme.created_at.astimezone(ZoneInfo(programme.timezone)).date()


def programme_week(programme: Programme, moment: datetime) -> int:
    local = moment.astimezone(ZoneInfo(programme.timezone)).date()
    return (local - first_day(programme)).days // 7 + 1


async def research_export(
    session: AsyncSession,
    *,
    now: datetime,
    programme: Programme,
    cipher: ReflectionCipher,
    catalogue: Catalogue,
    actor: str,
) -> ResearchExport:
    """The finished entries of every student of the programme whose consent stands now."""
    if not programme.pseudonym_secret:  # a row written outside frizon's models
        programme.pseudonym_secret = new_pseudonym_secret()
    consenting = select(Membership.member_id).where(
        Membership.programme_id == programme.id,
        Membership.role == Role.STUDENT,
        Membership.research_consent,
    )
    entries = (
        await session.scalars(
            select(CheckIn)
            .where(
                CheckIn.programme_id == programme.id,
                CheckIn.status == CheckInStatus.DONE,
                CheckIn.member_id.in_(consenting),
            )
            .order_by(CheckIn.id)
        )
    ).all()
    rows, unreadable = [], 0
    for entry in entries:
        try:
            text = read_reflection(cipher, entry)
        except CannotDecrypt:
            text, unreadable = "", unreadable + 1
        prompt = catalogue.get("student", entry.prompt_key) if entry.prompt_key else None
        rows.append(
            ResearchRow(
                pseudonym=pseudonym(programme.pseudonym_secret, entry.member_id),
                week=programme_week(programme, entry.created_at),
                theme=entry.theme or (prompt.theme if prompt else ""),
                competence=prompt.competence if prompt else "",
                prompt=entry.prompt_key or "",
                mood=entry.mood,
                reflection=text,
            )
        )
    # By pseudonym, not by enrolment order, which could hint at who is who.
    rows.sort(key=lambda row: (row.pseudonym, row.week))
    students = len({row.pseudonym for row in rows})
    record_event(
        session,
        now=now,
        kind="research_export",
        actor=actor,
        programme_id=programme.id,
        details={"entries": len(rows), "students": students},
    )
    return ResearchExport(rows, students, unreadable)


def write_csv(rows: Iterable[ResearchRow], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.pseudonym,
                row.week,
                row.theme,
                row.competence,
                row.prompt,
                row.mood,
                row.reflection,
            ]
        )
