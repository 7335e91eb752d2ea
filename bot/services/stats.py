"""Programme statistics for coordinators: counts computed in SQL, never any content.

Every figure is an aggregate over a group of people; a group smaller than
`privacy.min_group_size` makes the figure *suppressed* (None), so that nobody can be
singled out. This module covers enrolment, pairs, meetings and help uses; prompt
response and mood trends follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import HelpUse, Invite, Meeting, Membership, Pair, PairStatus, Programme, Role


@dataclass(frozen=True)
class Figure:
    key: str
    value: int | None  # None: suppressed, the group is too small to show
    group: int  # how many people the figure is about


@dataclass(frozen=True)
class ProgrammeStats:
    programme: str
    min_group_size: int
    figures: tuple[Figure, ...]

    def value(self, key: str) -> int | None:
        return next(figure.value for figure in self.figures if figure.key == key)


async def programme_stats(
    session: AsyncSession, *, programme: Programme, today: date, min_group_size: int
) -> ProgrammeStats:
    def figure(key: str, value: int, group: int) -> Figure:
        return Figure(key, value if group >= min_group_size else None, group)

    invited = dict(
        (
            await session.execute(
                select(Invite.role, func.count())
                .where(Invite.programme_id == programme.id)
                .group_by(Invite.role)
            )
        ).all()
    )
    enrolled = dict(
        (
            await session.execute(
                select(Membership.role, func.count())
                .where(Membership.programme_id == programme.id)
                .group_by(Membership.role)
            )
        ).all()
    )
    figures = []
    for role in (Role.STUDENT, Role.MENTOR):
        figures.append(figure(f"invited_{role.value}s", invited.get(role, 0), invited.get(role, 0)))
        figures.append(
            figure(f"enrolled_{role.value}s", enrolled.get(role, 0), enrolled.get(role, 0))
        )
    active = (
        await session.scalars(
            select(Pair).where(Pair.programme_id == programme.id, Pair.status == PairStatus.ACTIVE)
        )
    ).all()
    last_met = dict(
        (
            await session.execute(
                select(Meeting.pair_id, func.max(Meeting.met_on))
                .where(Meeting.pair_id.in_([pair.id for pair in active]), Meeting.stands)
                .group_by(Meeting.pair_id)
            )
        ).all()
    )
    met_in_rhythm = sum(
        1
        for pair in active
        if pair.id in last_met
        and today - last_met[pair.id]
        <= timedelta(weeks=pair.meeting_weeks or programme.meeting_weeks)
    )
    people_in_pairs = 2 * len(active)
    figures.append(figure("active_pairs", len(active), people_in_pairs))
    figures.append(figure("pairs_met_within_rhythm", met_in_rhythm, people_in_pairs))
    help_uses = await session.scalar(
        select(func.coalesce(func.sum(HelpUse.uses), 0)).where(HelpUse.programme_id == programme.id)
    )
    students = enrolled.get(Role.STUDENT, 0)
    figures.append(figure("help_uses", int(help_uses or 0), students))
    return ProgrammeStats(programme.name, min_group_size, tuple(figures))
