"""The sender: drains the outbox through the bot, each part of each message claimed
before it is sent and settled just after (bot/outbox/ledger.py), so a crash re-sends only
what was in flight at that instant.

What may hold a delivery back, and what it says, each purpose declares with its
composer (bot/sending/composers/); every part, text or media, goes out the same way.

Outcomes: sent; failed with a reason (the member blocked the bot, Telegram rejected
the message, it cannot be composed (any more), an unexpected error, in doubt after two
crashes mid-send); or, after a network error, pending again with a growing delay until
MAX_ATTEMPTS. A 429 waits retry_after and does not count as an attempt. A send that
timed out may have reached Telegram; it is retried, so such a message can arrive twice
but is never silently lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.core.clock import Clock
from bot.core.config import SendingConfig
from bot.core.crypto import ReflectionCipher
from bot.core.metrics import Metrics
from bot.domain.catalogue import Catalogue
from bot.outbox.ledger import Ledger, Outcome
from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext, Composer
from bot.sending.holds import Hold, held_back
from bot.sending.methods import send_part
from bot.sending.outgoing import Outgoing
from bot.sending.pacing import ChatPace, OutboxPace
from bot.sending.registry import COMPOSERS, Composers
from bot.services.dispatch import DoNotSend, SendLater
from bot.texts.templates import Texts
from bot.transport.reply_limiter import PACED_BY_OUTBOX
from bot.transport.send_budget import SendBudget
from db.errors import database_away
from db.models import Delivery, DeliveryStatus, Member, Programme

log = logging.getLogger(__name__)

BATCH = 100
# Deliveries taken at once: planned and waiting for their pace, sending, or settling. A
# delivery is its own task, so one chat's slow pace (one message a second) never holds
# up the others.
WINDOW = 2 * BATCH
MAX_ATTEMPTS = 10
# Longer than a leader that lost its lock needs to notice (a check a second, five seconds
# at most) plus one send's time-out: its claims are then surely not in flight any more.
CLAIM_LEASE = timedelta(seconds=60)
# Seconds between tries to record an outcome while the database is away (about 10 min).
_SETTLE_RETRIES = (0.5, 1, 2, 5, 10, 20, 30, 60, 60, 60, 60, 60, 60, 60, 60)
FIRST_BACKOFF = timedelta(seconds=5)
LONGEST_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, ... capped at an hour: about two hours over MAX_ATTEMPTS."""
    return min(FIRST_BACKOFF * (1 << min(max(attempts - 1, 0), 20)), LONGEST_BACKOFF)


@dataclass
class Plan:
    delivery_id: int
    member_id: int
    attempts: int
    parts_sent: int = 0
    purpose: str = ""
    due_at: datetime | None = None
    outgoing: Outgoing | None = None
    outcome: Outcome | None = None  # decided without sending


async def _preload(
    session: AsyncSession, deliveries: Sequence[Delivery], composers: Composers
) -> list[object]:
    """Members and prompt programmes of a batch in two queries: planning and composing
    then read them from the session's identity map instead of one query each. The
    identity map holds objects weakly, so the caller keeps the returned list until the
    batch is planned."""
    loaded: list[object] = list(
        await session.scalars(
            select(Member).where(Member.id.in_({d.member_id for d in deliveries}))
        )
    )
    programme_ids = {d.subject_id for d in deliveries if _hold_of(d, composers) is Hold.SCHEDULE}
    if programme_ids:
        loaded += await session.scalars(
            select(Programme)
            .where(Programme.id.in_(programme_ids))
            .options(selectinload(Programme.quiet_periods))
        )
    return loaded


def claim_lease_for(sessionmaker: async_sessionmaker[AsyncSession]) -> timedelta:
    """How old a claim must be before it counts as abandoned: at once on SQLite (one
    instance: whoever claimed it is gone), CLAIM_LEASE on PostgreSQL (a leader that lost
    its lock may be finishing the send it claimed; it stops within seconds)."""
    bind = sessionmaker.kw.get("bind")
    shared = bind is not None and bind.dialect.name == "postgresql"
    return CLAIM_LEASE if shared else timedelta(0)


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
        composers: Iterable[Composer] = COMPOSERS,
        metrics: Metrics | None = None,
        budget: SendBudget | None = None,
    ) -> None:
        self._composers = Composers(composers)  # a purpose without one fails here
        # The bot's own; a sender built on its own counts into a registry nobody reads.
        self._metrics = metrics or Metrics()
        pacing = pacing or SendingConfig()
        # Shared with the replies (bot/transport/send_budget.py): the outbox sends what they leave.
        self._overall = OutboxPace(budget or SendBudget(pacing.rate))
        self._per_chat = ChatPace(pacing.per_chat)
        self._in_flight = asyncio.Semaphore(pacing.concurrency)
        self._sessionmaker = sessionmaker
        self._ledger = Ledger(sessionmaker, clock)
        self._bot = bot
        self._context = ComposeContext(texts, cipher, catalogue)
        self._grace = grace
        self._clock = clock
        self._interval = interval
        self._wake = asyncio.Event()
        self._recovered_at: float | None = None  # monotonic
        self._claim_lease = claim_lease_for(sessionmaker)
        # Paced here already: past the application's reply limiter at once, no retries.
        self._straight_out: dict[str, Any] = (
            {"rate_limit_args": PACED_BY_OUTBOX}
            if isinstance(bot, ExtBot) and bot.rate_limiter is not None
            else {}
        )
        # Claim, send and settle of one part: shielded, so a stop never leaves a claim
        # behind for a part that was sent (it would look interrupted at the next start).
        self._attempts: set[asyncio.Task[Outcome | None]] = set()

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

    async def recover(self) -> None:
        """Before sending: what a dead sender left claimed is re-sent (or, interrupted
        twice, given up). Once per start on one machine; where instances share the
        database, again every half lease, for claims a leader that died left behind."""
        now = time.monotonic()
        if self._recovered_at is not None and (
            self._claim_lease == timedelta(0)
            or now - self._recovered_at < self._claim_lease.total_seconds() / 2
        ):
            return
        await self._ledger.recover(lease=self._claim_lease)
        self._recovered_at = now

    async def drain(self) -> int:
        """Try every delivery that is due once; return how many were sent.

        Due deliveries are read and planned a batch at a time while earlier ones are
        still sending, up to WINDOW taken at once; each is then sent on its own, paced,
        its every part claimed and settled in the ledger around the send.
        """
        await self.recover()
        taken: set[int] = set()  # planned here, not yet settled: still pending in the table
        running: set[asyncio.Task[Outcome | None]] = set()
        sent = 0
        try:
            while True:
                room = WINDOW - len(taken)
                plans = await self._next_batch(exclude=taken, limit=min(BATCH, room))
                for plan in plans:
                    taken.add(plan.delivery_id)
                    task = asyncio.create_task(self._carry_out(plan))
                    task.add_done_callback(partial(_release, taken, plan.delivery_id))
                    running.add(task)
                if not running:
                    return sent
                if plans and len(taken) < WINDOW:
                    continue  # read on while these wait for their pace
                finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                sent += sum(_was_sent(task.result()) for task in finished)
        finally:
            for task in running:  # cancelled: parts not yet claimed are simply left pending
                task.cancel()
            await asyncio.gather(*running, *self._attempts, return_exceptions=True)

    async def _next_batch(self, exclude: set[int], limit: int) -> list[Plan]:
        if limit <= 0:
            return []
        now = self._clock.now()
        async with self._sessionmaker() as session:
            deliveries = (
                await session.scalars(
                    select(Delivery)
                    .where(
                        Delivery.status == DeliveryStatus.PENDING,
                        Delivery.claimed_at.is_(None),
                        func.coalesce(Delivery.next_attempt_at, Delivery.due_at) <= now,
                        Delivery.id.not_in(exclude),
                    )
                    .order_by(Delivery.due_at, Delivery.id)
                    .limit(limit)
                )
            ).all()
            preloaded = await _preload(session, deliveries, self._composers) if deliveries else []
            plans = [await self._plan(session, delivery, now) for delivery in deliveries]
            del preloaded
        return plans

    async def _plan(self, session: AsyncSession, delivery: Delivery, now: datetime) -> Plan:
        plan = Plan(
            delivery.id,
            delivery.member_id,
            delivery.attempts,
            delivery.parts_sent,
            purpose=delivery.purpose,
            due_at=delivery.due_at,
        )
        try:
            composer = self._composers.get(delivery.purpose)
            if composer is not None:  # else composing fails it below
                decision = await held_back(
                    session, delivery, composer.hold, now=now, grace=self._grace
                )
                if isinstance(decision, SendLater):
                    plan.outcome = self._pending(plan, at=decision.at)
                    return plan
                if isinstance(decision, DoNotSend):
                    plan.outcome = Outcome(
                        delivery.id,
                        decision.status,
                        decision.reason,
                        delivery.attempts,
                        parts_sent=plan.parts_sent,
                    )
                    return plan
            plan.outgoing = await self._composers.compose(session, delivery, self._context)
        except CannotCompose as problem:
            plan.outcome = self._failed(plan, f"cannot compose: {problem}")
        except Exception as error:  # one bad row must not hold up the queue behind it
            if database_away(error):
                # The database's moment, not the row's (and the session is spoilt for the
                # rest of the batch): everything read stays pending for the next drain.
                raise
            log.exception("delivery %s could not be prepared", delivery.id)
            plan.outcome = self._failed(plan, f"error: {type(error).__name__}")
        return plan

    async def _carry_out(self, plan: Plan) -> Outcome | None:
        """Send the plan's remaining parts in order; None if it was taken away meanwhile."""
        if plan.outgoing is None:
            assert plan.outcome is not None
            await self._ledger.settle_decision(plan.outcome)
            return plan.outcome
        outcome: Outcome | None = None
        for index in range(plan.parts_sent, len(plan.outgoing.parts)):
            await self._per_chat.wait(plan.outgoing.chat_id)
            await self._overall.wait()
            attempt = asyncio.create_task(self._attempt(plan, index))
            self._attempts.add(attempt)
            attempt.add_done_callback(self._attempts.discard)
            outcome = await asyncio.shield(attempt)
            if outcome is None or outcome.parts_sent <= index:
                return outcome  # taken away, or this part did not go out
            plan.parts_sent = outcome.parts_sent
        return outcome

    async def _attempt(self, plan: Plan, index: int) -> Outcome | None:
        """Claim part `index`, send it, settle what came of it: the in-flight window."""
        assert plan.outgoing is not None
        async with self._in_flight:
            if not await self._ledger.claim(plan.delivery_id):
                return None  # cancelled (erasure, made private) or claimed elsewhere
            outcome = await self._send_part(plan, index)
        for pause in _SETTLE_RETRIES:
            try:
                await self._ledger.settle_send(outcome, reached=outcome.parts_sent > index)
                return outcome
            except Exception:  # the database away: the outcome is known, keep it
                log.warning("delivery %s: could not record its outcome; retrying", plan.delivery_id)
                await asyncio.sleep(pause)
        # Still claimed: the next start treats it as interrupted (sent again at most once).
        raise RuntimeError(f"delivery {plan.delivery_id}: outcome not recorded")

    async def _send_part(self, plan: Plan, index: int) -> Outcome:
        outcome, counted = await self._try_part(plan, index)
        self._metrics.sends.labels(counted).inc()
        prompt_out = outcome.status == DeliveryStatus.SENT and plan.purpose == Purpose.PROMPT
        if prompt_out and plan.due_at is not None:  # its last part went: the prompt is out
            delay = self._clock.now() - plan.due_at
            self._metrics.prompt_delay.observe(max(delay.total_seconds(), 0.0))
        return outcome

    async def _try_part(self, plan: Plan, index: int) -> tuple[Outcome, str]:
        """What came of sending part `index`, and the outcome as /metrics counts it."""
        assert plan.outgoing is not None
        outgoing = plan.outgoing
        last = index == len(outgoing.parts) - 1
        keyboard = outgoing.keyboard if last else ()
        try:
            await send_part(
                self._bot, outgoing.chat_id, outgoing.parts[index], keyboard, **self._straight_out
            )
        except Forbidden:
            blocked = self._failed(plan, "blocked", parts_sent=index)
            return dataclasses.replace(blocked, blocked_member=plan.member_id), "403"
        except BadRequest as error:
            return self._failed(plan, f"rejected: {error.message}", parts_sent=index), "400"
        except RetryAfter as error:
            # Telegram's own pacing: wait as told; not the message's fault.
            wait = max(_seconds(error.retry_after), timedelta(seconds=1))
            return self._pending(plan, at=self._clock.now() + wait, parts_sent=index), "429"
        except NetworkError as error:  # includes TimedOut
            counted = _network_outcome(error)
            attempts = plan.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                return self._failed(plan, f"gave up: {error}", parts_sent=index), counted
            log.info(
                "delivery %s: %s; retrying after %s", plan.delivery_id, error, backoff(attempts)
            )
            return Outcome(
                plan.delivery_id,
                DeliveryStatus.PENDING,
                None,
                attempts,
                self._clock.now() + backoff(attempts),
                parts_sent=index,
            ), counted
        except Exception as error:  # one bad row must not hold up the queue behind it
            log.exception("delivery %s failed unexpectedly", plan.delivery_id)
            return self._failed(plan, f"error: {type(error).__name__}", parts_sent=index), "error"
        if last:
            return Outcome(
                plan.delivery_id, DeliveryStatus.SENT, None, plan.attempts + 1, parts_sent=index + 1
            ), "sent"
        # The next part goes out at once (after its pace); the row stays pending meanwhile.
        return Outcome(
            plan.delivery_id, DeliveryStatus.PENDING, None, plan.attempts, parts_sent=index + 1
        ), "sent"

    def _pending(self, plan: Plan, *, at: datetime, parts_sent: int | None = None) -> Outcome:
        return Outcome(
            plan.delivery_id,
            DeliveryStatus.PENDING,
            None,
            plan.attempts,
            at,
            parts_sent=plan.parts_sent if parts_sent is None else parts_sent,
        )

    def _failed(self, plan: Plan, reason: str, *, parts_sent: int | None = None) -> Outcome:
        return Outcome(
            plan.delivery_id,
            DeliveryStatus.FAILED,
            reason[:200],
            plan.attempts + 1,
            parts_sent=plan.parts_sent if parts_sent is None else parts_sent,
        )


def _network_outcome(error: NetworkError) -> str:
    """A time-out; a transport failure (bot.transport.http raises those from aiohttp's
    error); else Telegram answered with a server error (PTB raises NetworkError for 5xx)."""
    if isinstance(error, TimedOut):
        return "timeout"
    return "network" if error.__cause__ is not None else "5xx"


def _hold_of(delivery: Delivery, composers: Composers) -> Hold | None:
    composer = composers.get(delivery.purpose)
    return composer.hold if composer is not None else None


def _release(taken: set[int], delivery_id: int, _: object) -> None:
    taken.discard(delivery_id)


def _was_sent(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.status == DeliveryStatus.SENT


def _seconds(retry_after: timedelta | int) -> timedelta:
    return retry_after if isinstance(retry_after, timedelta) else timedelta(seconds=retry_after)
