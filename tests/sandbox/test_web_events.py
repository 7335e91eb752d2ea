"""The page's one connection: every chat's news as Server-Sent Events, over HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from telegram import Bot, BotCommand

from bot.sandbox import Panel, SandboxServer, SandboxUser

from .conftest import started


async def next_event(reply: aiohttp.ClientResponse) -> dict[str, Any]:
    """The next event (its name, data and id); comments (keep-alives) are skipped."""
    event: dict[str, Any] = {}
    while True:
        line = (await asyncio.wait_for(reply.content.readline(), 5)).decode().rstrip("\n")
        if not line:
            if "name" in event:
                return event
            continue
        field, _, value = line.partition(": ")
        if field == "event":
            event["name"] = value
        elif field == "data":
            event["data"] = json.loads(value)
        elif field in ("id", "retry"):
            event[field] = int(value)


async def test_the_stream_names_the_instance_then_shows_every_chat_on_the_page(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    bo = started(sandbox.state, "Bo")
    sandbox.set_panels([Panel("Student", alice.id), Panel("Mentor", bo.id)])
    async with page.get("/sandbox/api/events") as reply:
        assert reply.headers["Content-Type"] == "text/event-stream"
        hello = await next_event(reply)
        first, second = await next_event(reply), await next_event(reply)
    assert hello["name"] == "instance" and hello["retry"] == 2000
    assert (
        hello["data"]["instance"]
        == (await (await page.get("/sandbox/api/panels")).json())["instance"]
    )
    assert [first["data"]["user_id"], second["data"]["user_id"]] == [alice.id, bo.id]
    assert first["data"]["messages"] == [] and first["data"]["blocked"] is False
    assert "id" not in first and second["id"] == 0  # the batch's newest seq: none yet


async def test_a_bot_message_in_any_chat_arrives_on_the_one_stream(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    bo = started(sandbox.state, "Bo")
    sandbox.set_panels([Panel("Student", alice.id), Panel("Mentor", bo.id)])
    async with page.get("/sandbox/api/events") as reply:
        for _ in range(3):  # the instance and both chats as they are
            await next_event(reply)
        await bot.send_message(bo.id, "<b>Hi</b> Bo", parse_mode="HTML")
        news = await next_event(reply)
    [message] = news["data"]["messages"]
    assert news["data"]["user_id"] == bo.id
    assert (message["sender"], message["safe_html"]) == ("bot", "<b>Hi</b> Bo")
    assert news["id"] == message["seq"]


async def test_a_new_command_menu_is_shown_without_a_message(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    sandbox.set_panels([Panel("Student", alice.id)])
    async with page.get("/sandbox/api/events") as reply:
        await next_event(reply), await next_event(reply)
        await bot.set_my_commands([BotCommand("help", "Help")])
        news = await next_event(reply)
    assert news["data"]["commands"] == [{"command": "help", "description": "Help"}]
    assert news["data"]["messages"] == []


async def test_a_reconnecting_page_gets_only_what_it_missed(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    sandbox.set_panels([Panel("Student", alice.id)])
    await bot.send_message(alice.id, "seen before the drop")
    await bot.send_message(alice.id, "missed while away")
    seen_seq = sandbox.state.messages(alice.id)[0]["seq"]
    headers = {"Last-Event-ID": str(seen_seq)}
    async with page.get("/sandbox/api/events", headers=headers) as reply:
        await next_event(reply)
        news = await next_event(reply)
    assert [m["text"] for m in news["data"]["messages"]] == ["missed while away"]


async def test_a_chat_added_on_the_page_joins_the_open_stream(
    sandbox: SandboxServer, page: aiohttp.ClientSession
) -> None:
    async with page.get("/sandbox/api/events") as reply:
        assert (await next_event(reply))["name"] == "instance"
        async with page.post("/sandbox/api/users", json={"first_name": "Eva"}) as added:
            eva = await added.json()
        sandbox.state.user_sends_text(eva["id"], "/start")
        news = await next_event(reply)
        if not news["data"]["messages"]:  # the empty chat first, then its message
            news = await next_event(reply)
    assert news["data"]["user_id"] == eva["id"]
    assert [m["text"] for m in news["data"]["messages"]] == ["/start"]
