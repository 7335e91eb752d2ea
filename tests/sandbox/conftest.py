"""Fixtures: a sandbox server on a free port, the real PTB ``Bot`` talking to it, the page API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from telegram import Bot

from bot.sandbox import Limits, SandboxServer, SandboxState, SandboxUser

TOKEN = "123456:sandbox-test-token"

StartSandbox = Callable[[Limits], Awaitable[SandboxServer]]


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods; the int form warns, and warnings are errors here."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def start_sandbox() -> AsyncIterator[StartSandbox]:
    """Start servers with chosen limits; all are stopped after the test."""
    servers: list[SandboxServer] = []

    async def start(limits: Limits) -> SandboxServer:
        server = SandboxServer(token=TOKEN, port=0, limits=limits)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def sandbox(start_sandbox: StartSandbox) -> SandboxServer:
    return await start_sandbox(Limits())


@pytest.fixture
async def bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url) as real_bot:
        yield real_bot


@pytest.fixture
def alice(sandbox: SandboxServer) -> SandboxUser:
    return started(sandbox.state, "Alice", last_name="Andersson", username="alice")


@pytest.fixture
async def page(sandbox: SandboxServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=sandbox.url) as session:
        yield session


def started(state: SandboxState, first_name: str, **details: Any) -> SandboxUser:
    """A user who pressed Start some time ago (their chat's history is empty, as after
    clearing it): Telegram lets a bot write only to users who wrote to it first."""
    return state.add_user(first_name, started=True, **details)
