"""With a token and no `bot_username`, invites name the bot that getMe reports."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from tests.test_cli import Cli

TOKEN = "4242424242:bot-username-test-token"


@pytest.fixture
async def bot_api() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=TOKEN, port=0, bot_username="kth_mentor_bot")
    await server.start()
    yield server
    await server.stop()


def with_token(tmp_path: Path, server: SandboxServer, token: str = TOKEN) -> Cli:
    cli = Cli(tmp_path)
    cli.env.update(FRIZON_TELEGRAM_TOKEN=token, FRIZON_TELEGRAM_BASE_URL=server.bot_api_base_url)
    return cli


async def run(cli: Cli, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    # In a thread: the sandbox answers in this test's event loop meanwhile.
    return await asyncio.to_thread(cli, *args, ok=ok)


async def test_invite_links_name_the_bot_the_bot_api_knows(
    tmp_path: Path, bot_api: SandboxServer
) -> None:
    cli = with_token(tmp_path, bot_api)
    await run(cli, "programme", "create", "P")

    links = (await run(cli, "invite", "P", "--role", "student", "--count", "2")).stdout.split()

    assert len(links) == 2
    assert all(link.startswith("https://t.me/kth_mentor_bot?start=") for link in links)


async def test_a_roster_import_names_the_bot_the_bot_api_knows(
    tmp_path: Path, bot_api: SandboxServer
) -> None:
    cli = with_token(tmp_path, bot_api)
    await run(cli, "programme", "create", "P")
    roster = tmp_path / "roster.csv"
    roster.write_text("name,role\nAna Berg,student\nLars Ek,mentor\n", encoding="utf-8")

    invites = (await run(cli, "roster", "import", "P", str(roster))).stdout.splitlines()

    assert invites[0] == "name,role,link"
    assert [line.split(",")[2].split("?")[0] for line in invites[1:]] == [
        "https://t.me/kth_mentor_bot"
    ] * 2


async def test_a_refused_token_is_said_in_one_line_without_the_token(
    tmp_path: Path, bot_api: SandboxServer
) -> None:
    cli = with_token(tmp_path, bot_api, token="4242424242:not-the-right-secret")
    await run(cli, "programme", "create", "P")

    refused = await run(cli, "invite", "P", "--role", "student", ok=False)

    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "frizon: the Bot API refused the bot token (check FRIZON_TELEGRAM_TOKEN or "
        "telegram.token); invite links need the bot's username"
    ]
