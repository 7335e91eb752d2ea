"""Key rotation with the bot running: `frizon run` (a real process) restarted on a new key
re-encrypts the old key's check-ins in the background, is killed (SIGKILL) in the middle
of it and picks up again; twice over, after which the last key alone reads every
reflection exactly. And losing every key: the reflections are gone, doctor says so, and
everything else goes on."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import SystemClock
from bot.core.crypto import ReflectionCipher, checkin_binding, checkin_voice_binding, new_key
from bot.sandbox import SandboxServer, SandboxUser
from bot.services.checkins import read_reflection, read_voice_notes
from bot.services.enrolment import enrol
from bot.services.invites import issue_invites
from bot.services.key_canary import KeyFit, keep_canary, key_fit
from bot.services.key_rotation import KeyCensus, key_census
from bot.services.members import Person
from bot.services.pairing import pair
from bot.services.programmes import create_programme
from db.models import CheckIn, CheckInStatus, KeyCanary, Programme, Role
from tests.e2e.bot_process import TOKEN, BotProcess, bot_environment, wait_for
from tests.test_cli import Cli

ENTRIES = 40  # enough batches of BATCH for a kill to land among them
BATCH = 4
PROGRAMME = "Rotation"
# Each test starts `frizon run` several times: on SQLite in `make test`, on PostgreSQL as
# well under `make crash` (the re-encryption itself is tested on both in
# tests/services/test_key_rotation.py).
ONE_DATABASE_IN_CI = pytest.mark.parametrize(
    "database_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.crash_only)],
    indirect=True,
)


async def a_programme(session: AsyncSession) -> Programme:
    return await create_programme(
        session, now=SystemClock().now(), name=PROGRAMME, timezone="Europe/Stockholm", actor="t"
    )


async def enrolled(
    session: AsyncSession, programme: Programme, user: SandboxUser, role: Role
) -> int:
    now = SystemClock().now()
    (invite,) = await issue_invites(
        session, now=now, programme=programme, role=role, actor="t", expires_in=timedelta(days=1)
    )
    enrolment = await enrol(
        session,
        now=now,
        token=invite.token,
        person=Person(user.id, user.first_name, "en"),
        mentor_capacity=3,
    )
    return enrolment.member_id


async def written_entries(
    session: AsyncSession, programme: Programme, member_id: int, key: str
) -> dict[int, tuple[str, list[str]]]:
    """ENTRIES check-ins written with `key`: words, and on every other one voice notes."""
    cipher, now, written = ReflectionCipher(key), SystemClock().now(), {}
    for n in range(ENTRIES):
        entry = CheckIn(
            programme_id=programme.id,
            member_id=member_id,
            mood=1 + n % 5,
            status=CheckInStatus.DONE,
            created_at=now,
            completed_at=now,
        )
        session.add(entry)
        await session.flush()
        words = f"Entry {n}: åäö, “quotes” and a newline\nsecond line"
        voices = [f"AwACAgIAAxkBAAI{n}a", f"AwACAgIAAxkBAAI{n}b"] if n % 2 else []
        entry.reflection = cipher.encrypt(words, bound_to=checkin_binding(entry.id))
        if voices:
            notes = json.dumps(voices)
            entry.voice_notes = cipher.encrypt(notes, bound_to=checkin_voice_binding(entry.id))
        written[entry.id] = (words, voices)
    return written


def on_keys(
    workdir: Path, sandbox: SandboxServer, database_url: str, key: str, old: list[str]
) -> dict[str, str]:
    """The environment of `frizon run` and the CLI: these keys, small batches, and
    statistics about one student shown."""
    config = workdir / "frizon.toml"
    config.write_text(
        f"[security]\nreencrypt_batch = {BATCH}\nreencrypt_pause = 0.1\n"
        "[privacy]\nmin_group_size = 1\n"
    )
    environment = bot_environment(
        token=TOKEN, base_url=sandbox.bot_api_base_url, database_url=database_url, key=key
    )
    environment["FRIZON_REFLECTION_OLD_KEYS"] = ",".join(old)
    environment["FRIZON_CONFIG"] = str(config)
    return environment


def cli_on(workdir: Path, environment: dict[str, str]) -> Cli:
    cli = Cli(workdir)
    cli.env.update(environment)
    return cli


async def census(
    sessionmaker: async_sessionmaker[AsyncSession], cipher: ReflectionCipher
) -> KeyCensus:
    async with sessionmaker() as session:
        return await key_census(session, cipher)


async def rotate_with_a_kill_midway(
    sessionmaker: async_sessionmaker[AsyncSession], bot: BotProcess, ring: ReflectionCipher
) -> KeyCensus:
    """Start the bot on the ring, kill it once re-encryption is part-way, start it again;
    the census at the kill."""
    counted = KeyCensus()

    def part_way() -> bool:
        return counted.current > 0 and counted.old > 0

    bot.start()
    loop_until = asyncio.get_running_loop().time() + 60
    while not part_way():
        assert asyncio.get_running_loop().time() < loop_until, bot.log_tail()
        counted = await census(sessionmaker, ring)
        await asyncio.sleep(0.02)
    bot.kill()
    at_kill = await census(sessionmaker, ring)
    bot.start()
    return at_kill


def replied(sandbox: SandboxServer, user: SandboxUser, text: str) -> bool:
    return any(m["sender"] == "bot" and text in m["text"] for m in sandbox.state.messages(user.id))


async def checks_in(sandbox: SandboxServer, bot: BotProcess, user: SandboxUser, words: str) -> None:
    """Through the running bot: /checkin, a mood, words, and the bot's "Saved"."""
    sandbox.state.user_sends_text(user.id, "/checkin")
    await wait_for(
        lambda: replied(sandbox, user, "How are you doing"), 60, "mood asked", bot.log_tail
    )
    question = next(m for m in sandbox.state.messages(user.id) if "How are you doing" in m["text"])
    sandbox.state.user_presses_button(user.id, question["message_id"], "ci:m:0:4")
    await wait_for(lambda: replied(sandbox, user, "write a few lines"), 30, "words asked")
    sandbox.state.user_sends_text(user.id, words)
    await wait_for(lambda: replied(sandbox, user, "Saved"), 30, "saved", bot.log_tail)


@ONE_DATABASE_IN_CI
async def test_two_rotations_with_a_kill_in_each_and_every_reflection_reads_back(
    sandbox: SandboxServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
) -> None:
    first, second, third = new_key(), new_key(), new_key()
    ana = sandbox.state.add_user("Ana")
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session)
        member_id = await enrolled(session, programme, ana, Role.STUDENT)
        written = await written_entries(session, programme, member_id, first)
        await keep_canary(session, ReflectionCipher(first), now=SystemClock().now())

    # The first rotation: new text is written with the second key meanwhile.
    second_ring = ReflectionCipher(second, [first])
    environment = on_keys(tmp_path, sandbox, database_url, second, [first])
    bot = BotProcess(tmp_path, environment)
    at_first_kill = await rotate_with_a_kill_midway(sessionmaker, bot, second_ring)
    await checks_in(sandbox, bot, ana, "Written while the old key's entries were re-encrypted")
    await wait_for_census(sessionmaker, second_ring, bot, current=ENTRIES + 1)
    bot.kill()

    # The second: the first key is gone from the configuration (doctor would say it can go).
    third_ring = ReflectionCipher(third, [second])
    bot = BotProcess(tmp_path, on_keys(tmp_path, sandbox, database_url, third, [second]))
    at_second_kill = await rotate_with_a_kill_midway(sessionmaker, bot, third_ring)
    await wait_for_census(sessionmaker, third_ring, bot, current=ENTRIES + 1)
    bot.stop()

    assert at_first_kill.current > 0 and at_first_kill.old > 0
    assert at_second_kill.current > 0 and at_second_kill.old > 0
    alone = ReflectionCipher(third)  # the last key alone reads everything
    async with sessionmaker() as session:
        entries = (await session.scalars(select(CheckIn).order_by(CheckIn.id))).all()
        canary = await key_fit(session, alone)
        assert await session.get(KeyCanary, 1) is not None
    read = {e.id: (read_reflection(alone, e), read_voice_notes(alone, e)) for e in entries}
    flow_entry = read.pop(max(read))
    assert read == written
    assert flow_entry == ("Written while the old key's entries were re-encrypted", [])
    assert canary is KeyFit.OPENS
    log = bot.log_text()
    for key in (first, second, third):
        assert key not in log
    assert "Entry 1:" not in log


async def wait_for_census(
    sessionmaker: async_sessionmaker[AsyncSession],
    ring: ReflectionCipher,
    bot: BotProcess,
    *,
    current: int,
) -> None:
    expected = KeyCensus(current=current, old=0, unreadable=0)
    deadline = asyncio.get_running_loop().time() + 60
    while (found := await census(sessionmaker, ring)) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"{found}\n{bot.log_tail()}"
        await asyncio.sleep(0.05)


@ONE_DATABASE_IN_CI
async def test_every_key_lost_the_reflections_are_gone_and_everything_else_goes_on(
    sandbox: SandboxServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
) -> None:
    lost, replacement = new_key(), new_key()
    ana, lars = sandbox.state.add_user("Ana"), sandbox.state.add_user("Lars")
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session)
        ana_id = await enrolled(session, programme, ana, Role.STUDENT)
        lars_id = await enrolled(session, programme, lars, Role.MENTOR)
        await written_entries(session, programme, ana_id, lost)
        await keep_canary(session, ReflectionCipher(lost), now=SystemClock().now())
    environment = on_keys(tmp_path, sandbox, database_url, replacement, [])
    bot, cli = BotProcess(tmp_path, environment), cli_on(tmp_path, environment)

    async def canary() -> bytes:
        async with sessionmaker() as session:
            return (await session.get_one(KeyCanary, 1)).value

    lost_canary = await canary()
    refused = cli("key", "lost", ok=False)  # the warning; nothing changes without --yes
    canary_after_refusal = await canary()
    cli("key", "lost", "--yes")
    # doctor in a thread, beside the bot: both answer to this test's sandbox.
    doctor = asyncio.create_task(asyncio.to_thread(cli, "doctor", ok=False))
    bot.start()  # starts: the replacement key is this database's now
    await checks_in(sandbox, bot, ana, "After the loss")
    async with sessionmaker() as session, session.begin():
        await pair(
            session,
            now=SystemClock().now(),
            programme=programme,
            student_id=ana_id,
            mentor_id=lars_id,
            actor="test",
        )
    yesterday = (SystemClock().now() - timedelta(days=1)).date().isoformat()
    sandbox.state.user_sends_text(lars.id, f"/met {yesterday}")
    await wait_for(lambda: replied(sandbox, lars, f"met on {yesterday}"), 30, "meeting logged")
    stats = json.loads(cli("stats", PROGRAMME, "--format", "json").stdout)
    said = (await doctor).stdout.splitlines()
    bot.stop()

    assert refused.returncode == 2 and "nothing changed" in refused.stderr
    assert "cannot be read again by anyone" in refused.stdout
    assert canary_after_refusal == lost_canary
    assert "✓ the reflection key opens what this database holds" in said
    assert (
        f"✗ reflections no configured key can read: {ENTRIES} — their key is lost, and with "
        "it their text and voice notes, for good (unless it is found: add it to "
        "FRIZON_REFLECTION_OLD_KEYS); everything else — statistics, meetings, pairs — goes on"
    ) in said
    async with sessionmaker() as session:
        entries = (await session.scalars(select(CheckIn).order_by(CheckIn.id))).all()
        assert await key_census(session, ReflectionCipher(lost)) == KeyCensus(
            current=ENTRIES, old=0, unreadable=1
        )  # nothing was deleted: the lost key, were it found, reads them still
    assert read_reflection(ReflectionCipher(replacement), entries[-1]) == "After the loss"
    figures = stats["figures"]
    assert (figures["entries"], figures["active_pairs"]) == (ENTRIES + 1, 1), stats
