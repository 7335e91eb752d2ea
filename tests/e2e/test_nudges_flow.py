"""Nudges to mentors and the weekly digest: when they come, their cool-down, their one
next step, and what they never contain."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.app.jobs import check_pairs_now
from bot.outbox.purposes import Purpose
from bot.sandbox import SandboxUser
from db.models import (
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    Programme,
    Role,
)
from tests.e2e.harness import RunningBot


async def check(bot: RunningBot) -> None:
    await check_pairs_now(bot.application.bot_data.services)
    await bot.outbox_settled()


def said_to(bot: RunningBot, user: SandboxUser, words: str) -> list[dict[str, object]]:
    return [m for m in bot.sandbox.state.messages(user.id) if words in str(m["text"])]


async def member_id(bot: RunningBot, user: SandboxUser) -> int:
    async with bot.sessionmaker() as session:
        found = await session.scalar(select(Member.id).where(Member.telegram_user_id == user.id))
    assert found is not None
    return found


async def an_entry(
    bot: RunningBot, programme: Programme, student: SandboxUser, *, mood: int, shared: bool
) -> None:
    async with bot.sessionmaker() as session, session.begin():
        session.add(
            CheckIn(
                programme_id=programme.id,
                member_id=await member_id(bot, student),
                mood=mood,
                reflection=bot.application.bot_data.services.cipher.encrypt(
                    "words only Ana may share", bound_to="checkin:0"
                ),
                shared=shared,
                status=CheckInStatus.DONE,
                created_at=bot.clock.now(),
                completed_at=bot.clock.now(),
            )
        )


async def test_no_meeting_past_the_rhythm_nudges_the_mentor_once_with_a_next_step(
    bot: RunningBot,
) -> None:
    _, _, lars = await bot.ana_and_lars()
    bot.clock.advance(timedelta(weeks=4, days=6))
    await check(bot)
    assert not said_to(bot, lars, "have not logged a meeting")  # within rhythm + grace

    bot.clock.advance(timedelta(days=2))
    await check(bot)
    nudge = await bot.hears(lars, "have not logged a meeting")
    await check(bot)
    assert len(said_to(bot, lars, "have not logged a meeting")) == 1  # the cool-down

    await bot.presses(lars, nudge, "Suggest a time")
    await bot.hears(lars, "You are writing to Ana")
    draft = await bot.hears(lars, "a draft you could copy")
    assert "Hi Ana" in draft["text"]


async def test_only_a_shared_low_mood_nudges_and_never_with_its_words(bot: RunningBot) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    await an_entry(bot, programme, ana, mood=1, shared=False)
    await check(bot)
    assert not said_to(bot, lars, "low mood")  # a private entry reaches nobody, not even as a fact

    await an_entry(bot, programme, ana, mood=2, shared=True)
    await check(bot)
    nudge = await bot.hears(lars, "shared an entry with a low mood")
    await bot.presses(lars, nudge, "Reply to Ana")
    await bot.hears(lars, "You are writing to Ana")
    assert not said_to(bot, lars, "words only Ana")


async def three_prompts_left_unanswered(
    bot: RunningBot, programme: Programme, ana: SandboxUser
) -> None:
    student = await member_id(bot, ana)
    async with bot.sessionmaker() as session, session.begin():
        for week in range(3):
            session.add(
                Delivery(
                    member_id=student,
                    purpose=Purpose.PROMPT,
                    cycle=f"{programme.id}:week{week}",
                    subject_id=programme.id,
                    prompt_key="space-corner",
                    status=DeliveryStatus.SENT,
                    due_at=bot.clock.now() + timedelta(minutes=week),
                    created_at=bot.clock.now(),
                    attempts=1,
                )
            )


async def test_a_student_who_writes_entries_of_their_own_is_not_silent(bot: RunningBot) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    await three_prompts_left_unanswered(bot, programme, ana)
    bot.clock.advance(timedelta(minutes=5))
    await an_entry(bot, programme, ana, mood=4, shared=True)  # through /checkin, not a prompt

    await check(bot)

    assert not said_to(bot, lars, "has not answered their last three")
    digest = await bot.hears(lars, "Your week with your mentees")
    assert "prompts unanswered" not in digest["text"]


async def test_three_unanswered_prompts_and_a_stopped_bot_nudge(bot: RunningBot) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    student = await member_id(bot, ana)
    await three_prompts_left_unanswered(bot, programme, ana)
    await check(bot)
    await bot.hears(lars, "has not answered their last three reflection prompts")

    bot.sandbox.state.block(ana.id)
    for _ in range(100):  # the bot hears of it through a my_chat_member update
        async with bot.sessionmaker() as session:
            status = await session.scalar(select(Member.status).where(Member.id == student))
        if status == MemberStatus.BLOCKED:
            break
        await asyncio.sleep(0.05)
    assert status == MemberStatus.BLOCKED
    await check(bot)
    gone = await bot.hears(lars, "has stopped the bot")
    await bot.presses(lars, gone, "Your meetings")
    await bot.hears(lars, "every 4 weeks")


async def test_the_weekly_digest_summarises_each_mentee_once_a_week(bot: RunningBot) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    ben = await bot.enrolled(programme, Role.STUDENT, "Ben")
    await bot.pair(programme, ben, lars)
    await an_entry(bot, programme, ana, mood=4, shared=True)
    await an_entry(bot, programme, ana, mood=3, shared=False)

    await check(bot)  # Monday 10:00 in Stockholm: past this week's 08:00
    digest = await bot.hears(lars, "Your week with your mentees")
    assert "Ana" in digest["text"] and "Ben" in digest["text"]
    assert "Entries shared with you since the last digest: 1" in digest["text"]
    assert "words only Ana" not in digest["text"]
    await check(bot)
    assert len(said_to(bot, lars, "Your week with your mentees")) == 1

    bot.clock.advance(timedelta(weeks=1))
    await check(bot)
    assert len(said_to(bot, lars, "Your week with your mentees")) == 2
