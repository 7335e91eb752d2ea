"""Handling one update durably, whichever way it arrived (long polling or a webhook).

An update is handled, then remembered as processed (keyed by what it is about:
``bot.transport.update_keys``), and only then confirmed to Telegram — by the next
``getUpdates`` offset, or by the webhook's 200. A crash in between means Telegram sends
it again; it is then recognised here or, if it got that far, handled idempotently by the
services. A transient failure (the database away, Telegram silent) leaves it
unconfirmed, to be tried again.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from bot.core.clock import Clock
from bot.core.logs import current_update_id
from bot.core.metrics import Metrics
from bot.transport.update_keys import update_key
from db.errors import database_away
from db.models import ProcessedUpdate

log = logging.getLogger(__name__)

KEEP_PROCESSED = timedelta(days=7)  # Telegram keeps unconfirmed updates for 24 hours
PRUNE_EVERY = 500  # updates
MAX_TRIES = 30  # about a minute of retries before an update is given up

# Only failures of the moment: the database away (db/errors.py), Telegram silent. An
# IntegrityError or a bug would fail the same way again and block everyone behind it.
TELEGRAM_AWAY = (NetworkError, OSError, RetryAfter)


class Outcome:
    """How handling the current update went; the error handler marks transient failures."""

    def __init__(self) -> None:
        self.retry = False
        self.failed = False  # a handler raised (the error handler saw it)


current_outcome: contextvars.ContextVar[Outcome | None] = contextvars.ContextVar(
    "current_outcome", default=None
)


def is_transient(error: BaseException | None) -> bool:
    """Worth another try: the database was away, or Telegram did not answer. Telegram
    refusing the request (PTB's BadRequest and Forbidden are NetworkErrors too) is not."""
    if isinstance(error, BadRequest | Forbidden | InvalidToken):
        return False
    return error is not None and (database_away(error) or isinstance(error, TELEGRAM_AWAY))


def should_retry(error: BaseException | None) -> bool:
    """Called by the error handler: True (and the update is not confirmed) when the
    failure is transient, so the update is handled again rather than lost."""
    outcome = current_outcome.get()
    if outcome is not None:
        outcome.failed = True
    if outcome is None or not is_transient(error):
        return False
    outcome.retry = True
    return True


def lane_of(update: Update) -> int:
    """Updates of one chat (or, without a chat, of one user) are handled in order."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return -update.update_id  # neither: no order to keep


def update_kind(update: Update) -> str:
    """Which of Telegram's update types it is ("message", "callback_query", …): a label."""
    return next((str(kind) for kind in Update.ALL_TYPES if getattr(update, kind, None)), "other")


class DurableHandling:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        metrics: Metrics,
    ) -> None:
        self._application = application
        self._metrics = metrics
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._failures: dict[int, int] = {}  # update id -> transient failures so far
        self._remembered = 0  # since the last tidy-up

    async def processed_among(self, updates: Iterable[Update]) -> set[str]:
        """The keys of those updates that were handled before."""
        keys = [update_key(update) for update in updates]
        async with self._sessionmaker() as session:
            found = await session.scalars(
                select(ProcessedUpdate.update_key).where(ProcessedUpdate.update_key.in_(keys))
            )
            return set(found.all())

    def skipped(self, update: Update) -> None:
        """It was handled before (Telegram delivered it again): counted, not handled."""
        self._metrics.updates.labels(update_kind(update), "duplicate").inc()

    async def handle(self, update: Update) -> bool:
        """Process one update and remember it; False means try it again."""
        outcome = Outcome()
        token = current_outcome.set(outcome)
        logged_as = current_update_id.set(update.update_id)  # on the lines logged meanwhile
        started = time.perf_counter()
        try:
            await self._application.process_update(update)
        finally:
            current_update_id.reset(logged_as)
            current_outcome.reset(token)
            self._metrics.handler_seconds.observe(time.perf_counter() - started)
        counted = self._metrics.updates.labels(update_kind(update), _outcome_label(outcome))
        if outcome.retry:
            self._failures[update.update_id] = self._failures.get(update.update_id, 0) + 1
            if self._failures[update.update_id] < MAX_TRIES:
                counted.inc()
                return False
            log.error("update %s failed %s times; moving on", update.update_id, MAX_TRIES)
            counted = self._metrics.updates.labels(update_kind(update), "given_up")
        self._failures.pop(update.update_id, None)
        await self._remember(update)
        counted.inc()
        return True

    async def _remember(self, update: Update) -> None:
        now = self._clock.now()
        self._remembered += 1
        async with self._sessionmaker() as session, session.begin():
            session.add(
                ProcessedUpdate(
                    update_key=update_key(update), update_id=update.update_id, processed_at=now
                )
            )
            if self._remembered % PRUNE_EVERY == 0:  # tidy up now and then, not every time
                await session.execute(
                    delete(ProcessedUpdate).where(
                        ProcessedUpdate.processed_at < now - KEEP_PROCESSED
                    )
                )


def _outcome_label(outcome: Outcome) -> str:
    """handled; failed (a handler raised: the person was told); retry (a failure of the
    moment: handled again)."""
    if outcome.retry:
        return "retry"
    return "failed" if outcome.failed else "handled"
