"""The sandbox's clock, kept in its database: how far it runs ahead of real time.

The sandbox moves its clock forward ("Advance one week"); everything it does is dated
by that clock. The command line pointed at the same database reads the offset here, so
`frizon stats` says the same day as `/stats` in the chat, invites made in the terminal
expire on the sandbox's calendar and a pair made there is dated after the one before.
A database frizon ran on against Telegram has no row: real time, offset zero.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import SandboxClock

ROW = 1


async def stored_offset(session: AsyncSession) -> timedelta | None:
    """How far ahead the sandbox's clock was last, or ``None`` if no sandbox ran here."""
    row = await session.get(SandboxClock, ROW)
    return None if row is None else timedelta(seconds=row.offset_seconds)


async def store_offset(session: AsyncSession, offset: timedelta, *, now: datetime) -> None:
    """Remember the sandbox clock's offset (``now`` is real time, for the record)."""
    row = await session.get(SandboxClock, ROW)
    if row is None:
        session.add(SandboxClock(id=ROW, offset_seconds=offset.total_seconds(), updated_at=now))
    else:
        row.offset_seconds = offset.total_seconds()
        row.updated_at = now
