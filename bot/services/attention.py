"""Pairs and invites that need a coordinator's attention, named.

The existence of a pair is not secret, and neither are process facts about it: that it
has not met within its agreed rhythm, that one side blocked the bot or left, that an
invite was never used. Nothing anyone wrote, and no mood, is part of it.

Each concern is counted in full and named for its first `limit` cases, most urgent
first (the longest without a meeting); `frizon export --what pairs` lists every pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.dates import as_date, day_of_timestamp, utc_midnight
from db.models import Invite, Member, MemberStatus, Pair, PairStatus, Programme

NAMED = 100  # cases named per concern; the counts are always complete


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


@dataclass(frozen=True)
class AttentionList:
    named: tuple[Attention, ...]  # at most `limit` per concern, most urgent first
    counts: dict[Concern, int]  # every case, per concern
    # Active pairs whose last meeting lies within their rhythm (new pairs that have not
    # met yet are neither this nor overdue); counted in the same pass as the overdue.
    met_within_rhythm: int

    @property
    def unnamed(self) -> int:
        return sum(self.counts.values()) - len(self.named)


GONE = (MemberStatus.BLOCKED, MemberStatus.LEFT)


async def needing_attention(
    session: AsyncSession, *, programme: Programme, today: date, limit: int = NAMED
) -> AttentionList:
    quiet = _Quiet(session, programme, today)
    overdue, recent = await quiet.counts()
    named = [
        *await quiet.named(limit),
        *await _gone_members(session, programme, limit),
        *await _unused_invites(session, programme, today, limit),
    ]
    counts = {
        Concern.NO_MEETING: overdue,
        **await _gone_counts(session, programme),
        Concern.INVITE_UNUSED: await _count(
            session,
            select(func.count()).where(
                Invite.programme_id == programme.id, Invite.used_at.is_(None)
            ),
        ),
    }
    return AttentionList(tuple(named), counts, recent)


class _Quiet:
    """Active pairs that have not met for longer than their rhythm."""

    def __init__(self, session: AsyncSession, programme: Programme, today: date) -> None:
        self.session, self.programme, self.today = session, programme, today
        self._rhythms: Sequence[int] | None = None
        self.rhythm: ColumnElement[int] = func.coalesce(Pair.meeting_weeks, programme.meeting_weeks)

    async def rhythms(self) -> Sequence[int]:
        """The rhythms the active pairs have (read once)."""
        if self._rhythms is None:
            self._rhythms = (
                await self.session.scalars(
                    select(self.rhythm).where(*_active(self.programme)).distinct()
                )
            ).all()
        return self._rhythms

    def _conditions(self, rhythms: Sequence[int]) -> tuple[ColumnElement[bool], ...]:
        """(overdue, recent): not met for longer than the pair's rhythm, or met within it;
        one term per rhythm in use, so each compares with a fixed day."""
        last = Pair.last_met_on
        overdue = or_(
            *(
                and_(
                    self.rhythm == weeks,
                    or_(
                        last < self.today - timedelta(weeks=weeks),
                        and_(
                            last.is_(None),
                            Pair.started_at < utc_midnight(self.today - timedelta(weeks=weeks)),
                        ),
                    ),
                )
                for weeks in rhythms
            )
        )
        recent = or_(
            *(
                and_(self.rhythm == weeks, last >= self.today - timedelta(weeks=weeks))
                for weeks in rhythms
            )
        )
        return overdue, recent

    def _pairs(self, *columns: Any) -> Select[Any]:
        return select(*columns).select_from(Pair).where(*_active(self.programme))

    async def counts(self) -> tuple[int, int]:
        """How many active pairs are overdue, and how many met within their rhythm."""
        rhythms = await self.rhythms()
        if not rhythms:
            return 0, 0
        overdue, recent = self._conditions(rhythms)
        row = (
            await self.session.execute(
                self._pairs(
                    func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((recent, 1), else_=0)), 0),
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def named(self, limit: int) -> list[Attention]:
        student, mentor = aliased(Member), aliased(Member)
        since = func.coalesce(Pair.last_met_on, day_of_timestamp(self.session, Pair.started_at))
        rhythms = await self.rhythms()
        if not rhythms:
            return []
        overdue, _ = self._conditions(rhythms)
        rows = await self.session.execute(
            self._pairs(student.display_name, mentor.display_name, since)
            .where(overdue)
            .join(student, student.id == Pair.student_id)
            .join(mentor, mentor.id == Pair.mentor_id)
            .order_by(since, student.display_name, Pair.id)
            .limit(limit)
        )
        return [
            Attention(Concern.NO_MEETING, str(name), str(mentor_name), since=as_date(day))
            for name, mentor_name, day in rows
        ]


async def _gone_members(session: AsyncSession, programme: Programme, limit: int) -> list[Attention]:
    student, mentor = aliased(Member), aliased(Member)
    rows = await session.execute(
        select(student.display_name, student.status, mentor.display_name, mentor.status)
        .select_from(Pair)
        .join(student, student.id == Pair.student_id)
        .join(mentor, mentor.id == Pair.mentor_id)
        .where(*_active(programme), or_(student.status.in_(GONE), mentor.status.in_(GONE)))
        .order_by(student.display_name, Pair.id)
        .limit(limit)
    )
    found = []
    for student_name, student_status, mentor_name, mentor_status in rows:
        for who, status in (("student", student_status), ("mentor", mentor_status)):
            if status in GONE:
                concern = Concern.BLOCKED if status == MemberStatus.BLOCKED else Concern.LEFT
                found.append(Attention(concern, student_name, mentor_name, who=who))
    return found


async def _gone_counts(session: AsyncSession, programme: Programme) -> dict[Concern, int]:
    """Pairs with a member who blocked the bot, and who left (one side each)."""
    counts = {}
    for concern, status in (
        (Concern.BLOCKED, MemberStatus.BLOCKED),
        (Concern.LEFT, MemberStatus.LEFT),
    ):
        student, mentor = aliased(Member), aliased(Member)
        counts[concern] = await _count(
            session,
            select(func.count())
            .select_from(Pair)
            .join(student, student.id == Pair.student_id)
            .join(mentor, mentor.id == Pair.mentor_id)
            .where(*_active(programme), or_(student.status == status, mentor.status == status)),
        )
    return counts


async def _unused_invites(
    session: AsyncSession, programme: Programme, today: date, limit: int
) -> list[Attention]:
    rows = await session.execute(
        select(Invite.name, Invite.role, Invite.created_at, Invite.expires_at)
        .where(Invite.programme_id == programme.id, Invite.used_at.is_(None))
        .order_by(Invite.name, Invite.id)
        .limit(limit)
    )
    return [
        Attention(
            Concern.INVITE_UNUSED,
            name or "",
            role.value,
            since=created.date(),
            expired=expires < utc_midnight(today),
        )
        for name, role, created, expires in rows
    ]


def _active(programme: Programme) -> tuple[ColumnElement[bool], ...]:
    return (Pair.programme_id == programme.id, Pair.status == PairStatus.ACTIVE)


async def _count(session: AsyncSession, query: Select[Any]) -> int:
    return int(await session.scalar(query) or 0)
