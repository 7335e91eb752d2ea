"""The database away or the work wrong: errors raised by real databases, classified.

What is the database's moment is tried again (an update handled again, a delivery left
pending); what is the row's fault is not, or it would block everything behind it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.errors import database_away
from db.models import ProcessedUpdate

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


async def test_a_broken_constraint_is_the_rows_fault(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    seen = ProcessedUpdate(update_key="message:1", update_id=1, processed_at=START)
    async with sessionmaker() as session:
        session.add(seen)
        await session.commit()
    with pytest.raises(DBAPIError) as raised:
        async with sessionmaker() as session:
            session.add(ProcessedUpdate(update_key="message:1", update_id=2, processed_at=START))
            await session.commit()

    assert not database_away(raised.value)


@ON_POSTGRESQL
async def test_a_value_the_server_refuses_is_the_rows_fault(engine: AsyncEngine) -> None:
    with pytest.raises(DBAPIError) as raised:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT CAST('seven' AS integer)"))

    assert not database_away(raised.value)


@ON_POSTGRESQL
async def test_a_connection_the_server_ended_is_the_databases_moment(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as victim, engine.connect() as other:
        pid = await victim.scalar(text("SELECT pg_backend_pid()"))
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as raised:
            await victim.execute(text("SELECT 1"))

    assert database_away(raised.value)


async def test_a_server_that_does_not_answer_is_the_databases_moment() -> None:
    nobody = create_async_engine("postgresql+asyncpg://frizon:frizon@127.0.0.1:9/frizon")
    try:
        with pytest.raises(Exception) as raised:
            async with nobody.connect():
                pass
    finally:
        await nobody.dispose()

    assert database_away(raised.value)


@ON_SQLITE
async def test_a_sqlite_file_locked_past_its_timeout_is_the_databases_moment(
    database_url: str,
) -> None:
    path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    impatient = create_async_engine(database_url, connect_args={"timeout": 0.1})
    try:
        with pytest.raises(DBAPIError) as raised:
            async with impatient.begin() as connection:
                await connection.execute(text("UPDATE programme SET name = name"))
    finally:
        await impatient.dispose()
        holder.rollback()
        holder.close()

    assert database_away(raised.value)
