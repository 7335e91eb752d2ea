"""The crash storm across instances: three `frizon run --webhook` processes behind nginx
on one PostgreSQL database, a random one of them — the leader included — killed with
SIGKILL again and again and restarted, the instances' database connections cut once
mid-storm, bursts of Bot API faults throughout (tests/e2e/api_faults.py), and
everything counted from the outside as in the one-process storm (`tests/e2e/storm.py`,
whose students, mentors and counting this reuses).

Who leads is read from the processes' logs ("leading: …"); a failover is the time from
the leader's kill (or the cut) to the next "leading: …" of any instance.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.crypto import ReflectionCipher
from bot.sandbox import SandboxServer
from tests.e2e.bot_process import BotProcess
from tests.e2e.storm import (
    Report,
    StormConfig,
    Student,
    Tally,
    Witnesses,
    calm,
    cast_of,
    count,
    faults_task,
    own_data_of,
    prompt_send,
    quiet_outbox,
    seconds_or_off,
    watch_mentors,
    writing_ends,
)

LEADING = "leading: this instance runs"
FAILOVER_GIVE_UP = 60.0  # seconds: a failover this long is surely a failure; stop waiting


def instance_storm_config() -> StormConfig:
    """CI runs a short storm; `make crash` a long one (FRIZON_INSTANCE_STORM_KILLS=50,
    FRIZON_INSTANCE_STORM_WRITERS=50). FRIZON_INSTANCE_STORM_FAULTS: the seconds between
    bursts of Bot API faults, or "off"."""

    def number(name: str, default: str) -> int:
        return int(os.environ.get(f"FRIZON_INSTANCE_STORM_{name}", default))

    low, high = os.environ.get("FRIZON_INSTANCE_STORM_UPTIME", "3-9").split("-")
    return StormConfig(
        kills=number("KILLS", "6"),
        writers=number("WRITERS", "12"),
        listeners=number("LISTENERS", "8"),
        mentors=number("MENTORS", "4"),
        prompt_sends=number("PROMPT_SENDS", "2"),
        uptime=(float(low), float(high)),
        seed=number("SEED", str(random.randrange(10**6))),
        faults_every=seconds_or_off(os.environ.get("FRIZON_INSTANCE_STORM_FAULTS", "2-8")),
    )


class Instance:
    """One `frizon run --webhook` process on its own port, restarted after each kill."""

    def __init__(self, workdir: Path, environment: dict[str, str], port: int) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.name = workdir.name
        self.process = BotProcess(
            workdir, {**environment, "FRIZON_TELEGRAM_PORT": str(port)}, ("run", "--webhook")
        )
        self._log = workdir / "bot.log"
        self._run_began = 0  # where this run's lines begin in the log

    def start(self) -> None:
        self._run_began = self._log.stat().st_size if self._log.exists() else 0
        self.process.start()

    def kill(self) -> None:
        self.process.kill()

    def stop(self) -> None:
        self.process.stop()

    def log_text(self) -> str:
        return self.process.log_text()

    def times_led(self) -> int:
        """How often any run of this instance began leading."""
        return self.log_text().count(LEADING)

    def leading(self) -> bool:
        """This run said "leading" and has not said "no longer leading" since."""
        with self._log.open("rb") as log:
            log.seek(self._run_began)
            run = log.read().decode(errors="replace")
        began, ended = run.rfind(LEADING), run.rfind("no longer leading")
        return began > ended


@dataclass
class Chaos:
    kills: int = 0
    leader_kills: int = 0
    cuts: int = 0  # times every instance's database connections were terminated
    restarts: list[float] = field(default_factory=list)  # PostgreSQL away, seconds each
    failovers: list[float] = field(default_factory=list)  # seconds, one per lost leader
    watching: list[asyncio.Task[None]] = field(default_factory=list)

    def watch_failover(self, instances: list[Instance], led_before: int, began: float) -> None:
        """In the background: the time from `began` (the leader lost) until any instance
        says "leading" once more than before."""
        self.watching.append(asyncio.create_task(self._failover(instances, led_before, began)))

    async def _failover(self, instances: list[Instance], led_before: int, began: float) -> None:
        while sum(i.times_led() for i in instances) <= led_before:
            if time.monotonic() - began > FAILOVER_GIVE_UP:
                break
            await asyncio.sleep(0.05)
        self.failovers.append(time.monotonic() - began)


@dataclass
class InstanceReport:
    storm: Report
    chaos: Chaos
    terminated_backends: int
    refused_updates: int  # answered 500 (a flood limit, the database away), posted again

    @property
    def longest_failover(self) -> float:
        return max(self.chaos.failovers, default=0.0)

    def lines(self) -> list[str]:
        chaos = self.chaos
        failovers = ", ".join(f"{s:.1f}" for s in sorted(chaos.failovers))
        return [
            *self.storm.lines("PostgreSQL, three instances behind nginx"),
            f"  kills {chaos.kills} (of the leader {chaos.leader_kills}); connections cut "
            f"{chaos.cuts} time(s), {self.terminated_backends} backends terminated; "
            f"PostgreSQL restarted {len(chaos.restarts)} time(s)"
            + "".join(f", away {s:.1f} s" for s in chaos.restarts),
            f"  updates answered 500 and posted again (a flood limit, the database away) "
            f"{self.refused_updates}",
            f"  failovers {len(chaos.failovers)}, longest {self.longest_failover:.1f} s "
            f"(each: {failovers or 'none'})",
        ]


async def terminate_backends(database_url: str) -> int:
    """pg_terminate_backend of every other session on the test's database: the instances'
    pools and the leader's lock connection, from the test's own connection."""
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        ended = await connection.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return sum(1 for row in ended if row[0])
    finally:
        await connection.close()


async def _a_leader(instances: list[Instance], within: float) -> Instance:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        leading = [i for i in instances if i.leading()]
        if leading:
            return leading[0]
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no instance leads after {within} s")


async def instance_storm(
    *,
    sandbox: SandboxServer,
    instances: list[Instance],
    sessionmaker: async_sessionmaker[AsyncSession],
    environment: dict[str, str],
    database_url: str,
    cipher: ReflectionCipher,
    config: StormConfig,
    restart_database: Callable[[], float] | None = None,
) -> InstanceReport:
    """The storm; `restart_database` (the seconds the server was away), when given, is
    called once, three quarters in."""
    rng = random.Random(config.seed)
    cast = await cast_of(sessionmaker, sandbox, config)
    tally = Tally()
    chaos = Chaos()
    students = [Student(sandbox, user, n, tally) for n, user in enumerate(cast.writers)]
    began = time.monotonic()
    for instance in instances:
        instance.start()
    await _a_leader(instances, within=60)
    watching = asyncio.create_task(watch_mentors(sandbox, cast, tally))
    writing = [asyncio.create_task(student.run()) for student in students]
    faulting = faults_task(sandbox.state.faults, rng, config)
    send_at = set(rng.sample(range(config.kills), min(config.prompt_sends, config.kills)))
    cut_at = config.kills // 2
    restart_at = config.kills * 3 // 4 if restart_database is not None else None
    terminated = 0
    try:
        for kill in range(config.kills):
            if kill in send_at:
                await asyncio.to_thread(prompt_send, environment)
            if kill == cut_at:
                await asyncio.sleep(rng.uniform(*config.uptime) / 2)
                led_before, began_cut = sum(i.times_led() for i in instances), time.monotonic()
                terminated = await terminate_backends(database_url)
                chaos.cuts += 1
                # The leader's lock went with its connection: someone leads again.
                chaos.watch_failover(instances, led_before, began_cut)
            if kill == restart_at and restart_database is not None:
                await asyncio.sleep(rng.uniform(*config.uptime) / 2)
                led_before, began_restart = sum(i.times_led() for i in instances), time.monotonic()
                chaos.restarts.append(await asyncio.to_thread(restart_database))
                chaos.watch_failover(instances, led_before, began_restart)
            await asyncio.sleep(rng.uniform(*config.uptime))
            # Every third kill is the leader's, the others fall where they fall.
            leader = next((i for i in instances if i.leading()), None)
            victim = leader if leader is not None and kill % 3 == 0 else rng.choice(instances)
            led_before, began_kill = sum(i.times_led() for i in instances), time.monotonic()
            victim.kill()
            chaos.kills += 1
            if victim is leader:
                chaos.leader_kills += 1
                chaos.watch_failover(instances, led_before, began_kill)
            victim.start()
        await asyncio.gather(*chaos.watching)
        await writing_ends(sandbox, students, writing)
        await calm(sandbox.state.faults, faulting)
        # A part a killed leader had claimed waits out the 60 s lease.
        await quiet_outbox(sessionmaker, within=240)
        await asyncio.sleep(1.5)  # a last copy on its way would show up by now
        seconds = time.monotonic() - began
        own_data = await own_data_of(sandbox, cast.writers)
    finally:
        for task in (*writing, watching, faulting, *chaos.watching):
            task.cancel()
        await asyncio.gather(*writing, watching, faulting, *chaos.watching, return_exceptions=True)
        for instance in instances:
            instance.stop()
    logs = "\n".join(instance.log_text() for instance in instances)
    witnesses = Witnesses(logs, own_data, sandbox.state.faults)
    storm = await count(
        sandbox, sessionmaker, cipher, cast, tally, witnesses, chaos.kills, config.seed, seconds
    )
    refused = sum(
        logs.count(said)
        for said in ("could not be handled now", "unexpected failure while", "handled again")
    )
    return InstanceReport(storm, chaos, terminated, refused)
