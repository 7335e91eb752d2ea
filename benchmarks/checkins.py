"""K students completing a check-in at once (mood, words, keep), against the sandbox, beside
a minimal python-telegram-bot echo bot on the same kind of server in the same run.

    .venv/bin/python -m benchmarks.checkins [--students 200] [--database-url URL]

Each student's four updates are sent one after another, each as soon as the bot has
answered the previous one; all students at once. Latency is from the update entering
the server's queue to the bot's answer arriving there. The sandbox runs without rate
limits, in a process of its own (as are the simulated students): this measures the bots,
not Telegram. Goals: at least half the echo bot's updates/s, and a p99 latency of at
most 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from benchmarks.common import START, database, programme_of_students
from benchmarks.sandbox_process import sandbox_process
from bot.app.application import build_application, serving
from bot.core.clock import ManualClock
from bot.core.config import Config, DatabaseConfig
from bot.core.crypto import ReflectionCipher, new_key
from bot.sandbox import Limits, SandboxServer, SandboxUser

TOKEN = "8888888888:benchmark"
Step = Callable[[SandboxServer, SandboxUser], Awaitable[float]]


async def timed_reply(
    server: SandboxServer, user: SandboxUser, act: Callable[[], object], contains: str
) -> float:
    """Do something as the user; seconds until the bot's answer containing `contains`."""
    started = time.perf_counter()
    act()
    await server.state.wait_for_bot_message(user.id, contains=contains, timeout=60)
    return time.perf_counter() - started


async def frizon_student(server: SandboxServer, user: SandboxUser) -> list[float]:
    state = server.state
    times = [
        await timed_reply(
            server, user, lambda: state.user_sends_text(user.id, "/checkin"), "How are you doing"
        )
    ]
    ask = next(m for m in state.messages(user.id) if "How are you doing" in m["text"])
    times.append(
        await timed_reply(
            server,
            user,
            lambda: state.user_presses_button(user.id, ask["message_id"], "ci:m:0:4"),
            "write a few lines",
        )
    )
    times.append(
        await timed_reply(
            server, user, lambda: state.user_sends_text(user.id, "A good day on the ward."), "Saved"
        )
    )
    question = [m for m in state.messages(user.id) if "Saved" in m["text"]][-1]
    data = question["inline_keyboard"][0][-1]["callback_data"]
    times.append(
        await timed_reply(
            server,
            user,
            lambda: state.user_presses_button(user.id, question["message_id"], data),
            "Thank you for writing",
        )
    )
    return times


async def echo_student(server: SandboxServer, user: SandboxUser) -> list[float]:
    state = server.state
    return [
        await timed_reply(
            server, user, lambda n=n: state.user_sends_text(user.id, f"echo {n}"), f"echo {n}"
        )
        for n in range(4)
    ]


async def crowd(
    server: SandboxServer,
    student: Callable[[SandboxServer, SandboxUser], Awaitable[list[float]]],
) -> tuple[float, list[float]]:
    """Every user of the sandbox at once; runs in the sandbox's process."""
    started = time.perf_counter()
    results = await asyncio.gather(*(student(server, user) for user in server.state.users))
    wall = time.perf_counter() - started
    return wall, [latency for result in results for latency in result]


async def frizon_crowd(server: SandboxServer) -> tuple[float, list[float]]:
    return await crowd(server, frizon_student)


async def echo_crowd(server: SandboxServer) -> tuple[float, list[float]]:
    return await crowd(server, echo_student)


UNLIMITED = Limits(overall_per_second=None, per_chat_per_second=None)


async def run_frizon(students: int, database_url: str | None = None) -> tuple[float, list[float]]:
    with (
        tempfile.TemporaryDirectory() as folder,
        sandbox_process(TOKEN, students, UNLIMITED) as sandbox,
    ):
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine, sessionmaker = await database(url)
        clock = ManualClock(START)
        await programme_of_students(sessionmaker, sandbox.user_ids, clock)
        application = build_application(
            config=Config(database=DatabaseConfig(url=url)),
            sessionmaker=sessionmaker,
            clock=clock,
            token=TOKEN,
            base_url=sandbox.bot_api_base_url,
            cipher=ReflectionCipher(new_key()),
            paced_replies=False,
        )
        async with serving(application, poll_timeout=timedelta(seconds=1)):
            result: tuple[float, list[float]] = await sandbox.run(frizon_crowd)
        await engine.dispose()
    return result


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


async def run_echo(students: int) -> tuple[float, list[float]]:
    with sandbox_process(TOKEN, students, UNLIMITED) as sandbox:
        application = Application.builder().token(TOKEN).base_url(sandbox.bot_api_base_url).build()
        application.add_handler(MessageHandler(filters.TEXT, echo))
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=timedelta(seconds=1))
            result: tuple[float, list[float]] = await sandbox.run(echo_crowd)
            await application.updater.stop()
            await application.stop()
    return result


def describe(name: str, wall: float, latencies: list[float]) -> float:
    latencies = sorted(latencies)
    rate = len(latencies) / wall
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(
        f"{name}: {len(latencies)} updates in {wall:.2f} s = {rate:.0f} updates/s, "
        f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    return rate


async def main(students: int, database_url: str | None) -> None:
    logging.basicConfig(level=logging.WARNING)
    echo_rate = describe("echo bot (PTB, minimal)", *await run_echo(students))
    frizon_rate = describe("frizon check-in", *await run_frizon(students, database_url))
    print(f"ratio frizon / echo: {frizon_rate / echo_rate:.2f} (goal >= 0.5); p99 goal <= 50 ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument(
        "--database-url",
        help="an empty database for frizon (e.g. PostgreSQL); default: a new SQLite file",
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.students, arguments.database_url))
