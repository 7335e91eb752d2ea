"""Nothing lost, nothing doubled, under a storm of SIGKILLs and of Bot API faults:
check-ins, shared entries and prompts counted from the outside (tests/e2e/storm.py). CI
runs a short storm; `make crash` runs 50 kills on each database and prints the figures
(docs/reliability.md)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.crypto import ReflectionCipher
from bot.sandbox import SandboxServer
from tests.e2e.bot_process import (
    KEY,
    BotProcess,
)
from tests.e2e.storm import StormConfig, storm


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
    # The second witness: each writer's /mydata shows each entry as the database has it.
    assert report.in_own_data == report.confirmed and report.own_data_disagrees == 0, explain
    assert report.never_arrived == 0, explain
    assert sum(report.prompt_copies.values()) == config.prompt_sends * (
        config.writers + config.listeners
    ), explain
    # No message more than twice; every extra copy was in flight at a kill or timed out.
    assert max([*report.entry_copies, *report.prompt_copies]) <= 2, explain
    assert report.extra_copies <= report.copies_allowed, explain
    assert report.told_nothing_changed == 0, explain
    # Between kills the outbox keeps moving: seconds, not minutes.
    assert report.latency_median < 30, explain
