"""The periodic jobs (APScheduler through PTB's JobQueue) and what they run: the prompt
dispatcher, the look at every pair, the settling of statistics, retention, the
re-encryption after a key rotation. Tests and the sandbox's
clock controls call the ``*_now`` functions at moments they choose."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import cast

from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.scheduling.cadence import WEEKDAYS
from bot.services.digest import queue_digests
from bot.services.dispatch import DispatchReport, dispatch_prompts
from bot.services.key_rotation import reencrypt_batch
from bot.services.meetings import ask_overdue_pairs
from bot.services.nudges import queue_nudges
from bot.services.retention import RetentionReport, apply_retention
from bot.services.stats import settle_every_programme
from db.models import Role
from handlers.context import FrizonApplication, FrizonContext, Services

log = logging.getLogger(__name__)
DISPATCH_EVERY = 10.0  # seconds
PAIR_CHECK_EVERY = 900.0  # seconds: meetings, nudges and digests are matters of days
LOOKBACK_AT_START = 26  # cycles: half a year of weekly prompts
REENCRYPTION = "re-encryption"
REENCRYPT_RETRY = 60.0  # seconds: after a database error, the pass starts again


async def dispatch_now(services: Services, *, lookback: int = 1) -> DispatchReport:
    """Queue every prompt that is due and wake the sender; the job calls this too.
    `lookback`: how many cycles before the current one to consider (see dispatch_prompts)."""
    async with services.sessionmaker() as session:

        async def commit_and_send() -> None:
            await session.commit()
            services.wake_sender()

        report = DispatchReport()
        # Students' prompts, then mentors' own (private to them, every MENTOR_EVERY_WEEKS).
        for role in (Role.STUDENT, Role.MENTOR):
            report += await dispatch_prompts(
                session,
                now=services.clock.now(),
                catalogue=services.catalogue,
                grace=services.config.schedule.grace,
                checkpoint=commit_and_send,
                lookback=lookback,
                role=role,
            )
            await session.commit()
    if report.queued:
        log.info(
            "queued %s prompts (%s skipped, %s missed)",
            report.queued,
            report.skipped,
            report.missed,
        )
        services.wake_sender()
    return report


async def dispatch_job(context: FrizonContext) -> None:
    if not context.bot_data.leading:
        return  # another instance dispatches
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
    await apply_retention_now(services)
    return queued


async def apply_retention_now(services: Services) -> RetentionReport:
    """Tell coordinators a week before a programme's personal data is erased, and erase it
    when the day comes (bot/services/retention.py); repeats do nothing new."""
    async with services.sessionmaker() as session, session.begin():
        report = await apply_retention(session, now=services.clock.now())
    for run in report.runs:
        log.info("retention: programme %s, %s members erased", run.programme_id, run.members_erased)
    if report.notices_queued:
        services.wake_sender()
    return report


async def settle_statistics_now(services: Services) -> int:
    """Keep the counts of weeks that have settled, in the background, so that a
    coordinator's first /stats after a quiet month is as quick as the next one."""
    async with services.sessionmaker() as session, session.begin():
        return await settle_every_programme(session, now=services.clock.now())


async def pair_check_job(context: FrizonContext) -> None:
    if not context.bot_data.leading:
        return  # another instance looks at the pairs
    try:
        await check_pairs_now(context.services)
    except IntegrityError:  # a concurrent check queued the same message: it stands
        log.info("a meeting question was queued concurrently; nothing to do")


async def reencrypt_now(services: Services, *, leading: Callable[[], bool] = lambda: True) -> bool:
    """One pass over every check-in, re-encrypting what old keys wrote, a committed batch
    at a time; True when it went through them all, False when it stopped early because
    this instance stopped leading."""
    security = services.config.security
    after, reencrypted = 0, 0
    while True:
        if not leading():
            return False
        async with services.sessionmaker() as session, session.begin():
            batch = await reencrypt_batch(
                session, services.cipher, after_id=after, limit=security.reencrypt_batch
            )
        reencrypted += batch.reencrypted
        if batch.last_id is None:
            break
        after = batch.last_id
        await asyncio.sleep(security.reencrypt_pause)  # the bot's own work goes first
    if reencrypted:
        log.info("re-encrypted %s check-ins with the current reflection key", reencrypted)
    return True


async def reencrypt_job(context: FrizonContext) -> None:
    """Run once each time this instance starts leading: everything readable ends on the
    current key, and new text is written with it, so one complete pass is enough."""
    if not context.bot_data.leading:
        return  # the leader re-encrypts (and runs this again when another one leads)
    try:
        await reencrypt_now(context.services, leading=lambda: context.bot_data.leading)
    except (OSError, DBAPIError) as error:
        log.warning("re-encryption interrupted (%s); trying again soon", type(error).__name__)
        job_queue = cast(FrizonApplication, context.application).job_queue
        assert job_queue is not None
        job_queue.run_once(reencrypt_job, when=REENCRYPT_RETRY, name=REENCRYPTION)
