"""frizon across instances: three `frizon run --webhook` processes behind nginx (TLS) on
PostgreSQL, against the sandbox Bot API in a process of its own.

    .venv/bin/python -m benchmarks.instances budget [--students 10000] [--answering 0.05]
    .venv/bin/python -m benchmarks.instances inbound [--students 200]

`budget`: one bot token has one send budget (Telegram: about 30 messages/s overall, 1/s
to a chat; the sandbox enforces both and counts its 429s). Every student's prompt falls
due at once (`frizon prompt send`, as a coordinator would) and the leader sends them at
`sending.rate`; meanwhile a share of the students answer theirs with a check-in, so the
instances reply while the leader sends. The leader's rate leaves the rest of the budget,
the headroom, for the replies of all the instances. Prints wall time beside the floor
N / rate, prompts/s, replies/s beside the headroom, and the 429s (goal 0). At real speed:
10,000 students at 25/s take about 400 s.

`inbound`: K students each complete a check-in at once (benchmarks/checkins.py, four
updates each) through nginx, with 1, 2 and 3 instances, beside the bare PTB webhook echo
bot behind nginx in the same run; the sandbox has no limits here. Prints updates/s,
p50/p99 latency and the CPU seconds each part of the rig spent meanwhile (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from benchmarks.answering import Answered, answering_crowd
from benchmarks.checkins import echo_crowd, frizon_crowd
from benchmarks.cpu import OTHERS, CpuAccount, Group
from benchmarks.instance_rig import (
    PROGRAMME,
    TOKEN,
    asyncpg_url,
    backend_pids,
    echo_bot,
    frizon_environment,
    frizon_instances,
    ports,
    proxy_for,
    scratch_database,
)
from benchmarks.sandbox_process import RemoteSandbox, sandbox_process
from bot.sandbox import Limits, SandboxServer

ADMIN_URL = "postgresql+asyncpg://frizon:frizon@127.0.0.1:5432/postgres"
# One step's answer may be an edit and a message or two to the same chat at once, a burst
# Telegram tolerates; beyond it, one a second.
TELEGRAM = Limits(overall_per_second=30.0, per_chat_per_second=1.0, per_chat_burst=3)
UNLIMITED = Limits(overall_per_second=None, per_chat_per_second=None)
INSTANCES = 3


# The shared send budget -------------------------------------------------------------


async def budget(students: int, answering: float, rate: float, admin_url: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="frizon-instances-"))
    upstream = ports(INSTANCES)
    with (
        proxy_for(folder / "nginx", upstream) as (proxy, _),
        sandbox_process(TOKEN, students, TELEGRAM, proxy.certificate.cert) as sandbox,
    ):
        name = f"frizon_bench_budget_{os.getpid()}"
        async with scratch_database(admin_url, name, sandbox.user_ids) as url:
            environment = frizon_environment(sandbox.bot_api_base_url, url, proxy)
            config = f"[sending]\nrate = {rate}\n"
            async with frizon_instances(folder, environment, upstream, config):
                report = await _send_to_all(sandbox, environment, folder, url, answering)
    report.print(students, rate)


@dataclass(frozen=True)
class BudgetReport:
    queueing: float  # `frizon prompt send`, a process of its own, until it committed
    wall: float  # from then until the last prompt was sent
    sent: int
    answered: Answered
    answering: int
    too_many: int
    by_limit: dict[str, int]

    def print(self, students: int, rate: float) -> None:
        floor = students / rate
        replies = self.answered.replies
        during = [t for t in replies if t <= replies[0] + self.wall] if replies else []
        window = (during[-1] - during[0]) if len(during) > 1 else 0.0
        reply_rate = len(during) / window if window else 0.0
        headroom = TELEGRAM.overall_per_second or 0.0
        print(
            f"{INSTANCES} instances behind nginx on PostgreSQL, {students} students, "
            f"the leader sending at {rate:g}/s; Telegram's limits: 30/s overall, 1/s a chat"
        )
        print(f"  frizon prompt send (starting Python, queueing): {self.queueing:.1f} s")
        print(
            f"  then wall time: {self.wall:.1f} s, floor N/rate: {floor:.1f} s, "
            f"ratio {self.wall / floor:.3f}; prompts sent {self.sent} = "
            f"{self.sent / self.wall:.1f}/s"
        )
        print(
            f"  {self.answering} students answering: {len(replies)} replies, "
            f"{reply_rate:.1f} replies/s while prompts went out; headroom "
            f"{headroom - rate:g}/s; prompts + replies {self.sent / self.wall + reply_rate:.1f}/s"
        )
        if reply_rate > headroom - rate:
            print("  replies exceeded the headroom: lower sending.rate to leave more")
        latencies = sorted(self.answered.latencies)
        if latencies:
            print(
                f"  reply latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
                f"p99 {_p99(latencies) * 1000:.0f} ms"
            )
        stalls = self.answered.stalls
        after_stall = sum(
            any(at - 0.1 <= moment <= at + late + 2.0 for at, late in stalls)
            for moment in self.answered.too_many_at
        )
        print(
            f"  the sandbox's event loop stalled {len(stalls)} times over 0.3 s (longest "
            f"{max((late for _, late in stalls), default=0):.1f} s); 429s within 2 s after "
            f"a stall: {after_stall} of {len(self.answered.too_many_at)}"
        )
        print(
            f"  429 received: {self.too_many} (goal 0): overall limit {self.by_limit['overall']}, "
            f"a chat's {self.by_limit['per_chat']}"
        )


async def _send_to_all(
    sandbox: RemoteSandbox, environment: dict[str, str], folder: Path, url: str, share: float
) -> BudgetReport:
    rng = random.Random(13)
    answering = rng.sample(sandbox.user_ids, round(share * len(sandbox.user_ids)))
    within = len(sandbox.user_ids) / 10 + 120  # seconds: far beyond any pace the run has
    answers = asyncio.create_task(sandbox.run(answering_crowd, answering, within, 13))
    asked = time.monotonic()
    command = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "prompt",
        "send",
        PROGRAMME,
        cwd=folder,
        env=environment,
    )
    if await command.wait() != 0:
        raise RuntimeError("frizon prompt send failed")
    started = time.monotonic()  # the prompts are committed: the leader may send them
    sent = await _until_all_sent(url)
    wall = time.monotonic() - started
    answered: Answered = await answers
    by_limit = await sandbox.run(too_many_by_limit)
    return BudgetReport(
        started - asked, wall, sent, answered, len(answering), sandbox.too_many_requests(), by_limit
    )


async def too_many_by_limit(server: SandboxServer) -> dict[str, int]:
    """Which of Telegram's limits refused the 429s (in the sandbox's process)."""
    return dict(server.state.too_many_by_limit)


async def _until_all_sent(url: str) -> int:
    """Waits until no prompt delivery is pending; the number sent."""
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        while True:
            pending, sent = await connection.fetchrow(
                "SELECT count(*) FILTER (WHERE status = 'pending'),"
                " count(*) FILTER (WHERE status = 'sent') FROM delivery"
            )
            if pending == 0 and sent > 0:
                return int(sent)
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


# Inbound updates -------------------------------------------------------------------


@dataclass(frozen=True)
class InboundRun:
    name: str
    wall: float
    latencies: list[float]
    cpu: CpuAccount

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    def lines(self, echo_rate: float) -> list[str]:
        latencies = sorted(self.latencies)
        return [
            f"{self.name}: {len(latencies)} updates in {self.wall:.2f} s = {self.rate:.0f}/s "
            f"(ratio to the echo bot {self.rate / echo_rate:.2f}), latency p50 "
            f"{statistics.median(latencies) * 1000:.0f} ms, p99 {_p99(latencies) * 1000:.0f} ms",
            *self.cpu.lines(self.wall, len(latencies)),
        ]


async def inbound(students: int, admin_url: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="frizon-inbound-"))
    runs = [await echo_run(folder / "echo", students)]
    for count in range(1, INSTANCES + 1):
        runs.append(await frizon_run(folder / f"frizon-{count}", students, count, admin_url))
    print(f"{students} students checking in at once, through nginx (TLS), sandbox unlimited")
    for run in runs:
        print("\n".join(run.lines(runs[0].rate)))


async def echo_run(folder: Path, students: int) -> InboundRun:
    upstream = ports(1)
    with (
        proxy_for(folder / "nginx", upstream) as (proxy, nginx),
        sandbox_process(TOKEN, students, UNLIMITED, proxy.certificate.cert) as sandbox,
        echo_bot(folder / "bot", sandbox.bot_api_base_url, proxy, upstream[0]) as pid,
    ):
        cpu = CpuAccount(
            [
                Group("echo bot (PTB)", lambda: [pid]),
                Group("nginx", lambda: [nginx]),
                Group("sandbox and simulated students", lambda: [sandbox.pid]),
                Group("this script", lambda: [os.getpid()], with_children=False),
                OTHERS,
            ]
        )
        return await _measured("echo bot (PTB webhook, minimal)", sandbox, echo_crowd, cpu)


async def frizon_run(folder: Path, students: int, count: int, admin_url: str) -> InboundRun:
    upstream = ports(count)
    with (
        proxy_for(folder / "nginx", upstream) as (proxy, nginx),
        sandbox_process(TOKEN, students, UNLIMITED, proxy.certificate.cert) as sandbox,
    ):
        name = f"frizon_bench_inbound_{os.getpid()}_{count}"
        async with scratch_database(admin_url, name, sandbox.user_ids) as url:
            environment = frizon_environment(sandbox.bot_api_base_url, url, proxy)
            async with frizon_instances(folder, environment, upstream) as processes:
                backends = set(await backend_pids(admin_url, name))
                cpu = CpuAccount(
                    [
                        Group(
                            f"frizon ({count} process{'es' if count > 1 else ''})",
                            lambda: [p.process.pid for p in processes if p.process],
                        ),
                        Group("PostgreSQL backends", lambda: backends),
                        Group("nginx", lambda: [nginx]),
                        Group("sandbox and simulated students", lambda: [sandbox.pid]),
                        Group("this script", lambda: [os.getpid()], with_children=False),
                        OTHERS,
                    ]
                )

                async def also_new_backends() -> None:
                    backends.update(await backend_pids(admin_url, name))

                plural = "s" if count > 1 else ""
                return await _measured(
                    f"frizon, {count} instance{plural}",
                    sandbox,
                    frizon_crowd,
                    cpu,
                    also_new_backends,
                )


async def _measured(
    name: str,
    sandbox: RemoteSandbox,
    crowd: Callable[[SandboxServer], Awaitable[tuple[float, list[float]]]],
    cpu: CpuAccount,
    refresh: Callable[[], Awaitable[None]] | None = None,
) -> InboundRun:
    """Runs the crowd, reading CPU time before, every half second while, and after."""
    cpu.start()
    running = asyncio.create_task(sandbox.run(crowd))
    while not running.done():
        await asyncio.wait({running}, timeout=0.5)
        if refresh is not None:
            await refresh()
        cpu.read()
    wall, latencies = running.result()
    return InboundRun(name, wall, latencies, cpu)


def _p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["budget", "inbound"])
    parser.add_argument("--students", type=int, help="default: 10,000 (budget), 200 (inbound)")
    parser.add_argument(
        "--answering", type=float, default=0.05, help="budget: share of students who answer"
    )
    parser.add_argument("--rate", type=float, default=25.0, help="budget: sending.rate")
    parser.add_argument("--postgres-url", default=ADMIN_URL, help="a role that may CREATEDB")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if arguments.part == "budget":
        asyncio.run(
            budget(
                arguments.students or 10_000,
                arguments.answering,
                arguments.rate,
                arguments.postgres_url,
            )
        )
    else:
        asyncio.run(inbound(arguments.students or 200, arguments.postgres_url))
