"""One chat's updates one at a time, wherever they arrive; different chats in parallel.

In this process an asyncio lock per chat keeps the order. On PostgreSQL, where several
instances may receive updates of the same chat at the same moment, a transaction-level
advisory lock on the chat does the same across instances: held while the update is
handled, released by the database when the transaction ends — also when the process
holding it dies, so a crash never leaves a chat locked.

That lock holds a connection of the pool for the whole turn, and the handling needs
another beside it: so only so many chats (``at_once``, half the pool) take their turn
at one time, else a burst of chats (Telegram posts up to 40 at once) could fill the
pool with locks and leave no connection for any handling to finish.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import POOL_CONNECTIONS

# The first key of the two-key advisory lock: "frzc" — frizon's chats, apart from the
# locks anything else (the leader's, say) takes.
CHAT_LOCKS = 0x66727A63


class ChatOrder:
    def __init__(
        self, engine: AsyncEngine | None = None, *, at_once: int = POOL_CONNECTIONS // 2
    ) -> None:
        # Only PostgreSQL has several instances; SQLite means one process.
        self._engine = engine if engine is not None and _is_postgresql(engine) else None
        self._locking = asyncio.Semaphore(at_once)  # chats holding a database lock
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}  # lane -> holders and waiters, to forget idle locks

    @asynccontextmanager
    async def turn_of(self, lane: int) -> AsyncIterator[None]:
        """Wait until no other update of this chat is being handled, here or elsewhere."""
        lock = self._locks.setdefault(lane, asyncio.Lock())
        self._waiting[lane] = self._waiting.get(lane, 0) + 1
        try:
            async with lock:
                if self._engine is None:
                    yield
                else:
                    async with (
                        self._locking,
                        self._engine.connect() as connection,
                        connection.begin(),
                    ):
                        await connection.execute(
                            text("SELECT pg_advisory_xact_lock(:space, :key)"),
                            {"space": CHAT_LOCKS, "key": _int4(lane)},
                        )
                        yield
        finally:
            self._waiting[lane] -= 1
            if not self._waiting[lane]:
                del self._waiting[lane], self._locks[lane]


def _is_postgresql(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


def _int4(lane: int) -> int:
    """A chat id (64-bit) folded into the lock's 32-bit key; two chats sharing a key only
    wait for each other, which costs time, never order."""
    folded = lane & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded
