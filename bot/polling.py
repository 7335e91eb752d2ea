"""Fetching updates so that none is lost: confirmed to Telegram only once handled.

PTB's Updater asks for the next batch (which confirms the last one to Telegram) while
the handlers are still running, so a crash can lose updates. Here each update is
handled, then remembered as processed, and only then does the offset move past it.
A crash in between means Telegram sends it again; it is then recognised (processed
table) or, if it got that far, handled idempotently by the services.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from datetime import timedelta

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

from bot.clock import Clock
from db.models import ProcessedUpdate
from handlers.context import FrizonApplication

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
        application: FrizonApplication,
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
            try:
                for update in updates:
                    if not await self._handle(update):
                        await asyncio.sleep(RETRY_AFTER_FAILURE)
                        break  # this one again, before any later one
                    self._offset = update.update_id + 1
            except TRANSIENT:
                # The database went away between handler and bookkeeping: not confirmed,
                # so the update comes round again.
                log.warning("could not record an update as handled; retrying", exc_info=True)
                await asyncio.sleep(RETRY_AFTER_FAILURE)
            except Exception:  # the poller must outlive any surprise, or the bot goes deaf
                log.exception("unexpected failure while handling updates; retrying")
                await asyncio.sleep(RETRY_AFTER_FAILURE)

    async def _handle(self, update: Update) -> bool:
        """Process one update unless it was processed before; False means try it again."""
        if await self._already_processed(update.update_id):
            log.info("update %s was handled before; skipping it", update.update_id)
            return True
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
        await self._remember(update.update_id)
        return True

    async def _already_processed(self, update_id: int) -> bool:
        async with self._sessionmaker() as session:
            found = await session.scalar(
                select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
            )
        return found is not None

    async def _remember(self, update_id: int) -> None:
        now = self._clock.now()
        async with self._sessionmaker() as session, session.begin():
            session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
            if update_id % PRUNE_EVERY == 0:  # tidy up now and then, not on every update
                await session.execute(
                    delete(ProcessedUpdate).where(
                        ProcessedUpdate.processed_at < now - KEEP_PROCESSED
                    )
                )


def _seconds(value: timedelta | int) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
