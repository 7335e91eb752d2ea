"""A member's active pairs and who is on the other side: what chat, meetings and endings
all start from. Whoever asks sees only pairs they are in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Member, Pair, PairStatus


@dataclass(frozen=True)
class Partner:
    """One of a member's active partners, for a choice of whom a step is about."""

    pair_id: int
    name: str


async def active_pairs_of(session: AsyncSession, member_id: int) -> list[Pair]:
    """The member's active pairs, as student or as mentor, with both people loaded."""
    found = await session.scalars(
        select(Pair)
        .where(
            Pair.status == PairStatus.ACTIVE,
            or_(Pair.student_id == member_id, Pair.mentor_id == member_id),
        )
        .options(selectinload(Pair.student), selectinload(Pair.mentor))
        .order_by(Pair.id)
    )
    return list(found.all())


async def partners_of(session: AsyncSession, member_id: int) -> list[Partner]:
    """Everyone this member is actively paired with."""
    return [
        Partner(pair.id, other_side(pair, member_id).display_name)
        for pair in await active_pairs_of(session, member_id)
    ]


def other_side(pair: Pair, member_id: int) -> Member:
    return pair.mentor if member_id == pair.student_id else pair.student
