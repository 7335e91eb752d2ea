"""Which instance leads: the one that runs the dispatcher, the outbox sender and the
periodic jobs (one bot token has one send budget). Every instance handles updates.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its
own. The lock lives exactly as long as that connection: when the leader dies (SIGKILL,
a lost network, PostgreSQL restarted), the server drops it, and a follower — trying
every ``retry_every`` seconds — takes over. The leader checks its connection every
``check_every`` seconds and stops leading at the first failed check, so an instance
cut off from the database stops sending within a few seconds; the outbox's lease
(``bot.outbox.ledger``) covers what it had in flight.

On SQLite there is one instance (see ``single_instance``): it leads from the start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# The two keys of the leader's advisory lock: "frzl", and the one lock in that space.
LEADER_LOCK = (0x66727A6C, 1)

Change = Callable[[], Awaitable[None]]


class Leadership:
    def __init__(
        self,
        database_url: str,
        *,
        check_every: float = 1.0,
        retry_every: float = 2.0,
        check_timeout: float = 5.0,
    ) -> None:
        self._url = database_url
        self._check_every = check_every
        self._retry_every = retry_every
        self._check_timeout = check_timeout
        self.leading = False

    @property
    def shared(self) -> bool:
        """Several instances may run: there is a lock to take (PostgreSQL)."""
        return self._url.startswith("postgresql")

    async def run(self, gained: Change, lost: Change) -> None:
        """Lead when possible, until cancelled: `gained` when this instance starts leading,
        `lost` when it stops (also when cancelled while leading)."""
        if not self.shared:
            await self._lead_alone(gained, lost)
            return
        # Its own engine without a pool: closing the connection always drops the lock.
        engine = create_async_engine(self._url, poolclass=NullPool)
        try:
            while True:
                try:
                    await self._term(engine, gained, lost)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # the database is away: try again shortly
                    log.info("cannot reach the database to lead (%s)", type(error).__name__)
                await asyncio.sleep(self._retry_every)
        finally:
            await engine.dispose()

    async def _lead_alone(self, gained: Change, lost: Change) -> None:
        await self._lead(gained)
        try:
            await asyncio.Event().wait()  # until cancelled: nothing can take it away
        finally:
            await self._step_down(lost, "the bot is stopping")

    async def _term(self, engine: AsyncEngine, gained: Change, lost: Change) -> None:
        """One connection's worth: take the lock if free, then lead until the connection
        fails."""
        async with engine.connect() as connection:
            if not await self._try_lock(connection):
                return
            await self._lead(gained)
            reason = "the bot is stopping"
            try:
                while True:
                    await asyncio.sleep(self._check_every)
                    try:
                        async with asyncio.timeout(self._check_timeout):
                            await connection.scalar(text("SELECT 1"))
                            await connection.commit()
                    except Exception as error:
                        reason = f"its database connection failed ({type(error).__name__})"
                        return
            finally:
                await self._step_down(lost, reason)

    async def _try_lock(self, connection: AsyncConnection) -> bool:
        got = await connection.scalar(
            text("SELECT pg_try_advisory_lock(:space, :key)"),
            {"space": LEADER_LOCK[0], "key": LEADER_LOCK[1]},
        )
        await connection.commit()  # a session lock: no transaction is kept open for it
        return bool(got)

    async def _lead(self, gained: Change) -> None:
        self.leading = True
        log.info("leading: this instance runs the dispatcher, the sender and the jobs")
        await gained()

    async def _step_down(self, lost: Change, reason: str) -> None:
        if not self.leading:
            return
        self.leading = False
        log.warning("no longer leading: %s", reason)
        await asyncio.shield(lost())
