"""Two frizon instances on one PostgreSQL database behind nginx terminating TLS, as a
production webhook runs: both handle updates, one leads (sends), and when the leader
stops the other takes over and the conversation goes on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from bot.app.application import build_application, serving
from bot.core.clock import ManualClock
from bot.core.config import Config, DatabaseConfig
from bot.core.crypto import ReflectionCipher, new_key
from bot.sandbox import SandboxServer, SandboxUser
from bot.transport.webhook import WebhookSettings
from db.engine import create_engine, create_sessionmaker
from handlers.context import FrizonApplication
from tests.e2e.harness import TOKEN, RunningBot
from tests.e2e.proxy import free_port, tls_proxy

SECRET = "two-instances-secret_0123456789"
FAILOVER_BOUND = 10.0  # seconds, as the README states
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@asynccontextmanager
async def an_instance(
    database_url: str,
    sandbox: SandboxServer,
    clock: ManualClock,
    cipher: ReflectionCipher,
    *,
    port: int,
    url: str,
) -> AsyncIterator[FrizonApplication]:
    """One frizon process's worth: its own engine, application and webhook server."""
    engine = create_engine(database_url)
    application = build_application(
        config=Config(database=DatabaseConfig(url=database_url)),
        sessionmaker=create_sessionmaker(engine),
        clock=clock,
        token=TOKEN,
        base_url=sandbox.bot_api_base_url,
        cipher=cipher,
        pair_checks=False,
    )
    webhook = WebhookSettings(secret_token=SECRET, port=port, url=url)
    try:
        async with serving(application, webhook=webhook):
            yield application
    finally:
        await engine.dispose()


async def _leader(instances: list[FrizonApplication], within: float) -> FrizonApplication:
    """The one instance leading, once exactly one does."""
    deadline = time.monotonic() + within
    while True:
        leading = [app for app in instances if app.bot_data.leading]
        if len(leading) == 1:
            return leading[0]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(leading)} instances lead after {within}s")
        await asyncio.sleep(0.05)


@ON_POSTGRESQL
async def test_two_instances_behind_nginx_share_the_work_and_survive_the_leader_stopping(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    cipher = ReflectionCipher(new_key())
    with tls_proxy(tmp_path / "nginx", ports) as proxy:
        sandbox = SandboxServer(token=TOKEN, port=0, webhook_ca_file=proxy.certificate.cert)
        await sandbox.start()
        stacks = [AsyncExitStack(), AsyncExitStack()]
        try:
            instances = [
                await stack.enter_async_context(
                    an_instance(database_url, sandbox, clock, cipher, port=port, url=proxy.url)
                )
                for stack, port in zip(stacks, ports, strict=True)
            ]
            leader = await _leader(instances, within=FAILOVER_BOUND)
            bot = RunningBot(sandbox, leader, leader.bot_data.services.sessionmaker, clock)
            _, ana, lars = await bot.ana_and_lars()

            await _check_in_and_share(bot, ana, "Night shift, first on my own")
            await bot.hears(lars, "Night shift, first on my own")

            stopped = instances.index(leader)
            await stacks[stopped].aclose()  # the leader goes away
            survivor = instances[1 - stopped]
            started = time.monotonic()
            assert await _leader([survivor], within=FAILOVER_BOUND) is survivor
            took = time.monotonic() - started

            bot = RunningBot(sandbox, survivor, survivor.bot_data.services.sessionmaker, clock)
            await _check_in_and_share(bot, ana, "Back on days, much better")
            await bot.hears(lars, "Back on days, much better")
            assert took < FAILOVER_BOUND
        finally:
            for stack in stacks:
                await stack.aclose()
            await sandbox.stop()


async def _check_in_and_share(bot: RunningBot, student: SandboxUser, words: str) -> None:
    bot.says(student, "/checkin")
    await bot.presses(student, await bot.hears(student, "How are you"), "Good")
    await bot.hears(student, "few lines")
    bot.says(student, words)
    await bot.presses(student, await bot.hears(student, "share"), "Share with Lars")
    await bot.hears(student, "Shared with Lars")
