"""/healthz and /readyz of the running bot: alive, and ready only while the database
answers at the schema's head and the Bot API answers; the outbox's depth at the scrape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot

from bot.app.health import HealthServer
from bot.core.clock import ManualClock, SystemClock
from bot.core.config import HealthConfig
from bot.core.metrics import Metrics
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.sandbox import SandboxServer
from bot.transport.http import AiohttpRequest
from db.engine import create_engine, create_sessionmaker
from db.migrate import downgrade, head_revision
from db.models import Member, Role
from tests.e2e.bot_process import wait_for
from tests.e2e.harness import TOKEN, RunningBot, running_bot

HEALTH = HealthConfig(enabled=True, port=0)


@pytest.fixture
async def bot(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_bot(database_url, sessionmaker, clock, health=HEALTH) as running:
        yield running


async def get(port: int | None, path: str) -> tuple[int, str]:
    assert port is not None, "the health server is not listening"
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as got:
        return got.status, await got.text()


async def readiness(port: int | None) -> tuple[int, dict[str, Any]]:
    assert port is not None
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/readyz") as got,
    ):
        return got.status, await got.json()


async def test_a_running_bot_is_alive_and_ready_and_says_it_leads(bot: RunningBot) -> None:
    port = bot.application.bot_data.health_port
    # On PostgreSQL leading waits for the leader's lock, a moment after the start.
    await wait_for(lambda: bot.application.bot_data.leading, within=10, what="leading")

    assert await get(port, "/healthz") == (200, "ok\n")
    status, body = await readiness(port)
    assert status == 200
    assert body["ready"] is True and body["role"] == "leader"
    assert body["checks"]["database"] == {"ok": True, "detail": "reachable"}
    assert body["checks"]["schema"] == {"ok": True, "detail": f"at head ({head_revision()})"}
    assert body["checks"]["bot_api"]["ok"] is True


async def test_a_database_one_migration_behind_is_not_ready(
    bot: RunningBot, engine: AsyncEngine
) -> None:
    await downgrade(engine, "-1")

    status, body = await readiness(bot.application.bot_data.health_port)
    assert status == 503 and body["ready"] is False
    assert body["checks"]["database"]["ok"] is True
    schema = body["checks"]["schema"]
    assert schema["ok"] is False and f"this frizon needs {head_revision()}" in schema["detail"]
    assert await get(bot.application.bot_data.health_port, "/healthz") == (200, "ok\n")


async def test_the_outbox_depth_is_counted_at_the_scrape(bot: RunningBot) -> None:
    programme = await bot.programme()
    await bot.enrolled(programme, Role.STUDENT, "Ana")
    async with bot.sessionmaker() as session, session.begin():
        member_id = await session.scalar(select(Member.id).limit(1))
        assert member_id is not None
        await enqueue(
            session,
            member_id=member_id,
            purpose=Purpose.PROMPT,
            cycle="later-test",
            due_at=bot.clock.now() + timedelta(days=2),
        )

    _, page = await get(bot.application.bot_data.health_port, "/metrics")
    depth = {
        (sample.labels["purpose"], sample.labels["state"]): sample.value
        for family in text_string_to_metric_families(page)
        if family.name == "frizon_outbox_depth"
        for sample in family.samples
    }
    assert depth == {("prompt", "later"): 1.0}


async def test_the_running_bot_counts_its_databases_errors(bot: RunningBot) -> None:
    with pytest.raises(DBAPIError):
        async with bot.sessionmaker() as session:
            await session.execute(text("SELECT * FROM no_such_table"))

    _, page = await get(bot.application.bot_data.health_port, "/metrics")
    counted = [
        sample.value
        for family in text_string_to_metric_families(page)
        if family.name == "frizon_database_errors"
        for sample in family.samples
        if sample.name == "frizon_database_errors_total"
    ]
    assert counted == [1.0]


async def test_a_database_that_is_away_is_not_ready() -> None:
    # Nothing listens on port 1: the server is away. (A SQLite file cannot be away in the
    # same way; its database check is the same code.)
    engine = create_engine("postgresql+asyncpg://frizon:secret@127.0.0.1:1/frizon")
    sandbox = SandboxServer(token=TOKEN, port=0)
    await sandbox.start()
    try:
        async with health_server(create_sessionmaker(engine), sandbox.bot_api_base_url) as port:
            status, body = await readiness(port)
    finally:
        await sandbox.stop()
        await engine.dispose()

    assert status == 503 and body["ready"] is False and body["role"] == "follower"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["detail"].startswith("unreachable (")
    assert "secret" not in str(body)  # a driver's message may hold the password: not shown
    assert body["checks"]["schema"] == {"ok": False, "detail": "unknown"}
    assert body["checks"]["bot_api"]["ok"] is True


async def test_a_bot_api_that_does_not_answer_is_not_ready(engine: AsyncEngine) -> None:
    sandbox = SandboxServer(token=TOKEN, port=0)
    await sandbox.start()
    base_url = sandbox.bot_api_base_url
    await sandbox.stop()  # nothing listens there any more

    async with health_server(create_sessionmaker(engine), base_url) as port:
        status, body = await readiness(port)

    assert status == 503
    assert body["checks"]["database"]["ok"] is True and body["checks"]["schema"]["ok"] is True
    assert body["checks"]["bot_api"] == {"ok": False, "detail": "no answer in the last 60 s"}


@asynccontextmanager
async def health_server(
    sessionmaker: async_sessionmaker[AsyncSession], base_url: str
) -> AsyncIterator[int]:
    """A health server alone (it reports a follower), for a database or Bot API that is
    away; yields its port."""
    metrics = Metrics()
    request = AiohttpRequest(answered=metrics.bot_api_answered)
    server = HealthServer(
        settings=HEALTH,
        sessionmaker=sessionmaker,
        bot=Bot(TOKEN, base_url=base_url, request=request),
        metrics=metrics,
        clock=SystemClock(),
        leading=lambda: False,
    )
    await request.initialize()
    await server.start()
    try:
        yield server.port
    finally:
        await server.stop()
        await request.shutdown()
