"""One chat's updates one at a time — across instances on PostgreSQL — other chats at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.transport.chat_order import CHAT_LOCKS, ChatOrder
from db.engine import create_engine

ANA, BEN = 100_001, 100_002


@pytest.fixture
async def other_instance(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A second process's engine: its own connections to the same database."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def _entered(order: ChatOrder, lane: int, release: asyncio.Event) -> None:
    async with order.turn_of(lane):
        await release.wait()


async def test_a_chat_waits_for_its_turn_and_another_chat_does_not(engine: AsyncEngine) -> None:
    order = ChatOrder(engine)
    release = asyncio.Event()
    first = asyncio.create_task(_entered(order, ANA, release))
    await asyncio.sleep(0.2)

    same_chat = asyncio.create_task(_entered(order, ANA, asyncio.Event()))
    async with asyncio.timeout(5):
        async with order.turn_of(BEN):
            pass  # another chat goes at once
    await asyncio.sleep(0.3)
    assert not same_chat.done()

    release.set()
    await first
    same_chat.cancel()


# SQLite means one instance: there is no other process to wait for.
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@ON_POSTGRESQL
async def test_two_instances_on_postgresql_take_turns_at_one_chat(
    engine: AsyncEngine, other_instance: AsyncEngine
) -> None:
    here, there = ChatOrder(engine), ChatOrder(other_instance)
    release = asyncio.Event()
    holding = asyncio.create_task(_entered(here, ANA, release))
    await asyncio.sleep(0.3)

    waiting = asyncio.create_task(_entered(there, ANA, asyncio.Event()))
    async with asyncio.timeout(5):
        async with there.turn_of(BEN):
            pass
    await asyncio.sleep(0.5)
    assert not waiting.done()  # held by the other instance's advisory lock

    release.set()
    await holding
    entered = asyncio.Event()

    async def enter_after() -> None:
        async with there.turn_of(ANA):
            entered.set()

    waiting.cancel()
    async with asyncio.timeout(5):
        await enter_after()
    assert entered.is_set()


@ON_POSTGRESQL
async def test_a_dead_holder_leaves_the_chat_free(
    engine: AsyncEngine, other_instance: AsyncEngine
) -> None:
    here, there = ChatOrder(engine), ChatOrder(other_instance)
    holding = asyncio.create_task(_entered(here, ANA, asyncio.Event()))
    await asyncio.sleep(0.3)

    # The holder's connection ends, as when its process is killed.
    async with other_instance.connect() as connection:
        holder = await connection.scalar(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = :space AND objid = :key"
            ),
            {"space": CHAT_LOCKS, "key": ANA},
        )
        assert holder is not None
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
    async with asyncio.timeout(10):
        async with there.turn_of(ANA):
            pass
    holding.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await holding


@ON_POSTGRESQL
async def test_more_chats_at_once_than_the_pool_holds_still_get_their_turns(
    database_url: str,
) -> None:
    # Each turn holds a connection for its lock, and its handling needs another: were
    # every connection of the pool holding a lock, no handling could go on.
    small = create_async_engine(database_url, pool_size=2, max_overflow=0, pool_timeout=3)
    order = ChatOrder(small, at_once=1)

    async def handled(lane: int) -> None:
        async with order.turn_of(lane), small.connect() as handling:
            await handling.scalar(text("SELECT 1"))

    try:
        async with asyncio.timeout(10):
            await asyncio.gather(*(handled(ANA + n) for n in range(4)))
    finally:
        await small.dispose()
