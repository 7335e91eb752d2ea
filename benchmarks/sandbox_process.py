"""The sandbox Bot API server in a process of its own, as Telegram is to a real bot.

In the bot's process it would take CPU from the bot on every request, and a benchmark
would then measure the two together.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import multiprocessing
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bot.sandbox import Limits, SandboxServer, WebhookTiming


@dataclass(frozen=True)
class RemoteSandbox:
    bot_api_base_url: str
    user_ids: list[int]
    _control: Connection
    pid: int  # the sandbox's process (and the simulated users'), for its CPU time

    def too_many_requests(self) -> int:
        """429s the server has answered so far."""
        return int(self._ask(("too_many_requests",)))

    async def run(self, function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Await `function(server, *args)` in the sandbox's process (a module-level function,
        so that process can import it) and return its result: users act where they live."""
        request = ("run", function.__module__, function.__qualname__, args)
        return await asyncio.get_running_loop().run_in_executor(None, self._ask, request)

    def _ask(self, request: tuple[Any, ...]) -> Any:
        self._control.send(request)
        return self._control.recv()


@contextlib.contextmanager
def sandbox_process(
    token: str, users: int, limits: Limits, webhook_ca_file: Path | None = None
) -> Iterator[RemoteSandbox]:
    """A sandbox server with `users` users, serving until the block ends; it trusts
    `webhook_ca_file` when posting updates to a webhook over https."""
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(token, users, limits, webhook_ca_file, theirs), daemon=True
    )
    process.start()
    theirs.close()  # so that ours sees end-of-file, not silence, if the process dies
    url, user_ids = ours.recv()
    try:
        assert process.pid is not None
        yield RemoteSandbox(url, user_ids, ours, process.pid)
    finally:
        ours.send(("stop",))
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


def _serve(
    token: str, users: int, limits: Limits, ca_file: Path | None, control: Connection
) -> None:
    asyncio.run(_serve_until_stopped(token, users, limits, ca_file, control))


async def _serve_until_stopped(
    token: str, users: int, limits: Limits, ca_file: Path | None, control: Connection
) -> None:
    # A refused update is posted again soon: Telegram's back-off grows to a minute.
    timing = WebhookTiming(first_retry=0.5, longest_retry=4.0)
    server = SandboxServer(
        token=token, port=0, limits=limits, webhook_ca_file=ca_file, webhook_timing=timing
    )
    await server.start()
    # Users who have started the bot, as enrolled students have: it may write to them.
    ids = [server.state.add_user(f"S{n}", started=True).id for n in range(users)]
    control.send((server.bot_api_base_url, ids))
    loop = asyncio.get_running_loop()
    while True:
        command, *details = await loop.run_in_executor(None, control.recv)
        if command == "stop":
            break
        if command == "too_many_requests":
            control.send(server.state.too_many_requests)
        elif command == "run":
            module, name, args = details
            function = getattr(importlib.import_module(module), name)
            control.send(await function(server, *args))
    await server.stop()
