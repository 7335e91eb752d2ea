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
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.catalogue import Catalogue
from bot.clock import Clock
from bot.config import SendingConfig
from bot.crypto import ReflectionCipher
from bot.deliveries import Composer, Outgoing, UnknownPurpose, compose
from bot.dispatch import DoNotSend, SendLater, quiet_until, recheck
from bot.keyboards import Keyboard
from bot.pacing import ChatPace, Pace
from bot.texts import Texts
from db.models import Delivery, DeliveryStatus, Member, MemberStatus, Programme

log = logging.getLogger(__name__)

BATCH = 100
BATCHES_IN_FLIGHT = 2  # one sending while the next is read and planned
MAX_ATTEMPTS = 10
FIRST_BACKOFF = timedelta(seconds=5)
LONGEST_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, ... capped at an hour: about two hours over MAX_ATTEMPTS."""
    return min(FIRST_BACKOFF * (1 << min(max(attempts - 1, 0), 20)), LONGEST_BACKOFF)


@dataclass
class Outcome:
    delivery_id: int
    status: DeliveryStatus
    reason: str | None
    attempts: int
    next_attempt_at: datetime | None = None
    blocked_member: int | None = None


@dataclass
class Plan:
    delivery_id: int
    member_id: int
    attempts: int
    outgoing: Outgoing | None = None
    outcome: Outcome | None = None  # decided without sending


async def _preload(session: AsyncSession, deliveries: Sequence[Delivery]) -> list[object]:
    """Members and prompt programmes of a batch in two queries: composing then reads them
    from the session's identity map instead of one query each. The identity map holds
    objects weakly, so the caller keeps the returned list until the batch is planned."""
    loaded: list[object] = list(
        await session.scalars(
            select(Member).where(Member.id.in_({d.member_id for d in deliveries}))
        )
    )
    programme_ids = {d.subject_id for d in deliveries if d.purpose == "prompt"}
    if programme_ids:
        loaded += await session.scalars(
            select(Programme)
            .where(Programme.id.in_(programme_ids))
            .options(selectinload(Programme.quiet_periods))
        )
    return loaded


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

    @property
    def chat_pace(self) -> ChatPace:
        """The per-chat pace, shared with whatever else sends to members (the relay)."""
        return self._per_chat

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
        """Try every delivery that is due once; return how many were sent.

        Batches are read and planned in one session each, sent with pacing (several at
        once), and their outcomes written in one transaction: a crash in between re-sends
        the batch (at least once, never lost). The next batch is read while the previous
        one is still sending, so the pipeline never stalls on the database.
        """
        # Deliveries of batches not yet recorded: still pending in the table, but taken.
        # A recorded retry is due again only later (backoffs and retry_after are >= 1 s).
        in_flight: set[int] = set()
        sending: deque[asyncio.Task[int]] = deque()
        sent = 0
        try:
            while plans := await self._next_batch(exclude=in_flight):
                ids = {plan.delivery_id for plan in plans}
                in_flight.update(ids)
                task = asyncio.create_task(self._send_batch(plans))
                task.add_done_callback(partial(_forget, in_flight, ids))
                sending.append(task)
                if len(sending) >= BATCHES_IN_FLIGHT:
                    sent += await sending.popleft()
            while sending:
                sent += await sending.popleft()
        finally:
            for task in sending:  # cancelled: let the batches already sending finish
                with contextlib.suppress(Exception):
                    await asyncio.shield(task)
        return sent

    async def _next_batch(self, exclude: set[int]) -> list[Plan]:
        now = self._clock.now()
        async with self._sessionmaker() as session:
            deliveries = (
                await session.scalars(
                    select(Delivery)
                    .where(
                        Delivery.status == DeliveryStatus.PENDING,
                        func.coalesce(Delivery.next_attempt_at, Delivery.due_at) <= now,
                        Delivery.id.not_in(exclude),
                    )
                    .order_by(Delivery.due_at, Delivery.id)
                    .limit(BATCH)
                )
            ).all()
            preloaded = await _preload(session, deliveries) if deliveries else []
            plans = [await self._plan(session, delivery, now) for delivery in deliveries]
            del preloaded
        return plans

    async def _send_batch(self, plans: list[Plan]) -> int:
        outcomes = await asyncio.gather(*(self._carry_out(plan) for plan in plans))
        await self._record(outcomes)
        return sum(outcome.status == DeliveryStatus.SENT for outcome in outcomes)

    async def _plan(self, session: AsyncSession, delivery: Delivery, now: datetime) -> Plan:
        plan = Plan(delivery.id, delivery.member_id, delivery.attempts)
        try:
            if delivery.purpose == "prompt":
                decision = await recheck(session, delivery, now=now, grace=self._grace)
                if isinstance(decision, SendLater):
                    plan.outcome = Outcome(
                        delivery.id, DeliveryStatus.PENDING, None, delivery.attempts, decision.at
                    )
                    return plan
                if isinstance(decision, DoNotSend):
                    plan.outcome = Outcome(
                        delivery.id, decision.status, decision.reason, delivery.attempts
                    )
                    return plan
            elif (later := await quiet_until(session, delivery.member_id, now)) is not None:
                plan.outcome = Outcome(
                    delivery.id, DeliveryStatus.PENDING, None, delivery.attempts, later
                )
                return plan
            plan.outgoing = await compose(session, delivery, self._composer)
        except UnknownPurpose as problem:
            plan.outcome = Outcome(
                delivery.id,
                DeliveryStatus.FAILED,
                f"cannot compose: {problem}"[:200],
                delivery.attempts + 1,
            )
        except Exception as error:  # one bad row must not hold up the queue behind it
            log.exception("delivery %s could not be prepared", delivery.id)
            plan.outcome = Outcome(
                delivery.id,
                DeliveryStatus.FAILED,
                f"error: {type(error).__name__}",
                delivery.attempts + 1,
            )
        return plan

    async def _carry_out(self, plan: Plan) -> Outcome:
        if plan.outcome is not None or plan.outgoing is None:
            assert plan.outcome is not None
            return plan.outcome
        async with self._in_flight:
            try:
                await self._send(plan.outgoing)
            except Forbidden:
                return Outcome(
                    plan.delivery_id,
                    DeliveryStatus.FAILED,
                    "blocked",
                    plan.attempts + 1,
                    blocked_member=plan.member_id,
                )
            except BadRequest as error:
                return Outcome(
                    plan.delivery_id,
                    DeliveryStatus.FAILED,
                    f"rejected: {error.message}"[:200],
                    plan.attempts + 1,
                )
            except RetryAfter as error:
                # Telegram's own pacing: wait as told; not the message's fault.
                return Outcome(
                    plan.delivery_id,
                    DeliveryStatus.PENDING,
                    None,
                    plan.attempts,
                    self._clock.now() + max(_seconds(error.retry_after), timedelta(seconds=1)),
                )
            except NetworkError as error:  # includes TimedOut
                attempts = plan.attempts + 1
                if attempts >= MAX_ATTEMPTS:
                    return Outcome(
                        plan.delivery_id, DeliveryStatus.FAILED, f"gave up: {error}"[:200], attempts
                    )
                log.info(
                    "delivery %s: %s; retrying after %s", plan.delivery_id, error, backoff(attempts)
                )
                return Outcome(
                    plan.delivery_id,
                    DeliveryStatus.PENDING,
                    None,
                    attempts,
                    self._clock.now() + backoff(attempts),
                )
            except Exception as error:  # one bad row must not hold up the queue behind it
                log.exception("delivery %s failed unexpectedly", plan.delivery_id)
                return Outcome(
                    plan.delivery_id,
                    DeliveryStatus.FAILED,
                    f"error: {type(error).__name__}",
                    plan.attempts + 1,
                )
        return Outcome(plan.delivery_id, DeliveryStatus.SENT, None, plan.attempts + 1)

    async def _record(self, outcomes: list[Outcome]) -> None:
        now = self._clock.now()
        async with self._sessionmaker() as session, session.begin():
            # One executemany for the whole batch (an ORM bulk update by primary key).
            await session.execute(
                update(Delivery),
                [
                    {
                        "id": outcome.delivery_id,
                        "status": outcome.status,
                        "reason": outcome.reason,
                        "attempts": outcome.attempts,
                        "next_attempt_at": outcome.next_attempt_at,
                        "finished_at": None if outcome.status == DeliveryStatus.PENDING else now,
                    }
                    for outcome in outcomes
                ],
            )
            for outcome in outcomes:
                if outcome.status != DeliveryStatus.PENDING:
                    log.info(
                        "delivery %s %s%s",
                        outcome.delivery_id,
                        outcome.status.value,
                        f" ({outcome.reason})" if outcome.reason else "",
                    )
            blocked = {o.blocked_member for o in outcomes if o.blocked_member is not None}
            if blocked:
                await session.execute(
                    update(Member).where(Member.id.in_(blocked)).values(status=MemberStatus.BLOCKED)
                )

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


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup:
    """Plain buttons as Telegram's inline keyboard."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in keyboard]
    )


def _forget(in_flight: set[int], ids: set[int], _: object) -> None:
    in_flight.difference_update(ids)


def _seconds(retry_after: timedelta | int) -> timedelta:
    return retry_after if isinstance(retry_after, timedelta) else timedelta(seconds=retry_after)
