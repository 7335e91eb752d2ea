"""Engines and sessions: one engine per process, one session per update or job."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

# Up to 30 connections on PostgreSQL: updates from different chats are handled at once.
POOL_SIZE, POOL_OVERFLOW = 10, 20
POOL_CONNECTIONS = POOL_SIZE + POOL_OVERFLOW


def create_engine(url: str) -> AsyncEngine:
    """Create the engine; SQLite gets foreign keys and a busy timeout, as PostgreSQL has."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
    )


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL skips the fsync at every commit: a killed process loses nothing
    # (the log is in the OS cache), only a power cut can undo the newest commits. Use
    # PostgreSQL where that matters.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def one_session(url: str) -> AsyncIterator[AsyncSession]:
    """A session on an engine of its own, disposed after: for a command's one look at the
    database (nothing migrated, nothing committed unless the caller does)."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()
