"""The composition root: builds the Application and wires services, sender and handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ApplicationBuilder

from bot.catalogue import Catalogue
from bot.clock import Clock
from bot.config import Config
from bot.crypto import ReflectionCipher
from bot.dispatch import DispatchReport, dispatch_prompts
from bot.http import AiohttpRequest
from bot.polling import DurablePoller
from bot.reply_limiter import RepliesRateLimiter
from bot.scheduling.cadence import WEEKDAYS
from bot.sending import OutboxSender
from bot.services.digest import queue_digests
from bot.services.engagement import settle_weeks
from bot.services.meeting_stats import settle_months
from bot.services.meetings import ask_overdue_pairs
from bot.services.nudges import queue_nudges
from bot.texts import Texts
from db.models import Programme, Role
from handlers.context import CONTEXT_TYPES, FrizonApplication, FrizonContext, Services
from handlers.menus import set_default_menu
from handlers.registry import register_handlers

log = logging.getLogger(__name__)
DISPATCH_EVERY = 10.0  # seconds
PAIR_CHECK_EVERY = 900.0  # seconds: meetings, nudges and digests are matters of days
LOOKBACK_AT_START = 26  # cycles: half a year of weekly prompts


def file_base_url(base_url: str) -> str:
    """Where getFile's paths download from: the Bot API's ``…/bot`` becomes ``…/file/bot``."""
    if base_url.endswith("/bot"):
        return base_url.removesuffix("bot") + "file/bot"
    return base_url  # an unusual server: assume it serves files where it answers


def build_application(
    *,
    config: Config,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    token: str,
    base_url: str,
    cipher: ReflectionCipher,
    texts: Texts | None = None,
    catalogue: Catalogue | None = None,
    paced_replies: bool = True,
    pair_checks: bool = True,
) -> FrizonApplication:
    """Build the bot; `base_url` names the Bot API server (Telegram, the sandbox, or another)."""
    texts = texts or Texts()
    catalogue = catalogue or Catalogue.load(config.prompts.folder)
    builder = (
        ApplicationBuilder()
        .updater(None)  # updates come through DurablePoller, confirmed only once handled
        .token(token)
        .base_url(base_url)
        .base_file_url(file_base_url(base_url))
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connections=1))
        .context_types(CONTEXT_TYPES)
    )
    application: FrizonApplication
    if paced_replies:
        # Paces replies below Telegram's limits and retries a 429 after retry_after.
        # (Benchmarks turn it off to measure the bot itself.)
        application = builder.rate_limiter(RepliesRateLimiter(max_retries=3)).build()
    else:
        application = builder.build()
    sender = OutboxSender(
        sessionmaker=sessionmaker,
        bot=application.bot,
        texts=texts,
        clock=clock,
        cipher=cipher,
        catalogue=catalogue,
        grace=config.schedule.grace,
        pacing=config.sending,
    )
    application.bot_data.attach(
        Services(
            config=config,
            sessionmaker=sessionmaker,
            texts=texts,
            clock=clock,
            cipher=cipher,
            catalogue=catalogue,
            wake_sender=sender.wake,
            chat_pace=sender.chat_pace,
        )
    )
    application.bot_data.sender = sender
    register_handlers(application)
    assert application.job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    # APScheduler (through PTB's JobQueue) runs the dispatcher; schedules are data, so one
    # job serves every member.
    application.job_queue.run_repeating(
        _dispatch_job,
        interval=DISPATCH_EVERY,
        first=1,
        name="dispatcher",
        data={"first_run": True},
    )
    if pair_checks:  # tests that want them call check_pairs_now at a moment they choose
        application.job_queue.run_repeating(
            _pair_check_job, interval=PAIR_CHECK_EVERY, first=5, name="pair check"
        )
    return application


async def dispatch_now(services: Services, *, lookback: int = 1) -> DispatchReport:
    """Queue every prompt that is due and wake the sender; the job calls this too.
    `lookback`: how many cycles before the current one to consider (see dispatch_prompts)."""
    async with services.sessionmaker() as session:

        async def commit_and_send() -> None:
            await session.commit()
            services.wake_sender()

        report = await dispatch_prompts(
            session,
            clock=services.clock,
            catalogue=services.catalogue,
            grace=services.config.schedule.grace,
            checkpoint=commit_and_send,
            lookback=lookback,
        )
        await session.commit()
        # Mentors' own reflection prompts: private to them, every MENTOR_EVERY_WEEKS.
        mentors = await dispatch_prompts(
            session,
            clock=services.clock,
            catalogue=services.catalogue,
            grace=services.config.schedule.grace,
            checkpoint=commit_and_send,
            lookback=lookback,
            role=Role.MENTOR,
        )
        await session.commit()
        report.queued += mentors.queued
        report.skipped += mentors.skipped
        report.missed += mentors.missed
        report.keys += mentors.keys
    if report.queued:
        log.info(
            "queued %s prompts (%s skipped, %s missed)",
            report.queued,
            report.skipped,
            report.missed,
        )
        services.wake_sender()
    return report


async def _dispatch_job(context: FrizonContext) -> None:
    # After a start the bot may have been down for weeks: the first run looks further
    # back, so every cycle it slept through is recorded as missed, not just the last.
    data = context.job.data if context.job is not None else None
    first_run = isinstance(data, dict) and data.pop("first_run", False)
    try:
        await dispatch_now(context.services, lookback=LOOKBACK_AT_START if first_run else 1)
    except IntegrityError:
        # Another dispatcher queued the same prompt a moment ago: its row stands, ours
        # rolled back; the unique (member, purpose, cycle) key is doing its job.
        log.info("a prompt was queued concurrently; nothing to do")


async def check_meetings_now(services: Services) -> int:
    """Ask "did you meet?" of every pair whose rhythm passed without a meeting; once each."""
    now = services.clock.now()
    async with services.sessionmaker() as session, session.begin():
        asked = await ask_overdue_pairs(session, today=now.date(), now=now)
    if asked:
        services.wake_sender()
    return asked


async def check_pairs_now(services: Services) -> int:
    """The periodic look at every pair: "did you meet?", nudges to mentors, and the
    weekly digests that are due. Each is keyed in the outbox, so repeats queue nothing."""
    now = services.clock.now()
    digest = services.config.digest
    queued = await check_meetings_now(services)
    async with services.sessionmaker() as session, session.begin():
        queued += await queue_nudges(session, today=now.date(), now=now)
        queued += await queue_digests(
            session, now=now, weekday=WEEKDAYS.index(digest.weekday), at=digest.at
        )
    services.wake_sender()
    await settle_statistics_now(services)
    return queued


async def settle_statistics_now(services: Services) -> int:
    """Keep the counts of weeks that have settled, in the background, so that a
    coordinator's first /stats after a quiet month is as quick as the next one."""
    now = services.clock.now()
    kept = 0
    async with services.sessionmaker() as session, session.begin():
        for programme in (await session.scalars(select(Programme))).all():
            today = now.astimezone(ZoneInfo(programme.timezone)).date()
            kept += await settle_weeks(session, programme=programme, today=today)
            await settle_months(session, programme=programme, today=today)
    return kept


async def _pair_check_job(context: FrizonContext) -> None:
    try:
        await check_pairs_now(context.services)
    except IntegrityError:  # a concurrent check queued the same message: it stands
        log.info("a meeting question was queued concurrently; nothing to do")


@asynccontextmanager
async def serving(
    application: FrizonApplication, *, poll_timeout: timedelta = timedelta(seconds=10)
) -> AsyncIterator[None]:
    """Run the bot (long polling) and its services for the duration of the block."""
    try:
        await application.initialize()
    except Exception:
        # A rejected token fails initialize() half-way; PTB's shutdown() then skips the
        # bot's HTTP clients, so close them here.
        await application.bot.shutdown()
        raise
    services = application.bot_data.services
    poller = DurablePoller(
        application, sessionmaker=services.sessionmaker, clock=services.clock, timeout=poll_timeout
    )
    try:
        await _start_services(application)
        await application.start()
        polling = asyncio.create_task(poller.run(), name="poller")
        try:
            yield
        finally:
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await application.stop()
    finally:
        await _stop_services(application)
        await application.shutdown()


async def _start_services(application: FrizonApplication) -> None:
    """Once the bot is initialised: set the menus and start the sender."""
    await set_default_menu(application.bot, application.bot_data.services.texts)
    sender = application.bot_data.sender
    if sender is not None:
        application.bot_data.sender_task = asyncio.create_task(sender.run(), name="outbox-sender")
    log.info("bot @%s is ready", application.bot.username)


async def _stop_services(application: FrizonApplication) -> None:
    task = application.bot_data.sender_task
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
