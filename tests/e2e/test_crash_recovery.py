"""Nothing lost: the bot is killed (SIGKILL) while updates are in flight, restarted, and
every check-in is recorded exactly once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import SystemClock
from bot.core.crypto import ReflectionCipher
from bot.sandbox import SandboxServer, SandboxUser
from bot.services.checkins import read_reflection
from bot.services.enrolment import enrol
from bot.services.invites import issue_invites
from bot.services.members import Person
from bot.services.programmes import create_programme
from db.models import CheckIn, Role
from tests.e2e.bot_process import (
    KEY,
    BotProcess,
    wait_for,
)

STUDENTS = 24


async def enrolled_students(
    sessionmaker: async_sessionmaker[AsyncSession], sandbox: SandboxServer
) -> list[SandboxUser]:
    clock = SystemClock()
    users = [sandbox.state.add_user(f"Student{n:02d}") for n in range(STUDENTS)]
    async with sessionmaker() as session, session.begin():
        programme = await create_programme(
            session, now=clock.now(), name="Crash test", timezone="Europe/Stockholm", actor="test"
        )
        for user in users:
            (invite,) = await issue_invites(
                session,
                now=clock.now(),
                programme=programme,
                role=Role.STUDENT,
                actor="test",
                expires_in=timedelta(days=1),
            )
            await enrol(
                session,
                now=clock.now(),
                token=invite.token,
                person=Person(user.id, user.first_name, "en"),
                mentor_capacity=3,
            )
    return users


def replies(sandbox: SandboxServer, user: SandboxUser, text: str) -> int:
    return sum(
        1 for m in sandbox.state.messages(user.id) if m["sender"] == "bot" and text in m["text"]
    )


async def test_a_killed_bot_loses_no_check_in_and_records_none_twice(
    sandbox: SandboxServer,
    bot_process: BotProcess,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    students = await enrolled_students(sessionmaker, sandbox)
    bot_process.start()
    for student in students:
        sandbox.state.user_sends_text(student.id, "/checkin")
    await wait_for(
        lambda: all(replies(sandbox, s, "How are you doing") for s in students),
        60,
        "every student got the mood buttons",
    )

    # Every student taps a mood and writes, all at once: 2 x STUDENTS updates queued.
    for student in students:
        question = next(
            m for m in sandbox.state.messages(student.id) if "How are you doing" in m["text"]
        )
        sandbox.state.user_presses_button(student.id, question["message_id"], "ci:m:0:3")
        sandbox.state.user_sends_text(student.id, f"Words of {student.first_name}")
    await wait_for(
        lambda: sum(replies(sandbox, s, "write a few lines") for s in students) >= 3,
        30,
        "the bot started on the batch",
    )
    bot_process.kill()
    handled_before_the_crash = sum(replies(sandbox, s, "Saved") for s in students)
    bot_process.start()
    await wait_for(
        lambda: all(replies(sandbox, s, "Saved") for s in students),
        60,
        "every student's words were answered after the restart",
        explain=bot_process.log_tail,
    )

    cipher = ReflectionCipher(KEY)
    async with sessionmaker() as session:
        entries = (await session.scalars(select(CheckIn))).all()
    assert handled_before_the_crash < STUDENTS  # the kill really hit the batch mid-way
    assert len(entries) == STUDENTS
    by_member = {}
    for entry in entries:
        assert entry.reflection is not None
        by_member[entry.member_id] = read_reflection(cipher, entry)
    assert len(by_member) == STUDENTS
    assert all(
        text.startswith("Words of Student") and text.count("Words of") == 1
        for text in by_member.values()
    )
