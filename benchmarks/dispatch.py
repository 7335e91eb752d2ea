"""How fast N students' prompts, all due the same minute, reach them through the sandbox.

    .venv/bin/python -m benchmarks.dispatch [--students 10000] [--scale 10]

Part 1 sends through a sandbox that enforces Telegram's limits (30 messages/s overall,
1/s per chat, 429 beyond), sped up by --scale so a run fits in about a minute: the
floor is N / (30 x scale) seconds, and the ratio of wall time to it is the figure
(goal: at most 1.05, with no 429). Part 2 lifts every limit to find the pipeline's own
capacity (goal: at least 1,000 messages/s), so that Telegram, not frizon, is the
bottleneck. Peak memory covers the whole process, the sandbox server included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from benchmarks.common import START, database, peak_memory_mb, programme_of_students
from benchmarks.sandbox_process import sandbox_process
from bot.core.clock import ManualClock
from bot.core.config import SendingConfig
from bot.core.crypto import ReflectionCipher, new_key
from bot.domain.catalogue import Catalogue
from bot.sandbox import Limits
from bot.sending.sender import OutboxSender
from bot.services.dispatch import dispatch_prompts
from bot.texts.templates import Texts
from bot.transport.http import AiohttpRequest
from db.models import Delivery, DeliveryStatus

TOKEN = "7777777777:benchmark"
TELEGRAM_RATE = 30.0


class TickingClock:
    """Real time, started at a chosen instant: back-offs come due as they would live."""

    def __init__(self, start: datetime) -> None:
        self._start, self._t0 = start, time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


async def one_run(students: int, limits: Limits, pacing: SendingConfig) -> dict[str, float]:
    """Dispatcher and sender as the running bot has them: the dispatcher commits in chunks
    and wakes the sender, which drains while the rest is still being queued."""
    with (
        tempfile.TemporaryDirectory() as folder,
        sandbox_process(TOKEN, students, limits) as sandbox,
    ):
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine, sessionmaker = await database(url)
        await programme_of_students(sessionmaker, sandbox.user_ids, ManualClock(START))
        clock = TickingClock(START + timedelta(hours=8))  # Monday 18:00 in Stockholm

        request = AiohttpRequest(connections=max(pacing.concurrency, 8))
        async with Bot(TOKEN, base_url=sandbox.bot_api_base_url, request=request) as bot:
            sender = OutboxSender(
                sessionmaker=sessionmaker,
                bot=bot,
                texts=Texts(),
                clock=clock,
                cipher=ReflectionCipher(new_key()),
                catalogue=Catalogue.load(),
                pacing=pacing,
                interval=0.5,
            )
            sending = asyncio.create_task(sender.run())
            started = time.perf_counter()
            async with sessionmaker() as session:

                async def commit_and_send() -> None:
                    await session.commit()
                    sender.wake()

                report = await dispatch_prompts(
                    session,
                    now=clock.now(),
                    catalogue=Catalogue.load(),
                    grace=timedelta(hours=6),
                    checkpoint=commit_and_send,
                )
                await commit_and_send()
            dispatched = time.perf_counter()
            while await _still_pending(sessionmaker):  # noqa: ASYNC110 - the table is the truth
                await asyncio.sleep(0.05)
            finished = time.perf_counter()
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending
            too_many = sandbox.too_many_requests()
        await engine.dispose()
    return {
        "queued": report.queued,
        "dispatch_s": dispatched - started,
        "wall_s": finished - started,
        "send_s": finished - dispatched,
        "too_many": too_many,
    }


async def _still_pending(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status == DeliveryStatus.PENDING)
            )
            or 0
        )


async def main(students: int, scale: float) -> None:
    logging.basicConfig(level=logging.WARNING)
    limit = TELEGRAM_RATE * scale
    limited = await one_run(
        students,
        Limits(overall_per_second=limit, per_chat_per_second=1.0 * scale, per_chat_burst=1),
        SendingConfig.model_construct(rate=limit * 0.98, per_chat=1.0 * scale, concurrency=16),
    )
    floor = students / limit
    print(f"students: {students}, Telegram limits sped up x{scale:g}: {limit:g} messages/s")
    print(f"  dispatch (queueing all prompts, sending meanwhile): {limited['dispatch_s']:.2f} s")
    print(
        f"  wall time: {limited['wall_s']:.2f} s, floor N/limit: {floor:.2f} s, "
        f"ratio: {limited['wall_s'] / floor:.3f} (goal <= 1.05)"
    )
    print(f"  429 received: {limited['too_many']} (goal 0)")

    free = await one_run(
        students,
        Limits(overall_per_second=None, per_chat_per_second=None),
        SendingConfig.model_construct(rate=None, per_chat=None, concurrency=32),
    )
    rate = students / free["wall_s"]
    print(
        f"limits off: {students} messages in {free['wall_s']:.2f} s: "
        f"{rate:.0f} messages/s end to end (goal >= 1000); queueing alone "
        f"{students / free['dispatch_s']:.0f}/s"
    )
    print(f"peak memory of the bot's process: {peak_memory_mb():.0f} MB (goal <= 200)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=10.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.students, arguments.scale))
