"""`frizon run` as a real process beside the test's sandbox, to be killed and restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path

import pytest

from bot.core.crypto import new_key
from bot.sandbox import SandboxServer

ROOT = Path(__file__).parent.parent.parent


def bot_environment(*, token: str, base_url: str, database_url: str, key: str) -> dict[str, str]:
    """The environment of a bot pointed at the sandbox, without the caller's FRIZON_ keys."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("FRIZON_")},
        "PYTHONPATH": str(ROOT),
        "FRIZON_TELEGRAM_TOKEN": token,
        "FRIZON_TELEGRAM_BASE_URL": base_url,
        "FRIZON_DATABASE_URL": database_url,
        "FRIZON_REFLECTION_KEY": key,
    }


class BotProcess:
    """`frizon run` in its own process, pointed at the test's sandbox and database."""

    def __init__(
        self, workdir: Path, environment: dict[str, str], arguments: Sequence[str] = ("run",)
    ) -> None:
        self._workdir = workdir
        self._environment = environment
        self._arguments = list(arguments)
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        with (self._workdir / "bot.log").open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *self._arguments],
                cwd=self._workdir,
                env=self._environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log_tail(self) -> str:
        lines = (self._workdir / "bot.log").read_text(errors="replace").splitlines()
        return "the bot's log ends:\n" + "\n".join(lines[-40:])

    def log_text(self) -> str:
        return (self._workdir / "bot.log").read_text(errors="replace")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()  # a slow stop is not what these tests are about
                self.process.wait(timeout=10)


async def wait_for(
    condition: Callable[[], bool],
    within: float,
    what: str,
    explain: Callable[[], str] = str,
) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}\n{explain()}")
        await asyncio.sleep(0.01)


# Fixtures for the tests that kill the bot; a module imports them by name.
TOKEN = "5555555555:crash-test-token"
KEY = new_key()


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=TOKEN, port=0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def environment(sandbox: SandboxServer, database_url: str) -> dict[str, str]:
    return bot_environment(
        token=TOKEN, base_url=sandbox.bot_api_base_url, database_url=database_url, key=KEY
    )


@pytest.fixture
def bot_process(tmp_path: Path, environment: dict[str, str]) -> Iterator[BotProcess]:
    bot = BotProcess(tmp_path, environment)
    yield bot
    bot.stop()
