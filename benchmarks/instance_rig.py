"""What the benchmarks across instances stand up: a scratch PostgreSQL database with a
programme of the sandbox's users, nginx terminating TLS (tests/e2e/proxy.py), and real
`frizon run --webhook` processes (tests/e2e/bot_process.py) or a bare echo bot behind it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from benchmarks.common import START, database, programme_of_students
from bot.core.clock import ManualClock
from bot.core.crypto import new_key
from tests.e2e.bot_process import ROOT, BotProcess, bot_environment
from tests.e2e.proxy import Proxy, free_port, tls_proxy

TOKEN = "6666666666:benchmark-instances"
SECRET = "benchmark-instances-secret_0123456789"
LEADING = "leading: this instance runs"
LISTENING = "webhook listening on"
PROGRAMME = "Benchmark"


def asyncpg_url(url: str) -> str:
    """The SQLAlchemy URL as asyncpg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def scratch_database(admin_url: str, name: str, user_ids: list[int]) -> AsyncIterator[str]:
    """A new database `name` with the schema and a programme of these students; its URL.
    Dropped afterwards."""
    admin = await asyncpg.connect(asyncpg_url(admin_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        engine, sessionmaker = await database(url)
        await programme_of_students(sessionmaker, user_ids, ManualClock(START))
        await engine.dispose()
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def backend_pids(admin_url: str, name: str) -> list[int]:
    """PostgreSQL's server processes serving connections to database `name` now."""
    connection = await asyncpg.connect(asyncpg_url(admin_url))
    try:
        rows = await connection.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
        return [int(row["pid"]) for row in rows]
    finally:
        await connection.close()


@contextlib.contextmanager
def proxy_for(folder: Path, ports: list[int]) -> Iterator[tuple[Proxy, int]]:
    """nginx in front of these ports, and its master process's id (for CPU time)."""
    with tls_proxy(folder, ports) as proxy:
        yield proxy, int((folder / "nginx.pid").read_text())


def frizon_environment(base_url: str, database_url: str, proxy: Proxy) -> dict[str, str]:
    return {
        **bot_environment(token=TOKEN, base_url=base_url, database_url=database_url, key=new_key()),
        "FRIZON_TELEGRAM_MODE": "webhook",
        "FRIZON_TELEGRAM_WEBHOOK_URL": proxy.url,
        "FRIZON_TELEGRAM_SECRET_TOKEN": SECRET,
    }


@contextlib.asynccontextmanager
async def frizon_instances(
    folder: Path, environment: dict[str, str], ports: list[int], config: str = ""
) -> AsyncIterator[list[BotProcess]]:
    """`frizon run --webhook` on each port (with `config` as its config.toml), once every
    one listens and one leads; stopped afterwards."""
    processes = []
    for n, port in enumerate(ports):
        workdir = folder / f"instance-{n}"
        workdir.mkdir(parents=True)
        (workdir / "config.toml").write_text(config)
        processes.append(
            BotProcess(
                workdir, {**environment, "FRIZON_TELEGRAM_PORT": str(port)}, ("run", "--webhook")
            )
        )
    try:
        for process in processes:
            process.start()
        await _until(
            lambda: (
                all(LISTENING in p.log_text() for p in processes)
                and any(LEADING in p.log_text() for p in processes)
            ),
            processes,
        )
        yield processes
    finally:
        for process in processes:
            process.stop()


async def _until(
    ready: Callable[[], bool], processes: list[BotProcess], within: float = 60
) -> None:
    deadline = time.monotonic() + within
    while not ready():
        for process in processes:
            if process.process is not None and process.process.poll() is not None:
                raise RuntimeError(f"an instance stopped while starting\n{process.log_tail()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"instances not ready in {within} s\n{processes[0].log_tail()}")
        await asyncio.sleep(0.1)


@contextlib.contextmanager
def echo_bot(folder: Path, base_url: str, proxy: Proxy, port: int) -> Iterator[int]:
    """The bare PTB echo bot (benchmarks/echo_webhook.py) on `port`, once it listens; its
    process id."""
    folder.mkdir(parents=True)
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FRIZON_TELEGRAM_TOKEN": TOKEN,
        "FRIZON_TELEGRAM_BASE_URL": base_url,
    }
    with (folder / "echo.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.echo_webhook", str(port), proxy.url, SECRET],
            cwd=folder,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _until_listening(port, process, folder / "echo.log")
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def _until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the echo bot stopped: {log.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(0.5)  # setWebhook follows once the server is up
                return
        time.sleep(0.1)
    raise TimeoutError("the echo bot did not listen within 30 s")


def ports(count: int) -> list[int]:
    return [free_port() for _ in range(count)]
