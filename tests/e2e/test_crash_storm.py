"""Nothing lost, nothing doubled, under a storm of SIGKILLs: check-ins, shared entries and
prompts counted from the outside (tests/e2e/storm.py). CI runs a short storm; `make
crash` runs 50 kills on each database and prints the figures (docs/reliability.md)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.crypto import ReflectionCipher, new_key
from bot.sandbox import SandboxServer
from tests.e2e.bot_process import BotProcess, bot_environment
from tests.e2e.storm import StormConfig, storm

TOKEN = "5555555557:storm-token"
KEY = new_key()


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=TOKEN, port=0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def environment(sandbox: SandboxServer, database_url: str) -> dict[str, str]:
    return bot_environment(
        token=TOKEN, base_url=sandbox.bot_api_base_url, database_url=database_url, key=KEY
    )


@pytest.fixture
def bot_process(tmp_path: Path, environment: dict[str, str]) -> Iterator[BotProcess]:
    bot = BotProcess(tmp_path, environment)
    yield bot
    bot.stop()


async def test_a_storm_of_kills_loses_nothing_and_doubles_nothing_beyond_the_bound(
    sandbox: SandboxServer,
    bot_process: BotProcess,
    environment: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    config = StormConfig.from_environment()

    report = await storm(
        sandbox=sandbox,
        bot=bot_process,
        sessionmaker=sessionmaker,
        environment=environment,
        cipher=ReflectionCipher(KEY),
        config=config,
    )

    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    lines = report.lines(backend)
    print("\n" + "\n".join(lines))  # shown by `make crash` (pytest -s)
    if path := os.environ.get("FRIZON_STORM_REPORT"):
        with Path(path).open("a") as out:  # noqa: ASYNC230 (a few lines, once)
            out.write("\n".join(lines) + "\n")
    explain = "\n".join([*lines, bot_process.log_tail()])
    assert report.kills == config.kills
    assert report.confirmed >= config.writers, explain  # the storm had real traffic
    assert report.lost == 0 and report.doubled == 0, explain
    assert report.never_arrived == 0, explain
    assert sum(report.prompt_copies.values()) == config.prompt_sends * (
        config.writers + config.listeners
    ), explain
    # No message more than twice, and every extra copy was a part in flight at a kill.
    assert max([*report.entry_copies, *report.prompt_copies]) <= 2, explain
    assert report.extra_copies <= report.in_flight_at_kills, explain
    assert report.told_nothing_changed == 0, explain
    # Between kills the outbox keeps moving: seconds, not minutes.
    assert report.latency_median < 30, explain
