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
import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from telegram import Bot
from telegram.request import HTTPXRequest

from benchmarks.common import START, database, peak_memory_mb, programme_of_students
from bot.catalogue import Catalogue
from bot.clock import ManualClock
from bot.config import SendingConfig
from bot.crypto import ReflectionCipher, new_key
from bot.dispatch import dispatch_prompts
from bot.sandbox import Limits, SandboxServer
from bot.sending import OutboxSender
from bot.texts import Texts

TOKEN = "7777777777:benchmark"
TELEGRAM_RATE = 30.0


async def one_run(students: int, limits: Limits, pacing: SendingConfig) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine, sessionmaker = await database(url)
        server = SandboxServer(token=TOKEN, port=0, limits=limits)
        await server.start()
        clock = ManualClock(START)
        users = [server.state.add_user(f"S{n}") for n in range(students)]
        await programme_of_students(sessionmaker, [u.id for u in users], clock)
        clock.set(START + timedelta(hours=8))  # Monday 18:00 in Stockholm: all due now

        request = HTTPXRequest(connection_pool_size=max(pacing.concurrency, 8))
        async with Bot(TOKEN, base_url=server.bot_api_base_url, request=request) as bot:
            sender = OutboxSender(
                sessionmaker=sessionmaker,
                bot=bot,
                texts=Texts(),
                clock=clock,
                cipher=ReflectionCipher(new_key()),
                catalogue=Catalogue.load(),
                pacing=pacing,
            )
            started = time.perf_counter()
            async with sessionmaker() as session, session.begin():
                report = await dispatch_prompts(
                    session, clock=clock, catalogue=Catalogue.load(), grace=timedelta(hours=6)
                )
            dispatched = time.perf_counter()
            sent = 0
            while sent < report.queued:
                sent += await sender.drain()
                if server.state.too_many_requests:
                    clock.advance(timedelta(seconds=1))  # let 429 back-offs come due
            finished = time.perf_counter()
        await server.stop()
        await engine.dispose()
    return {
        "queued": report.queued,
        "dispatch_s": dispatched - started,
        "wall_s": finished - started,
        "too_many": server.state.too_many_requests,
    }


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
    print(f"  dispatch (queueing all prompts): {limited['dispatch_s']:.2f} s")
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
        f"{rate:.0f} messages/s (goal >= 1000)"
    )
    print(f"peak memory: {peak_memory_mb():.0f} MB (goal <= 200)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=10.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.students, arguments.scale))
