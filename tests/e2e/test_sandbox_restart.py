"""`make run` stopped and started again on the same database: the chats go on, and the
bot answers (the sandbox keeps its state beside the database, numbering included)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Config, DatabaseConfig, SandboxConfig
from bot.runner import run


@asynccontextmanager
async def frizon_run(directory: Path) -> AsyncIterator[aiohttp.ClientSession]:
    """`frizon run` with no token on ``directory/frizon.db``; a client for its page."""
    config = Config(
        database=DatabaseConfig(url=f"sqlite+aiosqlite:///{directory / 'frizon.db'}"),
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


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the sandbox keeps its reflection key in the working directory
    return tmp_path


async def test_after_a_restart_the_chats_are_there_and_the_bot_answers(workdir: Path) -> None:
    async with frizon_run(workdir) as page:
        student = (await panels(page))["student"]
        await says(page, student["user_id"], student["suggestion"])  # /start <invite>
        help_before = await says(page, student["user_id"], "/help")
        history = await chat(page, student["user_id"])
        last_update = await send(page, student["user_id"], "/privacy")
        await next_bot_reply(page, student["user_id"], history[-1]["message_id"] + 1)
    assert (workdir / "frizon-sandbox.json").exists()

    async with frizon_run(workdir) as page:
        again = (await panels(page))["student"]
        assert again["user_id"] == student["user_id"]
        kept = await chat(page, student["user_id"])
        assert [m["text"] for m in kept[: len(history)]] == [m["text"] for m in history]
        assert again["suggestion"] == "/help"  # enrolled: the invite is not offered again
        update_id = await send(page, student["user_id"], "/help")
        assert update_id > last_update  # the sandbox goes on numbering where it stopped
        help_after = await next_bot_reply(page, student["user_id"], kept[-1]["message_id"] + 1)
    assert help_after["text"] == help_before["text"]
    assert help_after["message_id"] > help_before["message_id"]


async def test_a_state_file_beside_a_new_database_is_not_used(workdir: Path) -> None:
    async with frizon_run(workdir) as page:
        student = (await panels(page))["student"]
        await says(page, student["user_id"], student["suggestion"])
    (workdir / "frizon.db").unlink()  # "delete the file to start over"

    async with frizon_run(workdir) as page:
        again = (await panels(page))["student"]
        assert await chat(page, again["user_id"]) == []
        assert again["suggestion"].startswith("/start ")
        reply = await says(page, again["user_id"], again["suggestion"])
    assert "This is your free zone" in reply["text"]
    stored = json.loads((workdir / "frizon-sandbox.json").read_text())
    assert stored["format"] == 1
