"""The sender: drains the outbox through the bot, recording each delivery's outcome.

Outcomes: sent; failed with a reason (the member blocked the bot, Telegram rejected
the message, the purpose is unknown, an unexpected error); or, after a network error,
pending again with a growing delay until MAX_ATTEMPTS. A 429 waits retry_after and
does not count as an attempt. A send that timed out may have reached Telegram; it is
retried, so such a message can arrive twice but is never silently lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.catalogue import Catalogue
from bot.clock import Clock
from bot.config import SendingConfig
from bot.crypto import ReflectionCipher
from bot.deliveries import Composer, Outgoing, UnknownPurpose, compose
from bot.dispatch import DoNotSend, SendLater, recheck
from bot.keyboards import Keyboard
from bot.pacing import ChatPace, Pace
from bot.texts import Texts
from db.models import Delivery, DeliveryStatus, Member, MemberStatus

log = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 10
FIRST_BACKOFF = timedelta(seconds=5)
LONGEST_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, ... capped at an hour: about two hours over MAX_ATTEMPTS."""
    return min(FIRST_BACKOFF * (1 << min(max(attempts - 1, 0), 20)), LONGEST_BACKOFF)


class OutboxSender:
    """Sends pending deliveries; `wake()` makes it look at once instead of at the next tick."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        bot: Bot,
        texts: Texts,
        clock: Clock,
        cipher: ReflectionCipher,
        catalogue: Catalogue,
        grace: timedelta = timedelta(hours=6),
        pacing: SendingConfig | None = None,
        interval: float = 2.0,
    ) -> None:
        pacing = pacing or SendingConfig()
        self._overall = Pace(pacing.rate)
        self._per_chat = ChatPace(pacing.per_chat)
        self._in_flight = asyncio.Semaphore(pacing.concurrency)
        self._sessionmaker = sessionmaker
        self._bot = bot
        self._composer = Composer(texts, cipher, catalogue)
        self._grace = grace
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
            except Exception:  # e.g. the database is briefly away; try again next tick
                log.exception("sending failed; will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()

    async def drain(self) -> int:
        """Try every delivery that is due once; return how many were sent."""
        now = self._clock.now()
        async with self._sessionmaker() as session:
            due = (
                await session.scalars(
                    select(Delivery.id)
                    .where(
                        Delivery.status == DeliveryStatus.PENDING,
                        func.coalesce(Delivery.next_attempt_at, Delivery.due_at) <= now,
                    )
                    .order_by(Delivery.due_at, Delivery.id)
                    .limit(BATCH)
                )
            ).all()
        results = await asyncio.gather(*(self._paced(delivery_id) for delivery_id in due))
        return sum(results)

    async def _paced(self, delivery_id: int) -> int:
        async with self._in_flight:
            try:
                return await self._send_one(delivery_id)
            except Exception as error:  # one bad row must not hold up the queue behind it
                log.exception("delivery %s failed unexpectedly", delivery_id)
                await self._give_up(delivery_id, f"error: {type(error).__name__}")
                return 0

    async def _send_one(self, delivery_id: int) -> int:
        async with self._sessionmaker() as session, session.begin():
            delivery = await session.get_one(Delivery, delivery_id)
            if delivery.status != DeliveryStatus.PENDING:
                return 0
            if delivery.purpose == "prompt" and not await self._still_due(session, delivery):
                return 0
            try:
                outgoing = await compose(session, delivery, self._composer)
                await self._send(outgoing)
            except UnknownPurpose:
                self._finish(delivery, DeliveryStatus.FAILED, "unknown purpose")
            except Forbidden:
                self._finish(delivery, DeliveryStatus.FAILED, "blocked")
                member = await session.get_one(Member, delivery.member_id)
                member.status = MemberStatus.BLOCKED
            except BadRequest as error:
                self._finish(delivery, DeliveryStatus.FAILED, f"rejected: {error.message}"[:200])
            except RetryAfter as error:
                # Telegram's own pacing: wait as told; not the message's fault.
                delivery.next_attempt_at = self._clock.now() + _seconds(error.retry_after)
            except NetworkError as error:  # includes TimedOut
                self._retry_later(delivery, str(error))
            else:
                self._finish(delivery, DeliveryStatus.SENT, None)
                return 1
        return 0

    async def _still_due(self, session: AsyncSession, delivery: Delivery) -> bool:
        decision = await recheck(session, delivery, now=self._clock.now(), grace=self._grace)
        if isinstance(decision, SendLater):
            delivery.next_attempt_at = decision.at
            return False
        if isinstance(decision, DoNotSend):
            self._finish(delivery, decision.status, decision.reason)
            return False
        return True

    async def _send(self, outgoing: Outgoing) -> None:
        last = len(outgoing.parts) - 1
        for index, text in enumerate(outgoing.parts):
            await self._per_chat.wait(outgoing.chat_id)
            await self._overall.wait()
            keyboard = outgoing.keyboard if index == last and outgoing.keyboard else None
            await self._bot.send_message(
                outgoing.chat_id,
                text,
                parse_mode="HTML",
                reply_markup=markup(keyboard) if keyboard else None,
            )

    def _retry_later(self, delivery: Delivery, problem: str) -> None:
        delivery.attempts += 1
        if delivery.attempts >= MAX_ATTEMPTS:
            self._finish(delivery, DeliveryStatus.FAILED, f"gave up: {problem}"[:200])
            return
        delivery.next_attempt_at = self._clock.now() + backoff(delivery.attempts)
        log.info(
            "delivery %s: %s; retrying after %s", delivery.id, problem, backoff(delivery.attempts)
        )

    async def _give_up(self, delivery_id: int, reason: str) -> None:
        async with self._sessionmaker() as session, session.begin():
            delivery = await session.get_one(Delivery, delivery_id)
            delivery.attempts += 1
            self._finish(delivery, DeliveryStatus.FAILED, reason)

    def _finish(self, delivery: Delivery, status: DeliveryStatus, reason: str | None) -> None:
        delivery.status = status
        delivery.reason = reason
        delivery.finished_at = self._clock.now()
        log.info("delivery %s %s%s", delivery.id, status.value, f" ({reason})" if reason else "")


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup:
    """Plain buttons as Telegram's inline keyboard."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in keyboard]
    )


def _seconds(retry_after: timedelta | int) -> timedelta:
    return retry_after if isinstance(retry_after, timedelta) else timedelta(seconds=retry_after)
