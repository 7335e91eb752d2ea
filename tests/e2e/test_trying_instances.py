"""What the README's "Trying several instances locally" has a new user do, done the same
way: `frizon sandbox` on its own, two `frizon run --webhook` processes on one PostgreSQL
database behind nginx (the site file the deployment guide installs, a self-signed
certificate), a programme, invites, a pairing from the command line, and a student and
a mentor talking on the sandbox page. The leading instance is killed; the conversation
goes on."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.crypto import new_key
from tests.e2e.bot_process import ROOT, BotProcess, bot_environment
from tests.e2e.proxy import free_port, tls_proxy

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
LEADING = "leading: this instance runs"
FAILOVER_BOUND = 10.0  # seconds, as the README states
PROGRAMME = "Clinical mentoring"


class Page:
    """The sandbox page's chats, used through the page's own API as its script does."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self._session, self._url = session, url
        self._seen: dict[int, int] = {}

    async def person(self, first_name: str) -> int:
        async with self._session.post(
            f"{self._url}/sandbox/api/users", json={"first_name": first_name}
        ) as answer:
            assert answer.status == 201, await answer.text()
            return int((await answer.json())["id"])

    async def says(self, user_id: int, text: str) -> None:
        async with self._session.post(
            f"{self._url}/sandbox/api/chats/{user_id}/messages", json={"text": text}
        ) as answer:
            assert answer.status == 201, await answer.text()

    async def hears(self, user_id: int, words: str, within: float = 20.0) -> dict[str, Any]:
        """The bot's next message in this chat that contains `words`."""
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            after = self._seen.get(user_id, 0)
            async with self._session.get(
                f"{self._url}/sandbox/api/chats/{user_id}/messages",
                params={"after": str(after), "wait": str(min(left, 5.0))},
            ) as answer:
                chat = await answer.json()
            for message in chat["messages"]:
                self._seen[user_id] = message["seq"]
                if message["sender"] == "bot" and words in (message["text"] or ""):
                    return dict(message)
        raise AssertionError(f"user {user_id} never heard {words!r}")


@pytest.fixture
async def page_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def frizon(environment: dict[str, str], *arguments: str) -> str:
    """A `frizon` command as the README gives it; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *arguments],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def _sandbox_started(
    tmp_path: Path, port: int, certificate: Path, environment: dict[str, str]
) -> subprocess.Popen[bytes]:
    with (tmp_path / "sandbox.log").open("wb") as log:  # the child keeps its own copy
        process = subprocess.Popen(  # noqa: ASYNC220 - started once, not waited for
            [
                sys.executable,
                "-m",
                "bot.cli",
                "sandbox",
                "--port",
                str(port),
                "--webhook-ca",
                str(certificate),
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 20
    while "open http" not in (tmp_path / "sandbox.log").read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError((tmp_path / "sandbox.log").read_text())
        await asyncio.sleep(0.05)
    return process


def _leading(instance: BotProcess) -> bool:
    text = instance.log_text()
    return text.rfind(LEADING) > text.rfind("no longer leading")


@ON_POSTGRESQL
async def test_two_instances_behind_nginx_serve_the_sandbox_and_a_kill_changes_nothing(
    database_url: str, page_session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    ports, sandbox_port = [free_port(), free_port()], free_port()
    with tls_proxy(tmp_path / "nginx", ports) as proxy:
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        environment = {
            **bot_environment(
                token="1000000001:frizon-sandbox",  # as `frizon sandbox` prints it
                base_url=f"{sandbox_url}/bot",
                database_url=database_url,
                key=new_key(),
            ),
            "FRIZON_TELEGRAM_WEBHOOK_URL": proxy.url,
            "FRIZON_TELEGRAM_SECRET_TOKEN": "trying-it-out_0123456789",
        }
        sandbox = await _sandbox_started(
            tmp_path, sandbox_port, proxy.certificate.cert, environment
        )
        instances = []
        try:
            for n, port in enumerate(ports):
                workdir = tmp_path / f"instance-{n}"
                workdir.mkdir()
                instance = BotProcess(
                    workdir,
                    {**environment, "FRIZON_TELEGRAM_PORT": str(port)},
                    ("run", "--webhook"),
                )
                instance.start()
                instances.append(instance)
            frizon(environment, "programme", "create", PROGRAMME)
            links = {
                role: frizon(environment, "invite", PROGRAMME, "--role", role, "--name", name)
                for role, name in (("student", "Ana Berg"), ("mentor", "Lars Holm"))
            }
            page = Page(page_session, sandbox_url)
            ana, lars = await page.person("Ana"), await page.person("Lars")
            for user, role in ((ana, "student"), (lars, "mentor")):
                (token,) = re.findall(r"start=(\S+)", links[role])
                await page.says(user, f"/start {token}")
                await page.hears(user, PROGRAMME)
            frizon(environment, "match", PROGRAMME, "--apply", "--yes")
            await page.hears(ana, "Lars")
            await page.hears(lars, "Ana")

            await page.says(ana, "/mentor")
            await page.hears(ana, "Lars")
            await page.says(ana, "Could we talk about the night shifts?")
            await page.hears(lars, "Could we talk about the night shifts?")

            (leader,) = [instance for instance in instances if _leading(instance)]
            leader.kill()
            killed = time.monotonic()
            (survivor,) = [instance for instance in instances if instance is not leader]
            while not _leading(survivor):
                assert time.monotonic() - killed < FAILOVER_BOUND, survivor.log_tail()
                await asyncio.sleep(0.05)

            await page.says(ana, "Thursday after rounds works for me")
            await page.hears(lars, "Thursday after rounds works for me")
        finally:
            for instance in instances:
                instance.stop()
            sandbox.terminate()
            sandbox.wait(timeout=10)
