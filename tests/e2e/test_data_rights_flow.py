"""Data rights through the real bot: /mydata sends a member their own data as a file,
/forget erases it after a confirmation (the mentor is told the pair ended), and /consent
lets a student opt in and out of research use."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, text

from bot.sandbox import SandboxUser
from db.base import Base
from db.models import AuditEvent, Member, Membership, Pair, PairStatus, Programme, Role
from tests.e2e.harness import RunningBot

WORDS = "Hard night shift; I cried in the sluice room, then laughed with the nurses."


async def a_pair_with_coordinator(
    bot: RunningBot,
) -> tuple[Programme, SandboxUser, SandboxUser, SandboxUser]:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    await bot.pair(programme, ana, lars)
    return programme, ana, lars, maja


async def writes_privately(bot: RunningBot, student: SandboxUser, words: str) -> None:
    bot.says(student, "/checkin")
    await bot.presses(student, await bot.hears(student, "How are you doing"), "Low")
    bot.says(student, words)
    await bot.presses(student, await bot.hears(student, "share this entry"), "Keep private")
    await bot.hears(student, "Kept just for you")


async def all_values(bot: RunningBot, *, but: str = "") -> list[Any]:
    async with bot.sessionmaker() as session:
        found: list[Any] = []
        for table in Base.metadata.sorted_tables:
            if table.name == but:
                continue
            for row in (await session.execute(text(f"SELECT * FROM {table.name}"))).all():
                found.extend(row)
        return found


async def test_mydata_sends_the_student_a_file_with_their_own_entries(bot: RunningBot) -> None:
    _, ana, lars = await bot.ana_and_lars()
    await writes_privately(bot, ana, WORDS)

    bot.says(ana, "/mydata")
    sent = await bot.hears(ana, "everything frizon keeps about you")

    assert sent["media"] == "document" and sent["file_name"].startswith("frizon-my-data-")
    content = bot.sandbox.state.file_content(sent["file_id"])
    assert content is not None
    data = json.loads(content)
    assert data["profile"]["name"] == "Ana" and data["profile"]["telegram_user_id"] == ana.id
    assert [entry["reflection"] for entry in data["checkins"]] == [WORDS]
    assert [p["partner"] for p in data["pairs"]] == ["Lars"]
    assert not [m for m in bot.sandbox.state.messages(lars.id) if m["media"] == "document"]


async def test_forget_cancelled_changes_nothing(bot: RunningBot) -> None:
    _, ana, _, _ = await a_pair_with_coordinator(bot)
    await writes_privately(bot, ana, WORDS)
    before = await all_values(bot, but="processed_update")  # updates are counted, of course

    bot.says(ana, "/forget")
    confirm = await bot.hears(ana, "Erase your data?")
    assert "cannot be undone" in confirm["text"] and "your pair with Lars" in confirm["text"]
    await bot.presses(ana, confirm, "Cancel")
    await bot.hears(ana, "Nothing was erased")

    assert await all_values(bot, but="processed_update") == before
    bot.says(ana, "/mydata")
    await bot.hears(ana, "everything frizon keeps about you")


async def test_forget_confirmed_erases_and_the_mentor_and_coordinator_are_told(
    bot: RunningBot,
) -> None:
    _, ana, lars, maja = await a_pair_with_coordinator(bot)
    await writes_privately(bot, ana, WORDS)

    bot.says(ana, "/forget")
    await bot.presses(ana, await bot.hears(ana, "Erase your data?"), "Erase my data")

    await bot.hears(ana, "I no longer know who you are")
    assert bot.sandbox.state.reply_keyboard(ana.id) is None  # the standing buttons are gone
    assert [c["command"] for c in bot.sandbox.state.commands_for(ana.id)] == [
        "start",
        "help",
        "privacy",
    ]
    told = await bot.hears(lars, "no longer paired")
    assert "Ana" not in told["text"]  # the name is gone, even from this notice
    assert "a former member who asked for their data to be erased" in told["text"]
    await bot.hears(maja, "has ended")
    values = await all_values(bot)
    assert not [v for v in values if isinstance(v, str) and "sluice" in v]
    assert ana.id not in values and str(ana.id) not in repr(values)
    async with bot.sessionmaker() as session:
        names = (await session.scalars(select(Member.display_name))).all()
        pair = await session.scalar(select(Pair))
        event = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "erasure"))
    assert "Ana" not in names and pair is not None and pair.status == PairStatus.ENDED
    assert event is not None and event.details["reflections_erased"] == 1

    bot.says(ana, "/mydata")  # a stranger now
    await bot.hears(ana, "Open the invite link")


async def test_forget_buttons_of_someone_else_do_nothing(bot: RunningBot) -> None:
    programme, ana, _ = await bot.ana_and_lars()
    eve = await bot.enrolled(programme, Role.STUDENT, "Eve")
    async with bot.sessionmaker() as session:
        ana_id = await session.scalar(select(Member.id).where(Member.telegram_user_id == ana.id))
    bot.says(eve, "/help")
    helped = await bot.hears(eve, "/privacy")

    bot.sandbox.state.user_sends_callback_data(eve.id, helped["message_id"], f"dr:f:{ana_id}")

    await bot.hears(eve, "no longer valid")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Member.display_name).where(Member.id == ana_id)) == "Ana"


async def test_a_student_opts_in_and_out_of_research_use(bot: RunningBot) -> None:
    _, ana, _ = await bot.ana_and_lars()

    bot.says(ana, "/consent")
    shown = await bot.hears(ana, "Research use of your entries")
    assert "Right now: not opted in" in shown["text"] and "never your name" in shown["text"].lower()
    assert labels(shown) == ["Opt in"]  # only the choice that changes something
    await bot.presses(ana, shown, "Opt in")
    opted_in = await bot.hears(ana, "you are opted in")
    assert "Right now: opted in" in opted_in["text"]
    assert labels(opted_in) == ["Opt out"]
    assert await consenting(bot) == [True]
    bot.says(ana, "/consent")
    assert labels(await bot.hears(ana, "Right now: opted in")) == ["Opt out"]

    await bot.presses(ana, opted_in, "Opt out")
    opted_out = await bot.hears(ana, "You are opted out")
    assert labels(opted_out) == ["Opt in"]
    assert await consenting(bot) == [False]
    async with bot.sessionmaker() as session:
        kinds = (
            await session.scalars(
                select(AuditEvent.details).where(AuditEvent.kind == "research_consent")
            )
        ).all()
    assert [details["consenting"] for details in kinds] == [True, False]


async def test_consent_is_for_students(bot: RunningBot) -> None:
    _, _, lars = await bot.ana_and_lars()
    bot.says(lars, "/consent")
    await bot.hears(lars, "Research consent is for students")


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def consenting(bot: RunningBot) -> list[bool]:
    async with bot.sessionmaker() as session:
        return list(
            (
                await session.scalars(
                    select(Membership.research_consent).where(Membership.role == Role.STUDENT)
                )
            ).all()
        )
