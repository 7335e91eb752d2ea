"""The bot's HTTP client: what it sends is what a Bot API server receives; errors map to PTB's."""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.transport.http import AiohttpRequest


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    """Answers with what it got: form fields and, for files, their names and sizes."""

    async def echo(request: web.Request) -> web.Response:
        received: dict[str, object] = {}
        if request.content_type.startswith("multipart/"):
            async for part in await request.multipart():
                body = await part.read()  # type: ignore[union-attr]
                filename = part.filename  # type: ignore[union-attr]
                received[part.name or ""] = [filename, len(body)] if filename else body.decode()
        else:
            received.update(await request.post())
        return web.json_response({"ok": True, "result": received})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_post("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_fields_are_sent_json_encoded_as_the_bot_api_expects(echo_server: str) -> None:
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("text", "Hej då, 👋"),
            RequestParameter.from_input("reply_markup", {"inline_keyboard": [[{"text": "a"}]]}),
        ]
    )
    async with AiohttpRequest() as request:
        result = await request.post(f"{echo_server}/echo", data)

    assert result == {
        "chat_id": "42",
        "text": "Hej då, 👋",
        "reply_markup": json.dumps({"inline_keyboard": [[{"text": "a"}]]}),
    }


async def test_files_go_as_multipart_beside_the_fields(echo_server: str) -> None:
    document = InputFile(b"name,role\nAna,student\n", filename="roster.csv")
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("document", document),
        ]
    )
    async with AiohttpRequest() as request:
        result = await request.post(f"{echo_server}/echo", data)

    assert result["chat_id"] == "42"
    assert result["document"] == ["roster.csv", len(b"name,role\nAna,student\n")]


async def test_a_slow_server_is_a_time_out_and_no_server_a_network_error(
    echo_server: str,
) -> None:
    async with AiohttpRequest() as request:
        with pytest.raises(TimedOut):
            await request.post(f"{echo_server}/slow", read_timeout=0.2)
        with pytest.raises(NetworkError):
            await request.post("http://127.0.0.1:9/echo")
