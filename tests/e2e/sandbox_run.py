"""`frizon run` with no token, in this process, and its sandbox page's API as a person
uses it: the sandbox tests' common steps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from bot.app.runner import run
from bot.core.config import Config, DatabaseConfig, SandboxConfig, TelegramConfig


def database_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'frizon.db'}"


@asynccontextmanager
async def frizon_run(
    directory: Path, telegram: TelegramConfig | None = None
) -> AsyncIterator[aiohttp.ClientSession]:
    """`frizon run` with no token on ``directory/frizon.db``; a client for its page."""
    config = Config(
        telegram=telegram or TelegramConfig(),
        database=DatabaseConfig(url=database_url(directory)),
        sandbox=SandboxConfig(port=0),
    )
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(run(config, on_ready=ready.set_result, stop=stop))
    done, _ = await asyncio.wait({task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        stop.set()
        await task
        raise AssertionError("frizon run did not become ready")
    try:
        async with aiohttp.ClientSession(base_url=ready.result()) as page:
            yield page
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def panels(page: aiohttp.ClientSession) -> dict[str, dict[str, Any]]:
    async with page.get("/sandbox/api/panels") as reply:
        return {panel["key"]: panel for panel in (await reply.json())["panels"]}


async def send(page: aiohttp.ClientSession, user_id: int, text: str) -> int:
    async with page.post(f"/sandbox/api/chats/{user_id}/messages", json={"text": text}) as reply:
        assert reply.status == 201, await reply.text()
        update_id: int = (await reply.json())["update_id"]
        return update_id


async def chat(page: aiohttp.ClientSession, user_id: int) -> list[dict[str, Any]]:
    async with page.get(f"/sandbox/api/chats/{user_id}/messages") as reply:
        messages: list[dict[str, Any]] = (await reply.json())["messages"]
        return messages


async def next_bot_reply(
    page: aiohttp.ClientSession, user_id: int, after_message_id: int
) -> dict[str, Any]:
    for _ in range(200):
        for message in await chat(page, user_id):
            if message["sender"] == "bot" and message["message_id"] > after_message_id:
                return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"no reply in chat {user_id}: {await chat(page, user_id)}")


async def says(page: aiohttp.ClientSession, user_id: int, text: str) -> dict[str, Any]:
    """The person sends ``text``; the bot's first reply to it."""
    before = max((m["message_id"] for m in await chat(page, user_id)), default=0)
    await send(page, user_id, text)
    return await next_bot_reply(page, user_id, before + 1)


async def press(page: aiohttp.ClientSession, control: str) -> str:
    """Press a page control; the text it answers with."""
    async with page.post(f"/sandbox/api/controls/{control}") as reply:
        assert reply.status == 200, await reply.text()
        text: str = (await reply.json())["text"]
        return text
