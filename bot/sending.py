"""The sender: drains the outbox through the bot, recording each delivery's outcome."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.clock import Clock
from bot.deliveries import UnknownPurpose, compose
from bot.texts import Texts
from db.models import Delivery, DeliveryStatus, Member, MemberStatus

log = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 5


class OutboxSender:
    """Sends pending deliveries; `wake()` makes it look at once instead of at the next tick."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        bot: Bot,
        texts: Texts,
        clock: Clock,
        interval: float = 2.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._bot = bot
        self._texts = texts
        self._clock = clock
        self._interval = interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Drain, then sleep until woken or the interval passes; until cancelled."""
        while True:
            try:
                await self.drain()
            except Exception:  # keep sending after a bad tick; the failure is logged
                log.exception("sending failed; will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()

    async def drain(self) -> int:
        """Send every due delivery once; return how many were sent."""
        async with self._sessionmaker() as session:
            due = (
                await session.scalars(
                    select(Delivery.id)
                    .where(
                        Delivery.status == DeliveryStatus.PENDING,
                        Delivery.due_at <= self._clock.now(),
                    )
                    .order_by(Delivery.due_at, Delivery.id)
                    .limit(BATCH)
                )
            ).all()
        sent = 0
        for delivery_id in due:
            sent += await self._send_one(delivery_id)
        return sent

    async def _send_one(self, delivery_id: int) -> int:
        async with self._sessionmaker() as session, session.begin():
            delivery = await session.get_one(Delivery, delivery_id)
            if delivery.status != DeliveryStatus.PENDING:
                return 0
            delivery.attempts += 1
            try:
                outgoing = await compose(session, delivery, self._texts)
                await self._bot.send_message(outgoing.chat_id, outgoing.text, parse_mode="HTML")
            except UnknownPurpose:
                self._finish(delivery, DeliveryStatus.FAILED, "unknown purpose")
            except Forbidden:
                self._finish(delivery, DeliveryStatus.FAILED, "blocked")
                member = await session.get_one(Member, delivery.member_id)
                member.status = MemberStatus.BLOCKED
            except BadRequest as error:
                self._finish(delivery, DeliveryStatus.FAILED, f"rejected: {error.message}"[:200])
            except (RetryAfter, NetworkError) as error:
                # Left pending for the next tick; give up after a bound so one bad
                # message cannot block the queue for ever.
                if delivery.attempts >= MAX_ATTEMPTS:
                    self._finish(delivery, DeliveryStatus.FAILED, f"gave up: {error}"[:200])
                return 0
            else:
                self._finish(delivery, DeliveryStatus.SENT, None)
                return 1
        return 0

    def _finish(self, delivery: Delivery, status: DeliveryStatus, reason: str | None) -> None:
        delivery.status = status
        delivery.reason = reason
        delivery.finished_at = self._clock.now()
        log.info("delivery %s %s%s", delivery.id, status.value, f" ({reason})" if reason else "")
