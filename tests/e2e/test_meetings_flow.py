"""Meetings: the rhythm a pair agrees, /met and its confirmation, /meetings, and the
"did you meet?" question once a rhythm has passed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import check_meetings_now
from db.models import Meeting, Role
from tests.e2e.harness import RunningBot

TODAY = "2026-09-07"  # the harness clock: Monday 7 September 2026, 10:00 in Stockholm


async def test_the_pair_agrees_a_rhythm_from_the_introduction(bot: RunningBot) -> None:
    _, ana, _ = await bot.ana_and_lars()
    intro = [m for m in bot.sandbox.state.messages(ana.id) if "You have a mentor" in m["text"]][-1]
    labels = [b["text"] for row in intro["inline_keyboard"] for b in row]
    assert labels == ["Every 2 weeks", "✓ Every 4 weeks", "Every 6 weeks", "Every 8 weeks"]

    await bot.presses(ana, intro, "Every 2 weeks")
    await bot.hears(ana, "Agreed: you meet every 2 weeks")
    bot.says(ana, "/meetings")
    listing = await bot.hears(ana, "Lars")
    assert "every 2 weeks" in listing["text"] and "No meetings logged yet" in listing["text"]


async def test_a_meeting_is_logged_confirmed_and_listed(bot: RunningBot) -> None:
    _, ana, lars = await bot.ana_and_lars()

    bot.says(ana, "/met")
    ask = await bot.hears(ana, "When did you and Lars meet?")
    await bot.presses(ana, ask, "We met today")
    await bot.hears(ana, f"Noted: you and Lars met on {TODAY}")
    question = await bot.hears(lars, f"Ana noted that you met on {TODAY}")
    await bot.presses(lars, question, "Yes")
    await bot.hears(lars, "is confirmed")

    bot.says(lars, "/meetings")
    listing = await bot.hears(lars, "Ana")
    assert f"• {TODAY}" in listing["text"] and "not confirmed" not in listing["text"]


async def test_the_other_side_can_say_it_was_not_that_day(bot: RunningBot) -> None:
    _, ana, lars = await bot.ana_and_lars()
    bot.says(lars, "/met 2026-09-04")
    await bot.hears(lars, "met on 2026-09-04")
    question = await bot.hears(ana, "met on 2026-09-04")
    await bot.presses(ana, question, "Not that day")
    await bot.hears(ana, "no longer counts")

    bot.says(ana, "/meetings")
    assert "No meetings logged yet" in (await bot.hears(ana, "Lars"))["text"]
    bot.says(ana, "/met 2026-09-05")
    await bot.hears(ana, "met on 2026-09-05")


async def test_bad_days_are_refused_kindly_and_change_nothing(bot: RunningBot) -> None:
    _, ana, _ = await bot.ana_and_lars()
    bot.says(ana, "/met next tuesday")
    await bot.hears(ana, "I couldn't read that date")
    bot.says(ana, "/met 2026-09-08")
    await bot.hears(ana, "That day has not come yet")
    bot.says(ana, "/met 2024-01-01")
    await bot.hears(ana, "more than a year ago")
    async with bot.sessionmaker() as session:
        assert (await session.scalars(select(Meeting))).all() == []


async def test_a_pair_past_its_rhythm_is_asked_once_and_can_answer(bot: RunningBot) -> None:
    _, ana, lars = await bot.ana_and_lars()
    services = bot.application.bot_data.services
    bot.clock.advance(timedelta(weeks=3))
    assert await check_meetings_now(services) == 0  # within the 4 weeks: not asked

    bot.clock.advance(timedelta(weeks=2))
    assert await check_meetings_now(services) == 1
    asked = await bot.hears(ana, "Did you meet?")
    await bot.hears(lars, "Did you meet?")
    await check_meetings_now(services)  # a later check asks nothing new
    await bot.outbox_settled()
    assert len([m for m in bot.sandbox.state.messages(ana.id) if "Did you meet" in m["text"]]) == 1

    await bot.presses(ana, asked, "We met yesterday")
    await bot.hears(ana, "Noted: you and Lars met on 2026-10-11")
    await bot.hears(lars, "Ana noted that you met on 2026-10-11")


async def test_nobody_answers_for_a_pair_that_is_not_theirs(bot: RunningBot) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    eve = await bot.enrolled(programme, Role.STUDENT, "Eve")
    bot.says(lars, f"/met {TODAY}")
    question = await bot.hears(ana, "Lars noted")
    meeting_id = question["inline_keyboard"][0][0]["callback_data"].split(":")[-1]
    pair_id = next(
        b["callback_data"]
        for m in bot.sandbox.state.messages(ana.id)
        for row in m["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("mt:a:")
    ).split(":")[2]

    bot.says(eve, "/help")
    helped = await bot.hears(eve, "/privacy")
    for forged in (f"mt:c:{meeting_id}", f"mt:a:{pair_id}:8", f"mt:d:{pair_id}:0"):
        bot.sandbox.state.user_sends_callback_data(eve.id, helped["message_id"], forged)
        await bot.hears(eve, "no longer valid")

    async with bot.sessionmaker() as session:
        meeting = await session.get_one(Meeting, int(meeting_id))
        pairs = (await session.execute(select(Meeting.pair_id))).all()
    assert meeting.confirmed_by_id is None and meeting.stands
    assert len(pairs) == 1
