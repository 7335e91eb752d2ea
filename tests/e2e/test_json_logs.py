"""`[logging] format = "json"` in the config file: a real `frizon run` then writes every log
line as one JSON object, and a handler's lines name the update they were logged for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from tests.e2e.bot_process import BotProcess, wait_for

READY = "frizon is running against the Telegram Bot API. Ctrl+C stops it."


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the format, not the store
async def test_a_running_bot_logs_json_lines_naming_the_update(
    tmp_path: Path, sandbox: SandboxServer, environment: dict[str, str]
) -> None:
    config = tmp_path / "frizon.toml"
    config.write_text('[logging]\nformat = "json"\n')
    bot = BotProcess(tmp_path, {**environment, "FRIZON_CONFIG": str(config)})
    stranger = sandbox.state.add_user("Stranger")
    bot.start()
    try:
        sandbox.state.user_sends_text(stranger.id, "/start not-a-valid-token-at-all")
        await wait_for(
            lambda: "invite refused" in bot.log_text(), 30, "the refusal was logged", bot.log_tail
        )
    finally:
        bot.stop()

    lines = [line for line in bot.log_text().splitlines() if line != READY]
    entries = [json.loads(line) for line in lines]  # each one JSON object, nothing else
    (refusal,) = [entry for entry in entries if "invite refused" in entry["message"]]
    assert refusal["logger"] == "handlers.start" and refusal["level"] == "INFO"
    assert refusal["message"] == f"invite refused for user {stranger.id}: unknown"
    assert isinstance(refusal["update_id"], int)
    assert all("update_id" not in entry for entry in entries if entry is not refusal)
