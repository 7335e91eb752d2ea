"""Migration 0012: programmes that existed before get their own pseudonym secret, and
existing students start without research consent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import column, insert, select, table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.expression import TableClause

from db.migrate import downgrade, upgrade
from db.models import Membership, Programme


def old_table(name: str, columns: str) -> TableClause:
    return table(name, *(column(each) for each in columns.split()))


async def test_existing_programmes_get_distinct_secrets_and_students_no_consent(
    engine: AsyncEngine,
) -> None:
    await downgrade(engine, "0011")
    now = datetime(2026, 9, 1, tzinfo=UTC)
    # The tables as they were at 0011 (the models have grown since).
    programme_table = old_table("programme", "id name timezone created_at")
    member_table = old_table(
        "member", "id telegram_user_id display_name language status created_at"
    )
    membership_table = old_table("membership", "programme_id member_id role created_at")
    async with AsyncSession(engine) as session, session.begin():
        programme_ids = [
            await session.scalar(
                insert(programme_table)
                .values(name=name, timezone="UTC", created_at=now)
                .returning(programme_table.c.id)
            )
            for name in ("A", "B")
        ]
        member_id = await session.scalar(
            insert(member_table)
            .values(
                telegram_user_id=1,
                display_name="Ana",
                language="en",
                status="active",
                created_at=now,
            )
            .returning(member_table.c.id)
        )
        await session.execute(
            insert(membership_table).values(
                programme_id=programme_ids[0], member_id=member_id, role="student", created_at=now
            )
        )

    await upgrade(engine)

    async with AsyncSession(engine) as session:
        secrets = (await session.scalars(select(Programme.pseudonym_secret))).all()
        consent = (await session.execute(select(Membership.research_consent))).scalars().all()
    assert len(secrets) == 2 and len(set(secrets)) == 2
    assert all(len(secret) == 64 for secret in secrets)
    assert consent == [False]
