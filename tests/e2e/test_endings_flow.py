"""Either side ends a pair: a confirmation, then the other side and the coordinators are
told, the student gets a farewell prompt, and the pair's history stays."""

from __future__ import annotations

from sqlalchemy import select

from bot.sandbox import SandboxUser
from db.models import Meeting, Pair, PairStatus, Programme, Role
from tests.e2e.harness import RunningBot


async def a_pair(bot: RunningBot) -> tuple[Programme, SandboxUser, SandboxUser, SandboxUser]:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    await bot.pair(programme, ana, lars)
    return programme, ana, lars, maja


async def test_a_student_ends_the_pair_and_everyone_concerned_is_told(bot: RunningBot) -> None:
    _, ana, lars, maja = await a_pair(bot)
    bot.says(ana, "/met 2026-09-06")
    await bot.hears(ana, "Noted")

    bot.says(ana, "/endpair")
    confirm = await bot.hears(ana, "End your pair with Lars?")
    await bot.presses(ana, confirm, "End the pair")

    await bot.hears(ana, "no longer paired")
    await bot.hears(lars, "You and Ana are no longer paired")
    await bot.hears(maja, "The pair Ana and Lars")
    farewell = await bot.hears(ana, "What will you take with you")  # a last prompt
    moods = [b["callback_data"] for row in farewell["inline_keyboard"] for b in row]
    assert len(moods) == 5 and all(data.startswith("ci:m:") for data in moods)

    async with bot.sessionmaker() as session:
        pair = await session.scalar(select(Pair))
        meetings = (await session.scalars(select(Meeting))).all()
    assert pair is not None and pair.status == PairStatus.ENDED and pair.ended_at is not None
    assert len(meetings) == 1  # the history stays for the statistics


async def test_cancel_keeps_the_pair(bot: RunningBot) -> None:
    _, _, lars, _ = await a_pair(bot)
    bot.says(lars, "/endpair")
    confirm = await bot.hears(lars, "End your pair with Ana?")
    await bot.presses(lars, confirm, "Cancel")
    await bot.hears(lars, "your pair continues")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Pair.status)) == PairStatus.ACTIVE


async def test_someone_outside_the_pair_cannot_end_it(bot: RunningBot) -> None:
    programme, _, _, _ = await a_pair(bot)
    eve = await bot.enrolled(programme, Role.STUDENT, "Eve")
    async with bot.sessionmaker() as session:
        pair_id = await session.scalar(select(Pair.id))
    bot.says(eve, "/endpair")
    refused = await bot.hears(eve, "nothing to end")
    bot.sandbox.state.user_sends_callback_data(eve.id, refused["message_id"], f"ep:y:{pair_id}")
    await bot.hears(eve, "no longer valid")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Pair.status)) == PairStatus.ACTIVE
