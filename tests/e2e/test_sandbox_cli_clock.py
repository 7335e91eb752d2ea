"""The command line on the sandbox's database reads the sandbox's clock: the terminal and
the chat agree on the day, and an invite made in the terminal is not born expired."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.demo.programme import DEMO_PROGRAMME
from tests.e2e.sandbox_run import frizon_run, panels, press, says


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the sandbox keeps its reflection key in the working directory
    return tmp_path


def frizon(workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`frizon ...` as an operator types it in the sandbox's directory (no token set)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FRIZON_")}
    clean.update(PYTHONPATH=str(Path(__file__).parents[2]), COLUMNS="200", **env)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=workdir,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


async def test_the_command_line_sees_the_sandbox_clock_that_the_chat_sees(workdir: Path) -> None:
    async with frizon_run(workdir) as page:
        seats = await panels(page)
        coordinator = seats["coordinator"]["user_id"]
        await says(page, coordinator, seats["coordinator"]["suggestion"])
        for _ in range(3):
            assert "a week has passed" in await press(page, "next-week")
        in_chat = (await says(page, coordinator, "/stats"))["text"]

    # The terminal, with the sandbox stopped (SQLite has one writer at a time: beside a
    # busy bot a command may have to wait, see README), then the sandbox again.
    stats = frizon(workdir, "stats", DEMO_PROGRAMME)
    link = frizon(
        workdir, "invite", DEMO_PROGRAMME, "--role", "student", "--expires", "1w"
    ).stdout.strip()
    async with frizon_run(workdir) as page:
        async with page.post("/sandbox/api/users", json={"first_name": "Nora"}) as created:
            newcomer = (await created.json())["id"]
        welcome = (await says(page, newcomer, f"/start {link.rsplit('=', 1)[1]}"))["text"]

    sandbox_day = in_chat.split("statistics on ", 1)[1][:10]
    real_day = datetime.now(UTC).date().isoformat()
    assert sandbox_day > real_day  # three weeks ahead
    assert f"{DEMO_PROGRAMME} — {sandbox_day}" in stats.stdout
    assert "Sandbox clock: " in stats.stderr and "ahead of real time" in stats.stderr
    assert welcome.startswith(f"Welcome to {DEMO_PROGRAMME}, Nora.")  # not "has expired"


async def test_with_a_token_set_the_command_line_keeps_real_time(workdir: Path) -> None:
    async with frizon_run(workdir) as page:
        seats = await panels(page)
        await says(page, seats["coordinator"]["user_id"], seats["coordinator"]["suggestion"])
        assert "a week has passed" in await press(page, "next-week")

    # Pointed at Telegram, frizon runs on real time; so does its command line.
    stats = frizon(workdir, "stats", DEMO_PROGRAMME, FRIZON_TELEGRAM_TOKEN="123:abc")

    real_day = datetime.now(UTC).date().isoformat()
    assert f"{DEMO_PROGRAMME} — {real_day}" in stats.stdout
    assert "Sandbox clock" not in stats.stderr
