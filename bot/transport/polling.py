"""Fetching updates so that none is lost: confirmed to Telegram only once handled.

PTB's Updater asks for the next batch (which confirms the last one to Telegram) while
the handlers are still running, so a crash can lose updates. Here each update is
handled and remembered (``bot.transport.handling``), and only then does the offset move
past it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.transport.handling import DurableHandling, is_transient, lane_of
from bot.transport.update_keys import update_key

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = 2.0  # seconds


class ReceivingConflict(Exception):
    """Someone else takes this bot's updates; the message says so in one line."""


class DurablePoller:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        handling: DurableHandling,
        timeout: timedelta = timedelta(seconds=30),
    ) -> None:
        self._application = application
        self._handling = handling
        self._timeout = timeout
        self._offset: int | None = None

    async def run(self) -> None:
        """Poll until cancelled; ReceivingConflict when another process polls the same
        bot (or has set a webhook for it)."""
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
            except Conflict as error:
                # Two pollers would take turns ending each other's requests for ever.
                raise ReceivingConflict(
                    "another process is receiving this bot's updates (Telegram answered "
                    f"409: {error.message}); stop it, or run several instances with "
                    "--webhook on PostgreSQL"
                ) from None
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
        processed = await self._handling.processed_among(updates)
        lanes: dict[int, list[Update]] = {}
        for update in updates:
            if update_key(update) in processed:
                log.info("update %s was handled before; skipping it", update.update_id)
                self._handling.skipped(update)
            else:
                lanes.setdefault(lane_of(update), []).append(update)
        stopped_at = await asyncio.gather(*(self._handle_lane(lane) for lane in lanes.values()))
        failed = [update_id for update_id in stopped_at if update_id is not None]
        return min(failed) if failed else None

    async def _handle_lane(self, lane: list[Update]) -> int | None:
        """One chat's updates in order; stops at the first to be tried again, since what a
        person does next may depend on it."""
        for update in lane:
            try:
                if not await self._handling.handle(update):
                    return update.update_id
            except Exception as error:
                if is_transient(error):
                    # The database went away between handler and bookkeeping: not
                    # confirmed, so the update comes round again.
                    log.warning("could not record update %s as handled", update.update_id)
                else:
                    log.exception("unexpected failure while handling update %s", update.update_id)
                return update.update_id
        return None


def _seconds(value: timedelta | int) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
