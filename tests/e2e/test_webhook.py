"""Webhook mode: the sandbox posts updates as Telegram does; frizon answers 200 only once
an update is handled and committed, refuses requests without the secret, and handles
an update delivered twice (even at the same moment) once."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.core.config import SANDBOX_TOKEN, TelegramConfig
from bot.sandbox import SandboxUser
from bot.transport.update_keys import update_key
from bot.transport.webhook import SECRET_HEADER, WebhookSettings
from db.models import ProcessedUpdate
from tests.e2e.harness import RunningBot, running_bot
from tests.e2e.sandbox_run import frizon_run, panels, says

SECRET = "e2e-webhook-secret_0123456789"
_update_ids = itertools.count(700_000)


@pytest.fixture
async def hooked(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> AsyncIterator[RunningBot]:
    settings = WebhookSettings(secret_token=SECRET, port=0)
    async with running_bot(database_url, sessionmaker, clock, webhook=settings) as running:
        yield running


async def _webhook_info(bot: RunningBot) -> dict[str, Any]:
    info = await bot.application.bot.get_webhook_info()
    return info.to_dict()


def _help_from(user: SandboxUser, update_id: int | None = None) -> dict[str, Any]:
    """A /help message as Telegram posts it, made by hand (the sandbox does not know it)."""
    sender = {"id": user.id, "is_bot": False, "first_name": user.first_name, "language_code": "en"}
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "date": 1_780_000_000,
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": sender,
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def _post(
    bot: RunningBot, body: Any, *, secret: str | None = SECRET, raw: bytes | None = None
) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    url = (await _webhook_info(bot))["url"]
    async with aiohttp.ClientSession() as session:
        if raw is not None:
            response = await session.post(url, data=raw, headers=headers)
        else:
            response = await session.post(url, json=body, headers=headers)
        async with response:
            return response.status


async def _someone_who_wrote(bot: RunningBot) -> SandboxUser:
    """Ana, who has written to the bot through the sandbox: the bot may answer her."""
    ana = bot.user("Ana")
    bot.says(ana, "/privacy")
    await bot.hears(ana)
    return ana


def _bot_messages(bot: RunningBot, user: SandboxUser) -> list[dict[str, Any]]:
    return [m for m in bot.sandbox.state.messages(user.id) if m["sender"] == "bot"]


async def _processed(bot: RunningBot, update: dict[str, Any]) -> int:
    from telegram import Update

    key = update_key(Update.de_json(update, bot.application.bot))
    async with bot.sessionmaker() as session:
        found = await session.scalar(select(func.count()).where(ProcessedUpdate.update_key == key))
    return int(found or 0)


async def test_a_check_in_flows_by_webhook_and_nothing_waits_at_telegram(
    hooked: RunningBot,
) -> None:
    bot = hooked
    _, ana, lars = await bot.ana_and_lars()

    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you"), "Good")
    await bot.hears(ana, "few lines")
    bot.says(ana, "A long week on the ward")
    await bot.presses(ana, await bot.hears(ana, "share"), "Share with Lars")
    await bot.hears(ana, "Shared with Lars")
    await bot.hears(lars, "A long week on the ward")

    info = await _webhook_info(bot)
    assert info["url"].endswith("/telegram")
    assert info["pending_update_count"] == 0
    assert "last_error_message" not in info


async def test_a_request_without_the_secret_is_refused_and_touches_nothing(
    hooked: RunningBot,
) -> None:
    bot = hooked
    ana = bot.user("Ana")
    update = _help_from(ana)

    assert await _post(bot, update, secret=None) == 403
    assert await _post(bot, update, secret=SECRET[:-1]) == 403
    assert await _post(bot, update, secret=SECRET + "x") == 403

    assert await _processed(bot, update) == 0
    assert _bot_messages(bot, ana) == []


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "7"}', b"\xff\xfe"],
    ids=["text", "list", "no-update-id", "string-id", "not-utf8"],
)
async def test_a_body_that_is_not_an_update_is_a_400(hooked: RunningBot, raw: bytes) -> None:
    assert await _post(hooked, None, raw=raw) == 400


async def test_200_comes_only_after_the_update_was_handled_and_committed(
    hooked: RunningBot,
) -> None:
    bot = hooked
    ana = await _someone_who_wrote(bot)
    update = _help_from(ana)

    assert await _post(bot, update) == 200

    # By the time Telegram hears 200, the reply is out and the update is on record.
    assert await _processed(bot, update) == 1
    assert len(_bot_messages(bot, ana)) == 2  # /privacy's answer, then /help's


async def test_an_update_delivered_again_or_twice_at_once_is_handled_once(
    hooked: RunningBot,
) -> None:
    bot = hooked
    ana = await _someone_who_wrote(bot)
    again, at_once = _help_from(ana), _help_from(ana)

    assert await _post(bot, again) == 200
    assert await _post(bot, again) == 200
    statuses = await asyncio.gather(*(_post(bot, at_once) for _ in range(3)))

    assert statuses == [200, 200, 200]
    assert len(_bot_messages(bot, ana)) == 3  # /privacy's, then one answer to each /help
    assert await _processed(bot, again) == await _processed(bot, at_once) == 1
    registry = bot.application.bot_data.metrics.registry  # what /metrics shows
    labels = {"kind": "message", "outcome": "duplicate"}
    assert registry.get_sample_value("frizon_updates_handled_total", labels) == 3


async def test_without_a_token_run_webhook_has_the_sandbox_post_to_frizon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the sandbox keeps its reflection key in the working directory
    webhook = TelegramConfig(mode="webhook", port=0)
    async with frizon_run(tmp_path, webhook) as page:
        student = (await panels(page))["student"]
        welcome = await says(page, student["user_id"], student["suggestion"])  # /start <invite>
        assert "Welcome" in welcome["text"]
        async with page.get(f"/bot{SANDBOX_TOKEN}/getWebhookInfo") as answer:
            info = (await answer.json())["result"]
    assert info["url"].startswith("http://127.0.0.1:")
    assert info["url"].endswith("/telegram")
    assert "last_error_message" not in info
