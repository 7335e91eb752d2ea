"""`make run` stopped and started again on the same database: the chats go on, and the
bot answers (the sandbox keeps its state beside the database, numbering included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.sandbox_run import chat, frizon_run, next_bot_reply, panels, says, send


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
