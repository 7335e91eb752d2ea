"""A storm of check-ins and prompts while `frizon run` is killed (SIGKILL) again and again,
counted from the outside: what people confirmed, what the database kept, what each
mentor and each student received.

People behave as people do: a student taps and writes, waits for the answer, and does
the same step again only when none came for a while (PATIENCE).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import SystemClock
from bot.core.crypto import ReflectionCipher
from bot.outbox.purposes import Purpose
from bot.sandbox import SandboxServer, SandboxUser
from bot.sandbox.faults import Faults
from bot.services.checkins import read_reflection
from bot.services.members import Person
from bot.services.pairing import pair
from db.models import CheckIn, Delivery, DeliveryStatus, Role
from tests.e2e.api_faults import TIMED_OUT_SEND, describe, inject_faults
from tests.e2e.bot_process import ROOT, BotProcess
from tests.factories import a_member, a_programme

PROGRAMME = "Storm"
PATIENCE = 12.0  # seconds without an answer before a person repeats the step
THINKING = (3.0, 15.0)  # seconds between one entry and the next
MARKER = re.compile(r"storm-entry-(\d+)-(\d+)")
IN_FLIGHT = re.compile(r"(\d+) message\(s\) were in flight when the bot stopped")


@dataclass(frozen=True)
class StormConfig:
    kills: int
    writers: int  # paired students writing entries throughout
    listeners: int  # students who only receive prompts
    mentors: int
    prompt_sends: int  # `frizon prompt send` runs during the storm
    uptime: tuple[float, float]  # the bot runs this long (uniformly) before each kill
    seed: int
    # Seconds between bursts of Bot API faults (tests/e2e/api_faults.py); None: no faults.
    faults_every: tuple[float, float] | None = None

    @classmethod
    def from_environment(cls) -> StormConfig:
        """CI runs a short storm; `make crash` a long one (FRIZON_STORM_KILLS=50)."""
        return cls(
            kills=int(os.environ.get("FRIZON_STORM_KILLS", "10")),
            writers=int(os.environ.get("FRIZON_STORM_WRITERS", "16")),
            listeners=int(os.environ.get("FRIZON_STORM_LISTENERS", "34")),
            mentors=int(os.environ.get("FRIZON_STORM_MENTORS", "6")),
            prompt_sends=int(os.environ.get("FRIZON_STORM_PROMPT_SENDS", "3")),
            uptime=_seconds_range(os.environ.get("FRIZON_STORM_UPTIME", "1.5-12")),
            seed=int(os.environ.get("FRIZON_STORM_SEED", str(random.randrange(10**6)))),
            faults_every=seconds_or_off(os.environ.get("FRIZON_STORM_FAULTS", "3-10")),
        )


def _seconds_range(text: str) -> tuple[float, float]:
    low, high = text.split("-")
    return float(low), float(high)


def seconds_or_off(text: str) -> tuple[float, float] | None:
    """A range of seconds ("3-10"), or None for "off"."""
    return None if text == "off" else _seconds_range(text)


@dataclass
class Cast:
    writers: list[SandboxUser]
    listeners: list[SandboxUser]
    mentors: list[SandboxUser]
    mentor_of: dict[int, SandboxUser]  # writer's user id -> mentor


@dataclass
class Tally:
    confirmed: dict[str, float] = field(default_factory=dict)  # marker -> when "Shared" came
    told_nothing_changed: int = 0  # a retried step answered as if it had not worked
    repeats: int = 0  # steps a person did again after PATIENCE without an answer
    arrived: dict[str, float] = field(default_factory=dict)  # marker -> first seen by mentor
    # writer's user id -> the chat's last message id at each of their acts (a press has
    # no message of its own): what the bot sends after an act answers it.
    acts: dict[int, list[int]] = field(default_factory=dict)


async def cast_of(
    sessionmaker: async_sessionmaker[AsyncSession], sandbox: SandboxServer, config: StormConfig
) -> Cast:
    clock = SystemClock()
    # Enrolled straight in the database: in life they pressed Start with their invite.
    mentors = [sandbox.state.add_user(f"Mentor{n}", started=True) for n in range(config.mentors)]
    writers = [sandbox.state.add_user(f"Writer{n}", started=True) for n in range(config.writers)]
    listeners = [
        sandbox.state.add_user(f"Listener{n}", started=True) for n in range(config.listeners)
    ]
    per_mentor = -(-config.writers // config.mentors)
    mentor_of: dict[int, SandboxUser] = {}
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now(), name=PROGRAMME)
        mentor_ids = []
        for user in mentors:
            enrolled = await a_member(
                session,
                clock.now(),
                programme,
                Role.MENTOR,
                name=user.first_name,
                capacity=per_mentor,
                person=Person(user.id, user.first_name, "en"),
            )
            mentor_ids.append(enrolled.member_id)
        for n, user in enumerate(writers + listeners):
            student = await a_member(
                session,
                clock.now(),
                programme,
                Role.STUDENT,
                name=user.first_name,
                person=Person(user.id, user.first_name, "en"),
            )
            if n < len(writers):
                await pair(
                    session,
                    now=clock.now(),
                    programme=programme,
                    student_id=student.member_id,
                    mentor_id=mentor_ids[n // per_mentor],
                    actor="test",
                )
                mentor_of[user.id] = mentors[n // per_mentor]
    return Cast(writers, listeners, mentors, mentor_of)


class Student:
    """One writer: /checkin, a mood, a few words, Share; again and again until told to stop."""

    def __init__(self, sandbox: SandboxServer, user: SandboxUser, index: int, tally: Tally):
        self._state = sandbox.state
        self._user = user
        self._index = index
        self._tally = tally
        self.stop = asyncio.Event()
        self.entries = 0

    async def run(self) -> None:
        rng = random.Random(self._index)
        while not self.stop.is_set():
            await self._one_entry()
            self.entries += 1
            await asyncio.sleep(rng.uniform(*THINKING))  # a person, not a script

    async def _one_entry(self) -> None:
        marker = f"storm-entry-{self._index}-{self.entries}"
        question = await self._step(
            lambda: self._state.user_sends_text(self._user.id, "/checkin"),
            lambda m: "How are you doing" in m["text"] and m["inline_keyboard"],
        )
        mood = next(  # the fourth mood, of this question or of a prompt that came first
            button["callback_data"]
            for row in question["inline_keyboard"]
            for button in row
            if button.get("callback_data", "").startswith("ci:m:")
            and button["callback_data"].endswith(":4")
        )
        await self._step(
            lambda: self._press(question, mood),
            lambda m: "write a few lines" in m["text"],
        )
        share = await self._step(
            lambda: self._state.user_sends_text(self._user.id, f"Words of {marker}"),
            lambda m: "Would you like to share" in m["text"] and m["inline_keyboard"],
        )
        data = next(
            button["callback_data"]
            for row in share["inline_keyboard"]
            for button in row
            if button["text"].startswith("Share with")
        )
        answer = await self._step(
            lambda: self._press(share, data),
            lambda m: "Shared with" in m["text"] or "nothing changed" in m["text"],
        )
        if "nothing changed" in answer["text"]:
            self._tally.told_nothing_changed += 1
        self._tally.confirmed[marker] = time.monotonic()

    def _press(self, message: dict[str, Any], data: str) -> None:
        self._state.user_presses_button(self._user.id, message["message_id"], data)

    async def _step(self, act: Any, answered: Any) -> dict[str, Any]:
        """Act, then wait for the answer; act again after PATIENCE without one. An answer
        to any of the tries will do: a late one may come just as the person tries again."""
        seen = self._last_seq()
        while True:
            self._tally.acts.setdefault(self._user.id, []).append(self._last_message_id())
            # A ValueError: the button is gone. The bot took the first press (and the
            # buttons away) but its answer has not come yet, as when a handler's reply
            # waited out a flood limit and the update is posted again. As in Telegram, a
            # person cannot press it again; they wait on.
            with contextlib.suppress(ValueError):
                act()
            deadline = time.monotonic() + PATIENCE
            while time.monotonic() < deadline:
                for message in self._state.messages(self._user.id, after_seq=seen):
                    if message["sender"] == "bot" and answered(message):
                        return message
                await asyncio.sleep(0.1)
            self._tally.repeats += 1

    @property
    def user(self) -> SandboxUser:
        return self._user

    def _last_message_id(self) -> int:
        messages = self._state.messages(self._user.id)
        return max((m["message_id"] for m in messages), default=0)

    def _last_seq(self) -> int:
        messages = self._state.messages(self._user.id)
        return max((m["seq"] for m in messages), default=0)


async def watch_mentors(sandbox: SandboxServer, cast: Cast, tally: Tally) -> None:
    """Note when each shared entry first reaches its mentor."""
    seen = dict.fromkeys((mentor.id for mentor in cast.mentors), 0)
    while True:
        for mentor in cast.mentors:
            for message in sandbox.state.messages(mentor.id, after_seq=seen[mentor.id]):
                seen[mentor.id] = max(seen[mentor.id], message["seq"])
                if message["sender"] == "bot" and (found := MARKER.search(message["text"])):
                    tally.arrived.setdefault(found.group(), time.monotonic())
        await asyncio.sleep(0.1)


def prompt_send(environment: dict[str, str], programme: str = PROGRAMME) -> None:
    """`frizon prompt send`, as a coordinator runs it beside the bot."""
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "prompt", "send", programme],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=60,
    )


@dataclass
class Report:
    kills: int
    seed: int
    confirmed: int
    recorded: int
    lost: int  # confirmed, but no entry in the database
    doubled: int  # one person's words in two entries
    never_arrived: int  # confirmed as shared, never reached the mentor (nor given up)
    entry_copies: Counter[int]  # copies a mentor received -> how many shared entries
    not_arrived_in_doubt: int
    prompt_copies: Counter[int]  # copies a student received -> how many prompts
    in_flight_at_kills: int  # the bot's own count of parts re-sent after a kill
    timed_out_sends: int  # the sender's count of sends that timed out and went again
    given_up: int  # parts interrupted twice, failed in doubt
    latency_median: float
    latency_max: float
    told_nothing_changed: int
    repeats: int
    answers_twice: int  # the same answer again before the writer's next act (a time-out)
    seconds: float
    # Counted from each writer's /mydata document, beside the database's count above.
    in_own_data: int  # confirmed check-ins that /mydata shows
    own_data_disagrees: int  # check-ins /mydata shows a different number of times
    faults: str  # the line about the Bot API's faults

    @property
    def extra_copies(self) -> int:
        """Copies beyond the first, of shared entries and prompts together."""
        both = [*self.entry_copies.items(), *self.prompt_copies.items()]
        return sum((copies - 1) * count for copies, count in both)

    @property
    def copies_allowed(self) -> int:
        """Extra copies the at-least-once bound allows: a part in flight at a kill, a send
        that timed out (it may have arrived; it goes again)."""
        return self.in_flight_at_kills + self.timed_out_sends

    def lines(self, backend: str) -> list[str]:
        return [
            f"storm on {backend}: {self.kills} SIGKILLs in {self.seconds:.0f} s "
            f"(FRIZON_STORM_SEED={self.seed})",
            f"  check-ins confirmed {self.confirmed}, recorded {self.recorded}, "
            f"lost {self.lost}, doubled {self.doubled}; shared but never arrived "
            f"{self.never_arrived}",
            f"  shared entries by copies the mentor received: {_table(self.entry_copies)}"
            f" (in doubt, not arrived: {self.not_arrived_in_doubt})",
            f"  prompts by copies the student received: {_table(self.prompt_copies)}",
            f"  extra copies {self.extra_copies}; parts in flight at the kills "
            f"(the bot's count) {self.in_flight_at_kills}; sends timed out and sent again "
            f"{self.timed_out_sends}; given up in doubt {self.given_up}",
            self.faults,
            f"  from the writers' /mydata: confirmed check-ins shown {self.in_own_data} "
            f"of {self.confirmed}; disagreeing with the database {self.own_data_disagrees}",
            f"  shared entry reached its mentor after: median {self.latency_median:.1f} s, "
            f"max {self.latency_max:.1f} s",
            f"  steps repeated for want of an answer {self.repeats}; "
            f"retried steps told 'nothing changed' {self.told_nothing_changed}; "
            f"answers repeated since the writer's last act {self.answers_twice}",
        ]


def _table(counts: Counter[int]) -> str:
    return ", ".join(f"{count} x{copies}" for copies, count in sorted(counts.items())) or "none"


def _answers_twice(messages: list[dict[str, Any]], acts: list[int]) -> int:
    """Bot messages repeating an earlier one since the person last acted (`acts`: the
    chat's last message id at each act)."""
    twice = 0
    said: set[str] = set()
    boundaries = sorted(acts)
    for message in sorted(messages, key=lambda m: m["message_id"]):
        if boundaries and boundaries[0] < message["message_id"]:
            said.clear()  # the person acted since: a new answer is due
            boundaries = [b for b in boundaries if b >= message["message_id"]]
        if message["sender"] != "bot":
            continue
        if message["text"] in said:
            twice += 1
        else:
            said.add(message["text"])
    return twice


async def writing_ends(
    sandbox: SandboxServer, students: list[Student], writing: list[asyncio.Task[None]]
) -> None:
    """Tell the writers to stop and wait for their last entries; a writer still waiting
    for an answer three minutes on fails the storm with the end of their chat."""
    for student in students:
        student.stop.set()
    _, pending = await asyncio.wait(writing, timeout=180)
    stuck = [student for student, task in zip(students, writing, strict=True) if task in pending]
    if stuck:
        chats = [
            f"{s.user.first_name}:\n"
            + "\n".join(sandbox.state.transcript(s.user.id).split("\n")[-12:])
            for s in stuck
        ]
        raise AssertionError("writers still waiting for an answer:\n" + "\n".join(chats))
    for task in writing:
        task.result()  # a writer's own failure, if any


async def own_data_of(sandbox: SandboxServer, writers: list[SandboxUser]) -> Counter[str]:
    """Each writer sends /mydata; the entries its document holds, by marker, over all."""
    counts: Counter[str] = Counter()
    documents = await asyncio.gather(*(_own_data(sandbox, user) for user in writers))
    for document in documents:
        for entry in document["checkins"]:
            for found in set(MARKER.findall(entry["reflection"] or "")):
                counts[f"storm-entry-{found[0]}-{found[1]}"] += 1
    return counts


async def _own_data(sandbox: SandboxServer, user: SandboxUser) -> dict[str, Any]:
    state = sandbox.state
    seen = max((m["seq"] for m in state.messages(user.id)), default=0)
    state.user_sends_text(user.id, "/mydata")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for message in state.messages(user.id, after_seq=seen):
            if message["sender"] == "bot" and message["media"] == "document":
                content = state.file_content(message["file_id"])
                assert content is not None, "the /mydata document has no content"
                data: dict[str, Any] = json.loads(content)
                return data
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no /mydata document for {user.first_name}")


async def quiet_outbox(sessionmaker: async_sessionmaker[AsyncSession], within: float) -> None:
    """Until nothing is pending in the outbox."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with sessionmaker() as session:
            pending = await session.scalar(
                select(Delivery.id).where(Delivery.status == DeliveryStatus.PENDING).limit(1)
            )
        if pending is None:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("the outbox did not empty")


async def storm(
    *,
    sandbox: SandboxServer,
    bot: BotProcess,
    sessionmaker: async_sessionmaker[AsyncSession],
    environment: dict[str, str],
    cipher: ReflectionCipher,
    config: StormConfig,
) -> Report:
    rng = random.Random(config.seed)
    cast = await cast_of(sessionmaker, sandbox, config)
    tally = Tally()
    students = [Student(sandbox, user, n, tally) for n, user in enumerate(cast.writers)]
    began = time.monotonic()
    bot.start()
    watching = asyncio.create_task(watch_mentors(sandbox, cast, tally))
    writing = [asyncio.create_task(student.run()) for student in students]
    faulting = faults_task(sandbox.state.faults, rng, config)
    send_at = sorted(rng.sample(range(config.kills), min(config.prompt_sends, config.kills)))
    try:
        for kill in range(config.kills):
            if kill in send_at:
                await asyncio.to_thread(prompt_send, environment)
            # Sometimes still starting, mostly mid-send: a restart takes about 1.5 s.
            await asyncio.sleep(rng.uniform(*config.uptime))
            bot.kill()
            bot.start()
        await writing_ends(sandbox, students, writing)
        await calm(sandbox.state.faults, faulting)
        await quiet_outbox(sessionmaker, within=180)
        await asyncio.sleep(1.5)  # a last copy on its way would show up by now
        seconds = time.monotonic() - began
        own_data = await own_data_of(sandbox, cast.writers)
    finally:
        for task in (*writing, watching, faulting):
            task.cancel()
        await asyncio.gather(*writing, watching, faulting, return_exceptions=True)
        bot.stop()
    return await count(
        sandbox,
        sessionmaker,
        cipher,
        cast,
        tally,
        Witnesses(bot.log_text(), own_data, sandbox.state.faults),
        bot.kills,
        config.seed,
        seconds,
    )


def faults_task(faults: Faults, rng: random.Random, config: StormConfig) -> asyncio.Task[None]:
    """Bursts of Bot API faults through the storm, if the storm has them."""
    every = config.faults_every
    if every is None:
        return asyncio.create_task(asyncio.sleep(0))
    return asyncio.create_task(inject_faults(faults, random.Random(rng.random()), every))


async def calm(faults: Faults, faulting: asyncio.Task[None]) -> None:
    """The bad moments end: no more bursts, and the last one's leftovers dropped."""
    faulting.cancel()
    await asyncio.gather(faulting, return_exceptions=True)
    faults.clear()


@dataclass
class Witnesses:
    """What the storm counts besides the database and the chats."""

    log: str  # the bots' logs
    own_data: Counter[str]  # marker -> entries shown in the writers' /mydata
    faults: Faults  # the sandbox's, with the count of those fired


async def count(
    sandbox: SandboxServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    cipher: ReflectionCipher,
    cast: Cast,
    tally: Tally,
    witnesses: Witnesses,
    kills: int,
    seed: int,
    seconds: float,
) -> Report:
    """The storm's figures, from the outside: the database, the chats, the bots' logs,
    and what each writer's /mydata shows."""
    log, own_data = witnesses.log, witnesses.own_data
    async with sessionmaker() as session:
        entries = (await session.scalars(select(CheckIn))).all()
        prompts = (
            await session.scalars(select(Delivery).where(Delivery.purpose == Purpose.PROMPT))
        ).all()
        shared = (
            await session.scalars(select(Delivery).where(Delivery.purpose == Purpose.SHARED_ENTRY))
        ).all()
    rows_per_marker: Counter[str] = Counter()
    marker_of_entry: dict[int, str] = {}
    for entry in entries:
        for found in set(
            MARKER.findall(read_reflection(cipher, entry) if entry.reflection else "")
        ):
            marker = f"storm-entry-{found[0]}-{found[1]}"
            rows_per_marker[marker] += 1
            marker_of_entry[entry.id] = marker
    # Copies each mentor received of each shared entry, counted in the mentor's chat.
    copies: Counter[str] = Counter()
    for mentor in cast.mentors:
        for message in sandbox.state.messages(mentor.id):
            if message["sender"] == "bot" and (found := MARKER.search(message["text"])):
                copies[found.group()] += 1
    in_doubt = {
        marker_of_entry.get(d.subject_id or 0)
        for d in shared
        if d.status == DeliveryStatus.FAILED and d.reason and d.reason.startswith("in doubt")
    }
    not_arrived_in_doubt = sum(1 for m in tally.confirmed if m not in copies and m in in_doubt)
    entry_copies: Counter[int] = Counter(
        copies[marker] for marker in tally.confirmed if marker in copies
    )
    # Copies each student received of each prompt: its mood buttons name the delivery.
    prompt_ids = {d.id for d in prompts}
    prompt_copies: Counter[int] = Counter()
    for user in cast.writers + cast.listeners:
        received: Counter[int] = Counter()
        for message in sandbox.state.messages(user.id):
            for row in message["inline_keyboard"] or []:
                data = row[0].get("callback_data", "") if row else ""
                parts = data.split(":")
                if len(parts) == 4 and parts[:2] == ["ci", "m"] and int(parts[2]) in prompt_ids:
                    received[int(parts[2])] += 1
        prompt_copies.update(received.values())
    answers_twice = sum(
        _answers_twice(sandbox.state.messages(user.id), tally.acts.get(user.id, []))
        for user in cast.writers
    )
    latencies = [
        tally.arrived[marker] - when
        for marker, when in tally.confirmed.items()
        if marker in tally.arrived
    ]
    return Report(
        kills=kills,
        seed=seed,
        confirmed=len(tally.confirmed),
        recorded=sum(1 for m in tally.confirmed if rows_per_marker[m] >= 1),
        lost=sum(1 for m in tally.confirmed if rows_per_marker[m] == 0),
        never_arrived=sum(1 for m in tally.confirmed if m not in copies and m not in in_doubt),
        doubled=sum(1 for count in rows_per_marker.values() if count > 1),
        entry_copies=entry_copies,
        not_arrived_in_doubt=not_arrived_in_doubt,
        prompt_copies=prompt_copies,
        in_flight_at_kills=sum(int(n) for n in IN_FLIGHT.findall(log)),
        timed_out_sends=len(TIMED_OUT_SEND.findall(log)),
        given_up=log.count("(in doubt: interrupted twice while sending)"),
        latency_median=statistics.median(latencies) if latencies else 0.0,
        latency_max=max(latencies, default=0.0),
        told_nothing_changed=tally.told_nothing_changed,
        repeats=tally.repeats,
        answers_twice=answers_twice,
        seconds=seconds,
        in_own_data=sum(1 for m in tally.confirmed if own_data[m] >= 1),
        own_data_disagrees=sum(
            1 for m in set(own_data) | set(rows_per_marker) if own_data[m] != rows_per_marker[m]
        ),
        faults=describe(witnesses.faults),
    )
