"""The "I need help" entry: support resources at once, and an anonymous count."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import HelpUse


async def count_help_use(session: AsyncSession, *, programme_id: int, today: date) -> None:
    """One more use this week in the programme; who it was is not recorded anywhere."""
    week = today - timedelta(days=today.weekday())
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(HelpUse).values(programme_id=programme_id, week=week, uses=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[HelpUse.programme_id, HelpUse.week],
            set_={"uses": HelpUse.uses + 1},
        )
    )
