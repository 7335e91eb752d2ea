"""Fetching updates so that none is lost: confirmed to Telegram only once handled.

PTB's Updater asks for the next batch (which confirms the last one to Telegram) while
the handlers are still running, so a crash can lose updates. Here each update is
handled, then remembered as processed, and only then does the offset move past it.
A crash in between means Telegram sends it again; it is then recognised (processed
table, keyed by what the update is about: ``bot.transport.update_keys``) or, if it got that far,
handled idempotently by the services.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application

from bot.core.clock import Clock
from bot.transport.update_keys import update_key
from db.models import ProcessedUpdate

log = logging.getLogger(__name__)

KEEP_PROCESSED = timedelta(days=7)  # Telegram keeps unconfirmed updates for 24 hours
RETRY_AFTER_FAILURE = 2.0  # seconds
PRUNE_EVERY = 500  # updates
MAX_TRIES = 30  # about a minute of retries before an update is given up

# Only failures of the moment: a lost connection, a locked database, Telegram silent.
# An IntegrityError or a bug would fail the same way again and block everyone behind it.
TRANSIENT = (OperationalError, InterfaceError, NetworkError, OSError, RetryAfter)


class Outcome:
    """How handling the current update went; the error handler marks transient failures."""

    def __init__(self) -> None:
        self.retry = False


current_outcome: contextvars.ContextVar[Outcome | None] = contextvars.ContextVar(
    "current_outcome", default=None
)


def is_transient(error: BaseException | None) -> bool:
    """Worth another try: the database was away, or Telegram did not answer. Telegram
    refusing the request (PTB's BadRequest and Forbidden are NetworkErrors too) is not."""
    if isinstance(error, BadRequest | Forbidden | InvalidToken):
        return False
    return isinstance(error, TRANSIENT)


def should_retry(error: BaseException | None) -> bool:
    """Called by the error handler: True (and the update is not confirmed) when the
    failure is transient, so the update is handled again rather than lost."""
    outcome = current_outcome.get()
    if outcome is None or not is_transient(error):
        return False
    outcome.retry = True
    return True


class DurablePoller:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        timeout: timedelta = timedelta(seconds=30),
    ) -> None:
        self._application = application
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._timeout = timeout
        self._offset: int | None = None
        self._failures: dict[int, int] = {}  # update id -> transient failures so far
        self._remembered = 0  # since the last tidy-up

    async def run(self) -> None:
        """Poll until cancelled."""
        bot = self._application.bot
        await bot.delete_webhook(drop_pending_updates=False)
        while True:
            try:
                updates = await bot.get_updates(
                    offset=self._offset,
                    timeout=self._timeout,
                    allowed_updates=Update.ALL_TYPES,
                )
            except InvalidToken:
                raise
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except Conflict:
                log.warning("another instance is polling this bot; waiting")
                await asyncio.sleep(5 * RETRY_AFTER_FAILURE)
                continue
            except (TimedOut, NetworkError) as error:
                log.info("getUpdates failed (%s); retrying", error)
                await asyncio.sleep(RETRY_AFTER_FAILURE)
                continue
            except TelegramError:
                log.exception("getUpdates failed; retrying")
                await asyncio.sleep(RETRY_AFTER_FAILURE)
                continue
            if not updates:
                continue
            try:
                first_unhandled = await self._handle_batch(updates)
            except Exception:  # the poller must outlive any surprise, or the bot goes deaf
                log.exception("unexpected failure while handling updates; retrying")
                await asyncio.sleep(RETRY_AFTER_FAILURE)
                continue
            if first_unhandled is None:
                self._offset = updates[-1].update_id + 1
            else:
                # Not confirmed from here on: these come round again, and the ones after
                # them that were handled meanwhile are then recognised and skipped.
                self._offset = first_unhandled
                await asyncio.sleep(RETRY_AFTER_FAILURE)

    async def _handle_batch(self, updates: Sequence[Update]) -> int | None:
        """Handle a batch: each chat's updates in order, different chats at once (one
        person's slow step does not hold up everyone else's). Returns the first update id
        that must be tried again, or None when all were handled."""
        processed = await self._processed_among([update_key(update) for update in updates])
        lanes: dict[int, list[Update]] = {}
        for update in updates:
            if update_key(update) in processed:
                log.info("update %s was handled before; skipping it", update.update_id)
            else:
                lanes.setdefault(_lane(update), []).append(update)
        stopped_at = await asyncio.gather(*(self._handle_lane(lane) for lane in lanes.values()))
        failed = [update_id for update_id in stopped_at if update_id is not None]
        return min(failed) if failed else None

    async def _handle_lane(self, lane: list[Update]) -> int | None:
        """One chat's updates in order; stops at the first to be tried again, since what a
        person does next may depend on it."""
        for update in lane:
            try:
                if not await self._handle(update):
                    return update.update_id
            except TRANSIENT:
                # The database went away between handler and bookkeeping: not confirmed,
                # so the update comes round again.
                log.warning("could not record update %s as handled", update.update_id)
                return update.update_id
            except Exception:
                log.exception("unexpected failure while handling update %s", update.update_id)
                return update.update_id
        return None

    async def _handle(self, update: Update) -> bool:
        """Process one update; False means try it again."""
        outcome = Outcome()
        token = current_outcome.set(outcome)
        try:
            await self._application.process_update(update)
        finally:
            current_outcome.reset(token)
        if outcome.retry:
            self._failures[update.update_id] = self._failures.get(update.update_id, 0) + 1
            if self._failures[update.update_id] < MAX_TRIES:
                return False
            log.error("update %s failed %s times; moving on", update.update_id, MAX_TRIES)
        self._failures.pop(update.update_id, None)
        await self._remember(update)
        return True

    async def _processed_among(self, keys: list[str]) -> set[str]:
        async with self._sessionmaker() as session:
            found = await session.scalars(
                select(ProcessedUpdate.update_key).where(ProcessedUpdate.update_key.in_(keys))
            )
            return set(found.all())

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


def _lane(update: Update) -> int:
    """Updates of one chat (or, without a chat, of one user) are handled in order."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return -update.update_id  # neither: no order to keep


def _seconds(value: timedelta | int) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
