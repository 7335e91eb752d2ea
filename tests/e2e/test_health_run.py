"""`frizon run` serves /healthz, /readyz and /metrics where [health] (or the environment)
says, and a port already taken stops the start with one line."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import pytest

from bot.app.runner import StartupProblem, run
from bot.core.config import Config, DatabaseConfig, HealthConfig, SecurityConfig, TelegramConfig
from bot.core.crypto import new_key
from bot.sandbox import SandboxServer
from tests.e2e.bot_process import TOKEN, BotProcess, wait_for


async def readiness(port: int) -> tuple[int, dict[str, Any]] | None:
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/readyz") as got,
        ):
            return got.status, await got.json()
    except aiohttp.ClientConnectionError:
        return None  # not listening yet


# What the environment says reaches the process the same on either database: one run.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_frizon_run_process_serves_readiness_where_its_environment_says(
    bot_process: BotProcess, environment: dict[str, str], unused_tcp_port: int
) -> None:
    environment |= {"FRIZON_HEALTH_ENABLED": "true", "FRIZON_HEALTH_PORT": str(unused_tcp_port)}
    bot_process.start()
    # Ready as soon as it answers; leading a moment later (on PostgreSQL, once it holds
    # the leader's lock).
    leading = (200, "leader")

    async def answer() -> tuple[int, str] | None:
        while bot_process.process is not None and bot_process.process.poll() is None:
            got = await readiness(unused_tcp_port)
            if got is not None and (got[0], got[1]["role"]) == leading:
                return leading
            await asyncio.sleep(0.1)
        return None

    assert await asyncio.wait_for(answer(), timeout=60) == leading, bot_process.log_tail()
    await wait_for(
        lambda: "health and metrics on http://127.0.0.1:" in bot_process.log_text(), 5, "logged"
    )


async def test_a_health_port_already_taken_stops_the_start_with_one_line(
    database_url: str, sandbox: SandboxServer
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = Config(
            telegram=TelegramConfig.model_validate(
                {"token": TOKEN, "base_url": sandbox.bot_api_base_url}
            ),
            database=DatabaseConfig(url=database_url),
            security=SecurityConfig.model_validate({"reflection_key": new_key()}),
            health=HealthConfig(enabled=True, port=port),
        )
        with pytest.raises(StartupProblem) as problem:
            await asyncio.wait_for(run(config, stop=asyncio.Event()), timeout=60)

    assert str(problem.value).startswith(f"cannot serve health and metrics on 127.0.0.1:{port}: ")
    assert "FRIZON_HEALTH_PORT" in str(problem.value) and "\n" not in str(problem.value)
