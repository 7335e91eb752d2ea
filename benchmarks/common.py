"""Shared set-up for the benchmarks: a migrated database with a programme of students."""

from __future__ import annotations

import resource
from datetime import UTC, date, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import Member, Membership, MemberStatus, Programme, Role

START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)  # Monday 10:00 in Stockholm
FIRST_DAY = date(2026, 9, 7)


async def database(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    await upgrade(engine)
    return engine, create_sessionmaker(engine)


async def programme_of_students(
    sessionmaker: async_sessionmaker[AsyncSession], telegram_ids: list[int], clock: ManualClock
) -> int:
    """A programme (weekly mon 18:00, Stockholm) with these students, inserted in bulk."""
    now = clock.now()
    async with sessionmaker() as session, session.begin():
        programme = Programme(
            name="Benchmark",
            timezone="Europe/Stockholm",
            cadence="weekly mon 18:00",
            anchor_day=FIRST_DAY,
            created_at=now,
        )
        session.add(programme)
        await session.flush()
        members = [
            {
                "telegram_user_id": tid,
                "display_name": f"Student {n}",
                "language": "en",
                "status": MemberStatus.ACTIVE,
                "created_at": now,
            }
            for n, tid in enumerate(telegram_ids)
        ]
        ids = (await session.scalars(insert(Member).returning(Member.id), members)).all()
        await session.execute(
            insert(Membership),
            [
                {
                    "programme_id": programme.id,
                    "member_id": member_id,
                    "role": Role.STUDENT,
                    "created_at": now,
                }
                for member_id in ids
            ],
        )
        return programme.id


def peak_memory_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
