"""Nothing doubled: the bot is killed (SIGKILL) while the outbox is sending, restarted,
and only what was in flight at the kill may arrive a second time."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import SystemClock
from bot.core.crypto import ReflectionCipher
from bot.sandbox import SandboxServer, SandboxUser
from bot.services.checkins import add_text, finish, start_checkin
from bot.services.members import Person
from bot.services.pairing import pair
from db.models import Delivery, DeliveryStatus, Role
from tests.e2e.bot_process import (
    KEY,
    BotProcess,
    wait_for,
)
from tests.e2e.storm import IN_FLIGHT, prompt_send
from tests.factories import a_member, a_programme

ENTRY = re.compile(r"Entry \d of Student\d")


async def a_mentor_with_shared_entries(
    sessionmaker: async_sessionmaker[AsyncSession], sandbox: SandboxServer
) -> SandboxUser:
    """A mentor with three students who shared two entries each, all waiting to go out."""
    clock, cipher = SystemClock(), ReflectionCipher(KEY)
    # Enrolled straight in the database: in life they pressed Start with their invite.
    mentor_user = sandbox.state.add_user("Lars", started=True)
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        mentor = await a_member(
            session,
            clock.now(),
            programme,
            Role.MENTOR,
            name="Lars",
            capacity=3,
            person=Person(mentor_user.id, "Lars", "en"),
        )
        for n in range(3):
            user = sandbox.state.add_user(f"Student{n}", started=True)
            student = await a_member(
                session,
                clock.now(),
                programme,
                Role.STUDENT,
                name=f"Student{n}",
                person=Person(user.id, f"Student{n}", "en"),
            )
            await pair(
                session,
                now=clock.now(),
                programme=programme,
                student_id=student.member_id,
                mentor_id=mentor.member_id,
                actor="test",
            )
            for entry in range(2):
                started = await start_checkin(
                    session, now=clock.now(), member_id=student.member_id, mood=4, delivery_id=None
                )
                await add_text(
                    session,
                    member_id=student.member_id,
                    message_id=entry + 1,
                    text=f"Entry {entry} of Student{n}",
                    cipher=cipher,
                    now=clock.now(),
                )
                await finish(
                    session,
                    now=clock.now(),
                    member_id=student.member_id,
                    checkin_id=started.checkin_id,
                    share=True,
                )
    return mentor_user


async def wait_for_outbox(
    sessionmaker: async_sessionmaker[AsyncSession], purpose: str, bot: BotProcess
) -> None:
    """Until every delivery of the purpose is sent: later copies would show up by then."""
    for _ in range(6000):
        async with sessionmaker() as session:
            statuses = set(
                await session.scalars(select(Delivery.status).where(Delivery.purpose == purpose))
            )
        if statuses == {DeliveryStatus.SENT}:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"{purpose} deliveries still {statuses}\n{bot.log_tail()}")


def copies(sandbox: SandboxServer, mentor: SandboxUser) -> Counter[str]:
    return Counter(
        found.group()
        for m in sandbox.state.messages(mentor.id)
        if m["sender"] == "bot" and (found := ENTRY.search(m["text"]))
    )


async def test_a_kill_while_sending_to_one_mentor_resends_at_most_the_entry_in_flight(
    sandbox: SandboxServer,
    bot_process: BotProcess,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    mentor = await a_mentor_with_shared_entries(sessionmaker, sandbox)

    bot_process.start()
    await wait_for(
        lambda: len(copies(sandbox, mentor)) >= 3,
        60,
        "three shared entries reached the mentor",
        bot_process.log_tail,
    )
    bot_process.kill()
    before_the_kill = copies(sandbox, mentor)
    bot_process.start()
    await wait_for(
        lambda: len(copies(sandbox, mentor)) == 6,
        60,
        "all six shared entries reached the mentor after the restart",
        bot_process.log_tail,
    )
    await wait_for_outbox(sessionmaker, "shared_entry", bot_process)

    received = copies(sandbox, mentor)
    extra = sum(received.values()) - len(received)
    assert sum(before_the_kill.values()) >= 3  # the kill really came mid-way
    # One message a second to the mentor's chat: at most one was in flight at the kill.
    assert extra <= 1, received
    assert max(received.values()) <= 2


def prompts_received(sandbox: SandboxServer, students: list[SandboxUser]) -> Counter[int]:
    """Copies of each prompt in each student's chat, by the delivery its buttons name."""
    copies: Counter[int] = Counter()
    for student in students:
        for message in sandbox.state.messages(student.id):
            keyboard = message["inline_keyboard"] or [[{}]]
            data = keyboard[0][0].get("callback_data", "")
            if data.startswith("ci:m:") and data.split(":")[2] != "0":
                copies[int(data.split(":")[2])] += 1
    return copies


async def test_kills_during_a_prompt_send_to_fifty_students_send_each_prompt_at_most_twice(
    sandbox: SandboxServer,
    bot_process: BotProcess,
    environment: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    clock = SystemClock()
    # Enrolled straight in the database: in life they pressed Start with their invite.
    students = [sandbox.state.add_user(f"Student{n}", started=True) for n in range(50)]
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now(), name="Kills")
        for user in students:
            await a_member(
                session,
                clock.now(),
                programme,
                Role.STUDENT,
                name=user.first_name,
                person=Person(user.id, user.first_name, "en"),
            )
    prompt_send(environment, "Kills")

    bot_process.start()
    for arrived in (10, 25, 40):  # three kills while the prompts are going out
        await wait_for(
            partial(lambda n: len(prompts_received(sandbox, students)) >= n, arrived),
            60,
            f"{arrived} prompts went out",
            bot_process.log_tail,
        )
        bot_process.kill()
        bot_process.start()
    await wait_for_outbox(sessionmaker, "prompt", bot_process)
    await asyncio.sleep(1)  # a last copy on its way would show up by now

    received = prompts_received(sandbox, students)
    in_flight = sum(int(n) for n in IN_FLIGHT.findall(bot_process.log_text()))
    assert len(received) == 50
    assert max(received.values()) <= 2, received
    assert sum(received.values()) - 50 <= in_flight
