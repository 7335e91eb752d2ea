"""The statistics benchmark's generator: exactly the sizes asked for, rows that the bot's
own code reads back, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from benchmarks.stats_data import generate_programme
from benchmarks.stats_people import COORDINATORS
from benchmarks.stats_sizes import EMPTY, Sizes
from bot.services.stats import programme_stats
from db.models import (
    CheckIn,
    Delivery,
    DeliveryStatus,
    Invite,
    Meeting,
    Membership,
    Pair,
    PairStatus,
    Programme,
    Role,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TINY = Sizes(students=20, mentors=5, checkins=400, meetings=50)


async def test_generates_exactly_the_sizes_asked_for(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    empty_id = await generate_programme(engine, EMPTY, now=NOW)
    programme_id = await generate_programme(engine, TINY, now=NOW)  # ids after the first's

    async with sessionmaker() as session:
        roles = Counter(
            (
                await session.scalars(
                    select(Membership.role).where(Membership.programme_id == programme_id)
                )
            ).all()
        )
        assert roles == {Role.STUDENT: 20, Role.MENTOR: 5, Role.COORDINATOR: COORDINATORS}
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 400
        assert await session.scalar(select(func.count()).select_from(Meeting)) == 50
        invites = (
            await session.scalars(select(Invite).where(Invite.programme_id == programme_id))
        ).all()
        assert sum(invite.used_by_id is not None for invite in invites) == 20 + 5 + COORDINATORS
        assert sum(invite.used_at is None for invite in invites) == round(0.05 * 25)

        pairs = (await session.scalars(select(Pair))).all()
        active = [pair for pair in pairs if pair.status == PairStatus.ACTIVE]
        assert len(active) == round(0.98 * 20)
        assert len(pairs) - len(active) == round(0.05 * 20)
        assert len({pair.student_id for pair in active}) == len(active)
        capacity = dict(
            (
                await session.execute(
                    select(Membership.member_id, Membership.capacity).where(
                        Membership.role == Role.MENTOR
                    )
                )
            ).all()
        )
        for mentor, mentees in Counter(pair.mentor_id for pair in active).items():
            assert mentees <= capacity[mentor]

        # Every answer belongs to a prompt that reached that student, and came after it.
        answered = (
            await session.execute(
                select(CheckIn, Delivery).join(Delivery, Delivery.id == CheckIn.delivery_id)
            )
        ).all()
        assert len(answered) == round(0.96 * 400)
        for checkin, delivery in answered:
            assert delivery.member_id == checkin.member_id
            assert (delivery.purpose, delivery.status) == ("prompt", DeliveryStatus.SENT)
            assert delivery.cycle.startswith(f"{programme_id}:")
            assert delivery.finished_at is not None
            assert delivery.finished_at <= checkin.created_at < NOW

        programme = await session.get(Programme, programme_id)
        empty = await session.get(Programme, empty_id)
        assert programme is not None and empty is not None
        stats = await programme_stats(
            session, programme=programme, today=NOW.date(), min_group_size=1
        )
        assert stats.value("enrolled_students") == 20
        assert stats.value("invited_mentors") == 5 + 1
        assert stats.value("active_pairs") == len(active)
        nothing = await programme_stats(
            session, programme=empty, today=NOW.date(), min_group_size=1
        )
        groups = {figure.key: figure.group for figure in nothing.figures}
        assert groups["active_pairs"] == groups["enrolled_students"] == 0
