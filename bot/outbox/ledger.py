"""The sender's ledger: what is about to be sent and what came of it, made durable in
group commits.

Exactly once, within a stated bound: every part of a message is *claimed* (committed)
just before it is sent and *settled* (committed) just after, so a crash can leave in
doubt only the parts that were in flight at that instant — at most the sender's
concurrency, never a whole batch. A part found claimed when the sender starts (or, with
several instances, claimed longer ago than the lease) was in flight at a crash: it may
have reached Telegram, so it is sent once more; a part interrupted twice is not sent a
third time (failed, "in doubt"). No message reaches a chat more than twice, and every
message not in flight at a crash reaches it once.

Claims and outcomes that arrive while a transaction is being written wait for the next
one, which writes them all: one commit serves many sends, so the window stays one round
trip to Telegram plus a commit, even at the full sending rate.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Integer, Table, Update, bindparam, case, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from db.models import Delivery, DeliveryStatus, Member, MemberStatus

log = logging.getLogger(__name__)

# A part interrupted this many times is given up rather than sent again.
MOST_INTERRUPTIONS = 2
IN_DOUBT = "in doubt: interrupted twice while sending"

_table = cast(Table, Delivery.__table__)


@dataclass(frozen=True)
class Outcome:
    """What became of a delivery: finished (sent, failed, missed, skipped), or pending
    again — not before next_attempt_at, or at once for the next part of a long message."""

    delivery_id: int
    status: DeliveryStatus
    reason: str | None
    attempts: int
    next_attempt_at: datetime | None = None
    parts_sent: int = 0
    blocked_member: int | None = None


@dataclass(frozen=True)
class _Claim:
    delivery_id: int


@dataclass(frozen=True)
class _Settle:
    outcome: Outcome
    after_send: bool  # settles a claim; else decided without sending (quiet hours, ...)
    reached: bool = False  # the part reached Telegram


_Write = _Claim | _Settle


class Ledger:
    """Claims and settles deliveries; callers wait until their write is committed."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._queue: list[tuple[_Write, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def claim(self, delivery_id: int) -> bool:
        """Mark the delivery's next part as in flight; False if it is no longer pending
        (cancelled, or claimed already), and then it must not be sent."""
        return await self._submit(_Claim(delivery_id))

    async def settle_send(self, outcome: Outcome, *, reached: bool) -> None:
        """Record what came of sending a claimed part, and release the claim."""
        await self._submit(_Settle(outcome, after_send=True, reached=reached))

    async def settle_decision(self, outcome: Outcome) -> None:
        """Record an outcome decided without sending (quiet hours, missed, cannot compose)."""
        await self._submit(_Settle(outcome, after_send=False))

    async def recover(self, *, lease: timedelta = timedelta(0)) -> tuple[int, int]:
        """Parts claimed by a sender that died are sent again, unless this was their
        second interruption. Returns (to send again, given up).

        `lease`: only claims older than this count as abandoned. On one machine (SQLite)
        the sender that made them is gone, so 0; where another instance may have led a
        moment ago (PostgreSQL), a claim younger than the lease may still be in flight
        there, and is left alone until it is settled or grows old.
        """
        now = self._clock.now()
        in_flight = (
            (Delivery.status == DeliveryStatus.PENDING)
            & Delivery.claimed_at.is_not(None)
            & (Delivery.claimed_at <= now - lease)
        )
        async with self._sessionmaker() as session, session.begin():
            interrupted = list(
                await session.scalars(
                    update(Delivery)
                    .where(in_flight)
                    .values(claimed_at=None, interruptions=Delivery.interruptions + 1)
                    .returning(Delivery.id)
                    .execution_options(synchronize_session=False)
                )
            )
            given_up = list(
                await session.scalars(
                    update(Delivery)
                    .where(
                        Delivery.id.in_(interrupted),
                        Delivery.interruptions >= MOST_INTERRUPTIONS,
                    )
                    .values(status=DeliveryStatus.FAILED, reason=IN_DOUBT, finished_at=now)
                    .returning(Delivery.id)
                    .execution_options(synchronize_session=False)
                )
            )
        again = len(interrupted) - len(given_up)
        if again:
            log.warning("%d message(s) were in flight when the bot stopped; sending again", again)
        for delivery_id in given_up:
            log.warning("delivery %s failed (%s)", delivery_id, IN_DOUBT)
        return again, len(given_up)

    async def _submit(self, write: _Write) -> bool:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((write, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="outbox-ledger")
        return await done

    async def _write_all(self) -> None:
        """Write what is queued, one transaction per round, until nothing is left."""
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                results = await self._write([write for write, _ in batch])
            except Exception as error:  # every caller hears of it; nothing is half-done
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for (_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)

    async def _write(self, writes: list[_Write]) -> list[bool]:
        now = self._clock.now()
        after_send = [w for w in writes if isinstance(w, _Settle) and w.after_send]
        decided = [w for w in writes if isinstance(w, _Settle) and not w.after_send]
        claims = [w.delivery_id for w in writes if isinstance(w, _Claim)]
        claimed: set[int] = set()
        async with self._sessionmaker() as session, session.begin():
            # Outcomes first: a long message's next part is claimed only once the
            # previous one is settled, but never in the same round anyway.
            if after_send:
                await session.execute(
                    _settle_statement(claimed=True), [_parameters(o, now) for o in after_send]
                )
            if decided:
                await session.execute(
                    _settle_statement(claimed=False), [_parameters(o, now) for o in decided]
                )
            blocked = {
                w.outcome.blocked_member for w in after_send if w.outcome.blocked_member is not None
            }
            if blocked:
                await session.execute(
                    update(Member).where(Member.id.in_(blocked)).values(status=MemberStatus.BLOCKED)
                )
            if claims:
                claimed = set(
                    await session.scalars(
                        update(Delivery)
                        .where(
                            Delivery.id.in_(claims),
                            Delivery.status == DeliveryStatus.PENDING,
                            Delivery.claimed_at.is_(None),
                        )
                        .values(claimed_at=now)
                        .returning(Delivery.id)
                        .execution_options(synchronize_session=False)
                    )
                )
        for outcome in (w.outcome for w in after_send + decided):
            if outcome.status != DeliveryStatus.PENDING:
                log.info(
                    "delivery %s %s%s",
                    outcome.delivery_id,
                    outcome.status.value,
                    f" ({outcome.reason})" if outcome.reason else "",
                )
        results = []
        for write in writes:
            if isinstance(write, _Claim):  # claimed twice in one round: the first has it
                results.append(write.delivery_id in claimed)
                claimed.discard(write.delivery_id)
            else:
                results.append(True)
        return results


def _settle_statement(*, claimed: bool) -> Update:
    """One executemany for many outcomes. After a send it matches the claim; otherwise
    only a row still pending and unclaimed, so nothing cancelled meanwhile comes back."""
    claim = _table.c.claimed_at.is_not(None) if claimed else _table.c.claimed_at.is_(None)
    values: dict[str, object] = {
        "status": bindparam("new_status"),
        "reason": bindparam("new_reason"),
        "attempts": bindparam("new_attempts"),
        "next_attempt_at": bindparam("new_next_attempt_at"),
        "finished_at": bindparam("new_finished_at"),
        "parts_sent": bindparam("new_parts_sent"),
        "claimed_at": None,
    }
    if claimed:
        # A part that reached Telegram ends its doubt; the next part starts afresh.
        values["interruptions"] = case(
            (bindparam("new_progressed", type_=Integer) == 1, 0), else_=_table.c.interruptions
        )
    return (
        update(_table)
        .where(
            _table.c.id == bindparam("delivery_id"),
            _table.c.status == DeliveryStatus.PENDING,
            claim,
        )
        .values(**values)
    )


def _parameters(settle: _Settle, now: datetime) -> dict[str, object]:
    outcome = settle.outcome
    return {
        "delivery_id": outcome.delivery_id,
        "new_status": outcome.status,
        "new_reason": outcome.reason,
        "new_attempts": outcome.attempts,
        "new_next_attempt_at": outcome.next_attempt_at,
        "new_finished_at": None if outcome.status == DeliveryStatus.PENDING else now,
        "new_parts_sent": outcome.parts_sent,
        "new_progressed": int(settle.reached),
    }
