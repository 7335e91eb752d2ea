"""Migration 0021: an erased member's stored "Former member" becomes no name (the words now
come from the template where the name is shown); nobody else's name changes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import column, insert, select, table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.expression import TableClause

from bot.services.erasure import NO_NAME, synthetic_telegram_id
from db.migrate import downgrade, upgrade


def old_table(name: str, columns: str) -> TableClause:
    return table(name, *(column(each) for each in columns.split()))


MEMBER = old_table("member", "id telegram_user_id display_name language status created_at")


async def _names(engine: AsyncEngine) -> dict[int, str]:
    async with AsyncSession(engine) as session:
        rows = await session.execute(select(MEMBER.c.id, MEMBER.c.display_name))
    return {member_id: name for member_id, name in rows.all()}


async def test_erased_members_lose_the_english_words_and_get_them_back_on_downgrade(
    engine: AsyncEngine,
) -> None:
    await downgrade(engine, "0020")
    now = datetime(2026, 9, 1, tzinfo=UTC)
    people = {
        1: (synthetic_telegram_id(1), "Former member"),  # erased before 0021
        2: (22, "Former member"),  # someone who calls themselves that: not erased
        3: (33, "Ana Berg"),
    }
    async with AsyncSession(engine) as session, session.begin():
        for member_id, (telegram_id, name) in people.items():
            await session.execute(
                insert(MEMBER).values(
                    id=member_id,
                    telegram_user_id=telegram_id,
                    display_name=name,
                    language="en",
                    status="left" if telegram_id < 0 else "active",
                    created_at=now,
                )
            )

    await upgrade(engine)
    assert await _names(engine) == {1: NO_NAME, 2: "Former member", 3: "Ana Berg"}

    await downgrade(engine, "0020")
    assert await _names(engine) == {1: "Former member", 2: "Former member", 3: "Ana Berg"}
    await upgrade(engine)
