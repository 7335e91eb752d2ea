"""Real headless Chromium for the browser tests, shared by every test module here."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from bot.app.runner import run
from bot.core.config import Config, DatabaseConfig, SandboxConfig

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
REQUIRE_BROWSER = os.environ.get("FRIZON_TEST_REQUIRE_BROWSER") == "1"
# Flags for a closed network: without them Chromium keeps trying to reach Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A microphone that plays a beep, and "allow" for its question: the page records.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not HAVE_CHROMIUM:
        message = "browser test skipped: no Chromium at /usr/bin/chromium (apt install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def sandbox_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """`frizon run` with no token: migrations, demo data, sandbox and bot, on a free port."""
    monkeypatch.chdir(tmp_path)  # the sandbox keeps its reflection key in the working directory
    config = Config(
        database=DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'frizon.db'}"),
        sandbox=SandboxConfig(port=0),
    )
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(run(config, on_ready=ready.set_result, stop=stop))
    done, _ = await asyncio.wait({task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        stop.set()
        await task  # raises the start-up error, if any
        raise AssertionError("frizon run did not become ready")
    yield ready.result()
    stop.set()
    await asyncio.wait_for(task, timeout=30)
