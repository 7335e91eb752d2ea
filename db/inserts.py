"""INSERT … ON CONFLICT DO NOTHING in either database: for rows that two writers may add
at the same moment with the same key, where the first one standing is right."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base


async def insert_unless_present(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]
) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(insert(model).values(rows).on_conflict_do_nothing())
