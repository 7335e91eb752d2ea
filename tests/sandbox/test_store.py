"""The sandbox's state survives a restart: written to its file, read into a new server."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from telegram import Bot

from bot.sandbox import SandboxServer
from bot.sandbox.store import StateFile, state_path
from tests.sandbox.conftest import TOKEN, started
from tests.sounds import wav_tone


def restarted(server: SandboxServer, path: Path) -> SandboxServer:
    """What `make run` does: the old server's state written, a new server reading it."""
    StateFile(path).write(server.dump())
    again = SandboxServer(token=TOKEN, port=0)
    stored = StateFile(path).read()
    assert stored is not None
    again.load(stored)
    return again


def test_chats_files_menus_and_numbering_go_on_after_a_restart(tmp_path: Path) -> None:
    server = SandboxServer(token=TOKEN, port=0)
    state = server.state
    ana = started(state, "Ana", last_name="Berg")
    first = state.user_sends_text(ana.id, "/start")
    state.user_sends_document(ana.id, "roster.csv", content=b"name,role\n")
    state.commands.set(f"chat:{ana.id}", "", [{"command": "help", "description": "Help"}])

    again = restarted(server, tmp_path / "frizon-sandbox.json").state

    assert [m["text"] for m in again.messages(ana.id)] == ["/start", ""]
    assert [u["update_id"] for u in again.updates.pending] == [first["update_id"], 2]
    assert again.commands_for(ana.id) == [{"command": "help", "description": "Help"}]
    document = again.messages(ana.id)[1]
    assert again.file_content(document["file_id"]) == b"name,role\n"
    later = again.user_sends_text(ana.id, "/help")
    assert later["update_id"] == 3
    assert later["message"]["message_id"] == 3  # not 1 again: the chat goes on
    assert again.users[0].full_name == "Ana Berg"


def test_the_state_file_sits_beside_a_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'frizon.db'}"
    assert state_path(url, Path("/elsewhere")) == tmp_path / "frizon-sandbox.json"
    postgres = "postgresql+asyncpg://frizon@localhost/frizon"
    assert state_path(postgres, tmp_path) == tmp_path / "frizon-sandbox.json"


def test_an_unreadable_state_file_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "frizon-sandbox.json"
    path.write_text("{not json")
    assert StateFile(path).read() is None
    path.write_text('{"format": 99}')
    assert StateFile(path).read() is None


async def test_a_voice_notes_bytes_play_and_download_after_a_restart(tmp_path: Path) -> None:
    server = SandboxServer(token=TOKEN, port=0)
    ana = started(server.state, "Ana", last_name="Berg")
    tone = wav_tone(2.0)
    update = server.state.user_sends_voice(ana.id, content=tone)
    voice = update["message"]["voice"]

    again = restarted(server, tmp_path / "frizon-sandbox.json")
    await again.start()
    try:
        async with Bot(
            TOKEN, base_url=again.bot_api_base_url, base_file_url=again.file_base_url
        ) as bot:
            [pending] = await bot.get_updates()
            assert pending.message is not None and pending.message.voice is not None
            kept = pending.message.voice
            assert (kept.file_id, kept.mime_type, kept.duration.total_seconds()) == (
                voice["file_id"],
                "audio/wav",
                2,
            )
            file = await bot.get_file(kept.file_id)
            assert await file.download_as_bytearray() == bytearray(tone)
            resent = await bot.send_voice(ana.id, kept.file_id)  # the bot sends it on
            assert resent.voice is not None and resent.voice.duration.total_seconds() == 2
        async with aiohttp.ClientSession(base_url=again.url) as page:
            async with page.get(f"/sandbox/api/chats/{ana.id}/messages") as reply:
                shown = (await reply.json())["messages"]
            assert [m["duration"] for m in shown] == [2, 2]
            async with page.get(shown[-1]["file_url"]) as played:
                assert (played.status, played.content_type) == (200, "audio/wav")
                assert await played.read() == tone
    finally:
        await again.stop()
