"""Replies made on every instance, heard by the leader, so that its outbox makes room for
them in the token's one send budget (bot/transport/send_budget.py).

PostgreSQL's LISTEN/NOTIFY carries the counts: no table, nothing written, nothing sent
while nobody is replying. A follower that replied tells the leader how many times every
``REPORT_EVERY`` seconds; the leader listens on a connection of its own while it leads.
On SQLite there is one instance, whose replies its budget counts as they are made.

A report lost with a connection costs at most one report's worth of replies going
unheard: Telegram's burst tolerance and the margin below its limit cover that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.transport.send_budget import SendBudget

log = logging.getLogger(__name__)

CHANNEL = "frizon_replies"
REPORT_EVERY = 0.5  # seconds
RETRY_EVERY = 2.0  # seconds, when the leader cannot listen


class ReplyReports:
    """Started with the bot where instances share a database; `lead()` and `follow()` as
    leadership comes and goes."""

    def __init__(self, database_url: str, engine: AsyncEngine, budget: SendBudget) -> None:
        self._url = database_url
        self._engine = engine
        self._budget = budget
        self._reporting: asyncio.Task[None] | None = None
        self._hearing: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._reporting = asyncio.create_task(self._report(), name="reply reports")

    def lead(self) -> None:
        """Hear the other instances' replies (the leader's own are counted already)."""
        if self._hearing is None:
            self._hearing = asyncio.create_task(self._hear(), name="hearing replies")

    async def follow(self) -> None:
        task, self._hearing = self._hearing, None
        await _cancelled(task)

    async def stop(self) -> None:
        await self.follow()
        task, self._reporting = self._reporting, None
        await _cancelled(task)

    async def _report(self) -> None:
        while True:
            await asyncio.sleep(REPORT_EVERY)
            count = self._budget.take_unreported()
            if not count or self._hearing is not None:
                continue
            try:
                async with self._engine.connect() as connection:
                    await connection.execute(
                        text("SELECT pg_notify(:channel, :count)"),
                        {"channel": CHANNEL, "count": str(count)},
                    )
                    await connection.commit()
            except Exception as error:  # the database is away: these go unheard
                log.debug("could not report replies to the leader (%s)", type(error).__name__)

    async def _hear(self) -> None:
        # Its own engine without a pool: the listening connection is never lent out.
        engine = create_async_engine(self._url, poolclass=NullPool)
        try:
            while True:
                try:
                    await self._listen(engine)
                except Exception as error:
                    log.info("cannot hear other instances' replies (%s)", type(error).__name__)
                await asyncio.sleep(RETRY_EVERY)
        finally:
            await engine.dispose()

    async def _listen(self, engine: AsyncEngine) -> None:
        def heard(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
            with contextlib.suppress(ValueError):
                self._budget.replied_elsewhere(int(payload))

        lost = asyncio.Event()
        async with engine.connect() as connection:
            listening = (await connection.get_raw_connection()).driver_connection
            assert listening is not None
            listening.add_termination_listener(lambda _connection: lost.set())
            await listening.add_listener(CHANNEL, heard)
            try:
                await lost.wait()  # until cancelled, or until the connection is lost
            finally:
                with contextlib.suppress(Exception):
                    await listening.remove_listener(CHANNEL, heard)


async def _cancelled(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
