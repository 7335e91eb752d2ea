"""The composition root: builds the Application and wires services, sender and handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ApplicationBuilder

from bot.app.health import HealthServer
from bot.app.jobs import (
    DISPATCH_EVERY,
    PAIR_CHECK_EVERY,
    REENCRYPTION,
    dispatch_job,
    pair_check_job,
    reencrypt_job,
)
from bot.app.leadership import Leadership
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.crypto import ReflectionCipher
from bot.core.metrics import Metrics
from bot.domain.catalogue import Catalogue
from bot.sending.sender import OutboxSender
from bot.texts.templates import Texts
from bot.transport.chat_order import ChatOrder
from bot.transport.handling import DurableHandling
from bot.transport.http import AiohttpRequest
from bot.transport.polling import DurablePoller
from bot.transport.reply_limiter import RepliesRateLimiter
from bot.transport.reply_reports import ReplyReports
from bot.transport.send_budget import SendBudget
from bot.transport.webhook import WebhookServer, WebhookSettings
from handlers.context import CONTEXT_TYPES, FrizonApplication, Services
from handlers.menus import set_default_menu
from handlers.registry import register_handlers

log = logging.getLogger(__name__)


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
    metrics = Metrics()  # this bot's own registry: two bots in one process never share one
    budget = SendBudget(config.sending.rate)  # replies and the outbox: one token's budget
    builder = (
        ApplicationBuilder()
        .updater(None)  # updates come through bot/transport, confirmed only once handled
        .token(token)
        .base_url(base_url)
        .base_file_url(file_base_url(base_url))
        .request(AiohttpRequest(answered=metrics.bot_api_answered))
        .get_updates_request(AiohttpRequest(connections=1, answered=metrics.bot_api_answered))
        .context_types(CONTEXT_TYPES)
    )
    application: FrizonApplication
    if paced_replies:
        # Paces replies below Telegram's limits and retries a 429 after retry_after.
        # (Benchmarks turn it off to measure the bot itself.)
        application = builder.rate_limiter(RepliesRateLimiter(budget, max_retries=3)).build()
    else:
        application = builder.build()
    application.bot_data.metrics = metrics
    application.bot_data.budget = budget
    sender = OutboxSender(
        sessionmaker=sessionmaker,
        bot=application.bot,
        texts=texts,
        clock=clock,
        cipher=cipher,
        catalogue=catalogue,
        grace=config.schedule.grace,
        pacing=config.sending,
        metrics=metrics,
        budget=budget,
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
        dispatch_job,
        interval=DISPATCH_EVERY,
        first=1,
        name="dispatcher",
        data={"first_run": True},
    )
    if pair_checks:  # tests that want them call check_pairs_now at a moment they choose
        application.job_queue.run_repeating(
            pair_check_job, interval=PAIR_CHECK_EVERY, first=5, name="pair check"
        )
    return application


@asynccontextmanager
async def serving(
    application: FrizonApplication,
    *,
    poll_timeout: timedelta = timedelta(seconds=10),
    webhook: WebhookSettings | None = None,
) -> AsyncIterator[None]:
    """Run the bot and its services for the duration of the block: updates by long
    polling, or by `webhook` when given."""
    try:
        await application.initialize()
    except Exception:
        # A rejected token fails initialize() half-way; PTB's shutdown() then skips the
        # bot's HTTP clients, so close them here.
        await application.bot.shutdown()
        raise
    try:
        async with _observed(application):
            await _start_services(application)
            await application.start()
            try:
                async with _receiving(application, poll_timeout, webhook):
                    yield
            finally:
                await application.stop()
    finally:
        await _stop_services(application)
        await application.shutdown()


@asynccontextmanager
async def _observed(application: FrizonApplication) -> AsyncIterator[None]:
    """Database errors counted, and /healthz, /readyz and /metrics served when [health]
    is enabled, for as long as the bot runs."""
    services = application.bot_data.services
    metrics = application.bot_data.metrics
    unwatch = metrics.watch_database(services.sessionmaker.kw["bind"])
    health = None
    if services.config.health.enabled:
        health = HealthServer(
            settings=services.config.health,
            sessionmaker=services.sessionmaker,
            bot=application.bot,
            metrics=metrics,
            clock=services.clock,
            leading=lambda: application.bot_data.leading,
        )
        await health.start()
        application.bot_data.health_port = health.port
    try:
        yield
    finally:
        if health is not None:
            await health.stop()
            application.bot_data.health_port = None
        unwatch()


@asynccontextmanager
async def _receiving(
    application: FrizonApplication, poll_timeout: timedelta, webhook: WebhookSettings | None
) -> AsyncIterator[None]:
    services = application.bot_data.services
    handling = DurableHandling(
        application,
        sessionmaker=services.sessionmaker,
        clock=services.clock,
        metrics=application.bot_data.metrics,
    )
    if webhook is not None:
        engine = services.sessionmaker.kw["bind"]
        server = WebhookServer(
            application, handling=handling, order=ChatOrder(engine), settings=webhook
        )
        await server.start()
        try:
            await server.register()
            yield
        finally:
            await server.stop()
        return
    poller = DurablePoller(application, handling=handling, timeout=poll_timeout)
    polling = asyncio.create_task(poller.run(), name="poller")
    polling.add_done_callback(partial(_polling_ended, application))
    try:
        yield
    finally:
        polling.cancel()
        # How it ended was told already (_polling_ended).
        await asyncio.gather(polling, return_exceptions=True)


def _polling_ended(application: FrizonApplication, polling: asyncio.Task[None]) -> None:
    """Polling ends only when cancelled, or when another process takes the updates."""
    if polling.cancelled():
        return
    problem = polling.exception()
    if problem is not None:
        log.error("%s", problem)
        application.bot_data.stopped_because = str(problem)
        application.bot_data.stopped.set()


async def _start_services(application: FrizonApplication) -> None:
    """Once the bot is initialised: set the menus, and lead when this instance may."""
    await set_default_menu(application.bot, application.bot_data.services.texts)
    services = application.bot_data.services
    leadership = Leadership(services.config.database.url)
    if leadership.shared:  # several instances: the leader hears the others' replies
        reports = ReplyReports(
            services.config.database.url,
            services.sessionmaker.kw["bind"],
            application.bot_data.budget,
        )
        reports.start()
        application.bot_data.reply_reports = reports
    application.bot_data.leadership_task = asyncio.create_task(
        leadership.run(partial(_start_leading, application), partial(_stop_leading, application)),
        name="leadership",
    )
    log.info("bot @%s is ready", application.bot.username)


async def _start_leading(application: FrizonApplication) -> None:
    """The leader's work: the sender now, the dispatcher and pair checks at their next
    tick (the jobs ask whether this instance leads)."""
    assert application.job_queue is not None
    for job in application.job_queue.get_jobs_by_name("dispatcher"):
        if isinstance(job.data, dict):
            job.data["first_run"] = True  # look back over what no leader dispatched
    application.bot_data.leading = True
    # After a key rotation: what the old keys wrote, re-encrypted in the background.
    application.job_queue.run_once(reencrypt_job, when=1, name=REENCRYPTION)
    application.bot_data.metrics.leader.set(1)
    if application.bot_data.reply_reports is not None:
        application.bot_data.reply_reports.lead()
    sender = application.bot_data.sender
    if sender is not None:
        application.bot_data.sender_task = asyncio.create_task(sender.run(), name="outbox-sender")


async def _stop_leading(application: FrizonApplication) -> None:
    application.bot_data.leading = False
    application.bot_data.metrics.leader.set(0)
    if application.bot_data.reply_reports is not None:
        await application.bot_data.reply_reports.follow()
    task, application.bot_data.sender_task = application.bot_data.sender_task, None
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _stop_services(application: FrizonApplication) -> None:
    task = application.bot_data.leadership_task
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await _stop_leading(application)  # also when the start failed before leading began
    reports, application.bot_data.reply_reports = application.bot_data.reply_reports, None
    if reports is not None:
        await reports.stop()
