"""`frizon run` with a token talks to whichever Bot API server the config names."""

import asyncio

from bot.config import Config, DatabaseConfig, TelegramConfig
from bot.runner import run
from bot.sandbox import SandboxServer

TOKEN = "4242424242:runner-test-token"


async def test_with_a_token_the_bot_uses_the_configured_bot_api_server(database_url: str) -> None:
    server = SandboxServer(token=TOKEN, port=0, bot_username="programme_bot")
    await server.start()
    config = Config(
        telegram=TelegramConfig.model_validate(
            {"token": TOKEN, "base_url": server.bot_api_base_url}
        ),
        database=DatabaseConfig(url=database_url),
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
