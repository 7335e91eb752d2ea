"""Pairs and invites that need a coordinator's attention, named.

The existence of a pair is not secret, and neither are process facts about it: that it
has not met within its agreed rhythm, that one side blocked the bot or left, that an
invite was never used. Nothing anyone wrote, and no mood, is part of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Subquery, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import Invite, Meeting, Member, MemberStatus, Pair, PairStatus, Programme


class Concern(StrEnum):
    NO_MEETING = "no_meeting"  # longer than the pair's rhythm since they last met
    BLOCKED = "blocked"  # a member of the pair blocked the bot
    LEFT = "left"  # a member of the pair left
    INVITE_UNUSED = "invite_unused"


@dataclass(frozen=True)
class Attention:
    concern: Concern
    name: str  # the student (pairs) or the invited person
    other: str | None = None  # the mentor (pairs); the role (invites)
    since: date | None = None  # last meeting or pairing day; the invite's day
    who: str | None = None  # for BLOCKED / LEFT: "student" or "mentor"
    expired: bool = False  # for invites


async def needing_attention(
    session: AsyncSession, *, programme: Programme, today: date
) -> list[Attention]:
    found = await _quiet_pairs(session, programme, today)
    found += await _gone_members(session, programme)
    found += await _unused_invites(session, programme, today)
    return found


async def met_within_rhythm(session: AsyncSession, *, programme: Programme, today: date) -> int:
    """Active pairs whose last meeting lies within their rhythm (new pairs that have not
    met yet are not counted, though they are not overdue either)."""
    last_met = _last_meetings()
    rhythm = _rhythm(programme)
    rhythms = await _rhythms_in_use(session, programme)
    if not rhythms:
        return 0
    recent = or_(
        *(
            and_(rhythm == weeks, last_met.c.day >= today - timedelta(weeks=weeks))
            for weeks in rhythms
        )
    )
    count = await session.scalar(
        select(func.count())
        .select_from(Pair)
        .join(last_met, last_met.c.pair_id == Pair.id)
        .where(Pair.programme_id == programme.id, Pair.status == PairStatus.ACTIVE, recent)
    )
    return int(count or 0)


def _last_meetings() -> Subquery:
    return (
        select(Meeting.pair_id, func.max(Meeting.met_on).label("day"))
        .where(Meeting.stands)
        .group_by(Meeting.pair_id)
        .subquery()
    )


def _rhythm(programme: Programme) -> ColumnElement[int]:
    return func.coalesce(Pair.meeting_weeks, programme.meeting_weeks)


async def _rhythms_in_use(session: AsyncSession, programme: Programme) -> Sequence[int]:
    return (
        await session.scalars(
            select(_rhythm(programme))
            .where(Pair.programme_id == programme.id, Pair.status == PairStatus.ACTIVE)
            .distinct()
        )
    ).all()


async def _quiet_pairs(session: AsyncSession, programme: Programme, today: date) -> list[Attention]:
    student, mentor = aliased(Member), aliased(Member)
    last_met = _last_meetings()
    rhythm = _rhythm(programme)
    rhythms = await _rhythms_in_use(session, programme)
    if not rhythms:
        return []
    # One condition per rhythm in use: "not met since the rhythm's weeks before today".
    overdue = or_(
        *(
            and_(
                rhythm == weeks,
                or_(
                    last_met.c.day < today - timedelta(weeks=weeks),
                    and_(
                        last_met.c.day.is_(None),
                        Pair.started_at < _midnight(today - timedelta(weeks=weeks)),
                    ),
                ),
            )
            for weeks in rhythms
        )
    )
    rows = await session.execute(
        select(student.display_name, mentor.display_name, last_met.c.day, Pair.started_at)
        .select_from(Pair)
        .join(student, student.id == Pair.student_id)
        .join(mentor, mentor.id == Pair.mentor_id)
        .outerjoin(last_met, last_met.c.pair_id == Pair.id)
        .where(Pair.programme_id == programme.id, Pair.status == PairStatus.ACTIVE, overdue)
        .order_by(student.display_name, Pair.id)
    )
    return [
        Attention(Concern.NO_MEETING, name, mentor_name, since=day or started.date())
        for name, mentor_name, day, started in rows
    ]


async def _gone_members(session: AsyncSession, programme: Programme) -> list[Attention]:
    student, mentor = aliased(Member), aliased(Member)
    gone = (MemberStatus.BLOCKED, MemberStatus.LEFT)
    rows = await session.execute(
        select(student.display_name, student.status, mentor.display_name, mentor.status)
        .select_from(Pair)
        .join(student, student.id == Pair.student_id)
        .join(mentor, mentor.id == Pair.mentor_id)
        .where(
            Pair.programme_id == programme.id,
            Pair.status == PairStatus.ACTIVE,
            or_(student.status.in_(gone), mentor.status.in_(gone)),
        )
        .order_by(student.display_name, Pair.id)
    )
    found = []
    for student_name, student_status, mentor_name, mentor_status in rows:
        for who, status in (("student", student_status), ("mentor", mentor_status)):
            if status in gone:
                concern = Concern.BLOCKED if status == MemberStatus.BLOCKED else Concern.LEFT
                found.append(Attention(concern, student_name, mentor_name, who=who))
    return found


async def _unused_invites(
    session: AsyncSession, programme: Programme, today: date
) -> list[Attention]:
    rows = await session.execute(
        select(Invite.name, Invite.role, Invite.created_at, Invite.expires_at)
        .where(Invite.programme_id == programme.id, Invite.used_at.is_(None))
        .order_by(Invite.name, Invite.id)
    )
    return [
        Attention(
            Concern.INVITE_UNUSED,
            name or "",
            role.value,
            since=created.date(),
            expired=expires < _midnight(today),
        )
        for name, role, created, expires in rows
    ]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
