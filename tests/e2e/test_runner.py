"""`frizon run` with a token talks to whichever Bot API server the config names."""

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app.runner import StartupProblem, run
from bot.core.config import (
    Config,
    DatabaseConfig,
    SandboxConfig,
    SecurityConfig,
    TelegramConfig,
)
from bot.core.crypto import new_key
from bot.sandbox import SandboxServer
from tests.e2e.sandbox_run import frizon_run, panels

TOKEN = "4242424242:runner-test-token"
SECURITY = SecurityConfig.model_validate({"reflection_key": new_key()})


async def test_with_a_token_the_bot_uses_the_configured_bot_api_server(database_url: str) -> None:
    server = SandboxServer(token=TOKEN, port=0, bot_username="programme_bot")
    await server.start()
    config = Config(
        telegram=TelegramConfig.model_validate(
            {"token": TOKEN, "base_url": server.bot_api_base_url}
        ),
        database=DatabaseConfig(url=database_url),
        security=SECURITY,
    )
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(run(config, on_ready=ready.set_result, stop=stop))
    try:
        assert await asyncio.wait_for(ready, timeout=30) == "telegram"
        stranger = server.state.add_user("Stranger")
        server.state.user_sends_text(stranger.id, "/start")
        reply = await server.state.wait_for_bot_message(stranger.id, timeout=10)
        assert "personal invite link" in reply["text"]
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await server.stop()


async def test_a_rejected_token_stops_start_up_with_one_line_without_the_token(
    database_url: str,
) -> None:
    server = SandboxServer(token=TOKEN, port=0)
    await server.start()
    wrong = "4242424242:not-the-right-secret"
    config = Config(
        telegram=TelegramConfig.model_validate(
            {"token": wrong, "base_url": server.bot_api_base_url}
        ),
        database=DatabaseConfig(url=database_url),
        security=SECURITY,
    )
    try:
        with pytest.raises(StartupProblem) as problem:
            await asyncio.wait_for(run(config, stop=asyncio.Event()), timeout=30)
    finally:
        await server.stop()
    assert "refused the bot token" in str(problem.value)
    assert "not-the-right-secret" not in str(problem.value)


async def test_an_unreachable_bot_api_stops_start_up_with_one_line(database_url: str) -> None:
    config = Config(
        telegram=TelegramConfig.model_validate(
            {"token": TOKEN, "base_url": "http://127.0.0.1:9/bot"}  # the discard port: refused
        ),
        database=DatabaseConfig(url=database_url),
        security=SECURITY,
    )
    with pytest.raises(StartupProblem, match=r"cannot reach the Bot API at http://127.0.0.1:9/bot"):
        await asyncio.wait_for(run(config, stop=asyncio.Event()), timeout=60)


async def test_a_real_bot_without_a_reflection_key_refuses_to_start(database_url: str) -> None:
    config = Config(
        telegram=TelegramConfig.model_validate(
            {"token": TOKEN, "base_url": "http://127.0.0.1:9/bot"}
        ),
        database=DatabaseConfig(url=database_url),
    )
    with pytest.raises(StartupProblem, match="no reflection key"):
        await run(config, stop=asyncio.Event())


async def test_in_webhook_mode_the_bot_registers_its_webhook_and_serves_it(
    database_url: str, unused_tcp_port: int
) -> None:
    server = SandboxServer(token=TOKEN, port=0, bot_username="programme_bot")
    await server.start()
    url = f"http://127.0.0.1:{unused_tcp_port}/hook/telegram"
    config = Config(
        telegram=TelegramConfig.model_validate(
            {
                "token": TOKEN,
                "base_url": server.bot_api_base_url,
                "mode": "webhook",
                "webhook_url": url,
                "port": unused_tcp_port,
                "secret_token": "runner-webhook-secret",
            }
        ),
        database=DatabaseConfig(url=database_url),
        security=SECURITY,
    )
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(run(config, on_ready=ready.set_result, stop=stop))
    try:
        assert await asyncio.wait_for(ready, timeout=30) == f"webhook {url}"
        stranger = server.state.add_user("Stranger")
        server.state.user_sends_text(stranger.id, "/start")
        reply = await server.state.wait_for_bot_message(stranger.id, timeout=10)
        assert "personal invite link" in reply["text"]
        info = await _webhook_info(server)
        assert info["url"] == url
        async with asyncio.timeout(10):  # confirmed by the 200 that follows the reply
            while info["pending_update_count"]:
                await asyncio.sleep(0.05)
                info = await _webhook_info(server)
        assert "last_error_message" not in info
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await server.stop()


async def _webhook_info(server: SandboxServer) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.bot_api_base_url}{TOKEN}/getWebhookInfo") as answer,
    ):
        info: dict[str, Any] = (await answer.json())["result"]
        return info


async def test_a_second_bot_on_the_same_sqlite_file_is_refused_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with frizon_run(tmp_path) as page:
        assert (await panels(page))["student"]
        second = Config(
            database=DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'frizon.db'}"),
            sandbox=SandboxConfig(port=0),
        )
        with pytest.raises(StartupProblem) as refused:
            await asyncio.wait_for(run(second, stop=asyncio.Event()), timeout=30)
    assert str(refused.value) == (
        f"another frizon is already running on {tmp_path / 'frizon.db'}; "
        "SQLite allows one (use PostgreSQL to run several)"
    )

    async with frizon_run(tmp_path) as page:  # the first has stopped: the file is free
        assert (await panels(page))["student"]


async def test_a_second_polling_process_on_the_same_token_stops_the_first_with_one_line(
    tmp_path: Path,
) -> None:
    server = SandboxServer(token=TOKEN, port=0, bot_username="programme_bot")
    await server.start()

    def config(name: str) -> Config:
        return Config(
            telegram=TelegramConfig.model_validate(
                {"token": TOKEN, "base_url": server.bot_api_base_url}
            ),
            database=DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / name}"),
            security=SECURITY,
        )

    first_ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    second_ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    first = asyncio.create_task(run(config("one.db"), on_ready=first_ready.set_result, stop=stop))
    try:
        await asyncio.wait_for(first_ready, timeout=30)
        second = asyncio.create_task(
            run(config("two.db"), on_ready=second_ready.set_result, stop=stop)
        )
        with pytest.raises(StartupProblem) as stopped:
            await asyncio.wait_for(first, timeout=30)
        assert str(stopped.value) == (
            "another process is receiving this bot's updates (Telegram answered 409: "
            "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running); stop it, or run several instances with --webhook on "
            "PostgreSQL"
        )
        stranger = server.state.add_user("Stranger")
        server.state.user_sends_text(stranger.id, "/start")
        reply = await server.state.wait_for_bot_message(stranger.id, timeout=10)
        assert "personal invite link" in reply["text"]  # the second goes on
    finally:
        stop.set()
        await asyncio.gather(first, return_exceptions=True)
        if "second" in locals():
            await asyncio.wait_for(second, timeout=30)
        await server.stop()
