"""One leader at a time: on SQLite the only instance; on PostgreSQL whoever holds the
advisory lock, with a follower taking over when the leader's connection dies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.leadership import LEADER_LOCK, Leadership

FAILOVER_BOUND = 10.0  # seconds: the goal the README states
QUICK = {"check_every": 0.2, "retry_every": 0.5, "check_timeout": 2.0}
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@dataclass
class Instance:
    leadership: Leadership
    events: list[str] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def gained(self) -> None:
        self.events.append("gained")

    async def lost(self) -> None:
        self.events.append("lost")

    def start(self) -> None:
        self.task = asyncio.create_task(self.leadership.run(self.gained, self.lost))

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def until(condition: Callable[[], bool], within: float = FAILOVER_BOUND) -> float:
    """Wait until `condition()` holds; how long it took."""
    started = time.monotonic()
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - state of other tasks, polled
            await asyncio.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
async def instances(database_url: str) -> AsyncIterator[list[Instance]]:
    made = [Instance(Leadership(database_url, **QUICK)) for _ in range(2)]
    yield made
    for instance in made:
        if instance.task is not None:
            await instance.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_only_instance_on_sqlite_leads_at_once_and_steps_down_when_stopped(
    instances: list[Instance],
) -> None:
    alone = instances[0]
    alone.start()
    await until(lambda: alone.events == ["gained"])
    assert alone.leadership.leading

    await alone.stop()
    assert alone.events == ["gained", "lost"] and not alone.leadership.leading


@ON_POSTGRESQL
async def test_one_leads_and_the_other_follows_until_the_leader_stops(
    instances: list[Instance],
) -> None:
    first, second = instances
    first.start()
    await until(lambda: first.leadership.leading)
    second.start()
    await asyncio.sleep(1.5)  # three tries of the follower's
    assert second.events == [] and not second.leadership.leading

    await first.stop()
    took = await until(lambda: second.leadership.leading)

    assert first.events == ["gained", "lost"]
    assert second.events == ["gained"]
    assert took < FAILOVER_BOUND


@ON_POSTGRESQL
async def test_when_the_leaders_connection_dies_the_follower_takes_over(
    instances: list[Instance], engine: AsyncEngine
) -> None:
    first, second = instances
    first.start()
    await until(lambda: first.leadership.leading)
    second.start()
    await asyncio.sleep(0.6)

    async with engine.connect() as connection:  # as when the leader's machine goes away
        holder = await connection.scalar(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = :space AND objid = :key"
            ),
            {"space": LEADER_LOCK[0], "key": LEADER_LOCK[1]},
        )
        assert holder is not None
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
    took = await until(lambda: second.leadership.leading)
    await until(lambda: first.events == ["gained", "lost"])

    assert took < FAILOVER_BOUND
    await asyncio.sleep(1.0)  # the old leader, back on the database, now follows
    assert first.events == ["gained", "lost"] and not first.leadership.leading
    assert second.events == ["gained"]
