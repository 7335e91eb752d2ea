"""Meetings: the rhythm a pair agrees, /met and its confirmation, /meetings, and the
"did you meet?" question once a rhythm has passed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app.jobs import check_meetings_now
from bot.sandbox import SandboxUser
from bot.services.pairing import unpair
from db.models import AuditEvent, Meeting, Pair, Role
from tests.e2e.harness import RunningBot

TODAY = "2026-09-07"  # the harness clock: Monday 7 September 2026, 10:00 in Stockholm


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message["inline_keyboard"] for b in row]


def as_seen(bot: RunningBot, user: SandboxUser, message: dict[str, Any]) -> dict[str, Any]:
    """The message as it stands in the person's chat now (after any edit)."""
    (now,) = [
        m for m in bot.sandbox.state.messages(user.id) if m["message_id"] == message["message_id"]
    ]
    return now


async def test_a_rhythm_is_agreed_by_both_sides_and_changed_the_same_way(
    bot: RunningBot,
) -> None:
    _, ana, lars = await bot.ana_and_lars()
    intro = [m for m in bot.sandbox.state.messages(ana.id) if "You have a mentor" in m["text"]][-1]
    assert labels(intro) == ["Every 2 weeks", "✓ Every 4 weeks", "Every 6 weeks", "Every 8 weeks"]

    # Ana proposes 2: the programme's 4 holds until Lars accepts.
    await bot.presses(ana, intro, "Every 2 weeks")
    proposed = await bot.hears(ana, "Proposed")
    assert proposed["text"] == (
        "Proposed: every 2 weeks. Lars is asked to accept it; until then every 4 weeks "
        "holds (the programme's suggestion)."
    )
    assert as_seen(bot, ana, intro)["inline_keyboard"] == []  # answered: its buttons go
    assert labels(proposed) == [
        "Every 2 weeks (proposed)",
        "✓ Every 4 weeks",
        "Every 6 weeks",
        "Every 8 weeks",
    ]
    asked = await bot.hears(lars, "Ana proposes")
    assert asked["text"] == (
        "Ana proposes meeting every 2 weeks. Until you accept, every 4 weeks holds "
        "(the programme's suggestion). Accept it, or tap another rhythm to propose that "
        "instead."
    )
    assert labels(asked) == [
        "Accept: every 2 weeks",
        "Every 2 weeks (proposed)",
        "✓ Every 4 weeks",
        "Every 6 weeks",
        "Every 8 weeks",
    ]
    async with bot.sessionmaker() as session:
        (pair,) = (await session.scalars(select(Pair))).all()
        assert pair.meeting_weeks is None  # a proposal is not the rhythm

    # Lars accepts: both are told every 2 weeks, and both keyboards tick it.
    await bot.presses(lars, asked, "Accept")
    agreed = await bot.hears(lars, "Agreed")
    assert agreed["text"] == "Agreed: you and Ana now meet every 2 weeks."
    assert as_seen(bot, lars, asked)["inline_keyboard"] == []
    told = await bot.hears(ana, "Lars accepted")
    assert told["text"] == (
        "Lars accepted: the two of you now meet every 2 weeks. The buttons change it "
        "again, the same way, any time."
    )
    ticked = ["✓ Every 2 weeks", "Every 4 weeks", "Every 6 weeks", "Every 8 weeks"]
    assert labels(agreed) == labels(told) == ticked
    assert labels(await listing(bot, ana)) == ticked
    lars_listing = await listing(bot, lars)
    assert labels(lars_listing) == ticked

    # Lars proposes 6 from /meetings; Ana answers with 4 instead (a double tap proposes
    # once); Lars accepts 4 (a double tap agrees once).
    await bot.presses(lars, lars_listing, "Every 6 weeks")
    await bot.hears(lars, "Proposed: every 6 weeks. Ana is asked to accept it; until then every 2")
    six = await bot.hears(ana, "Lars proposes meeting every 6 weeks")
    ana_listing = await listing(bot, ana)
    assert ana_listing["text"] == (
        "Lars: every 2 weeks\n"
        "Lars proposes every 6 weeks: the buttons below answer it.\n"
        "No meetings logged yet. /met logs one."
    )
    assert labels(ana_listing) == [
        "✓ Every 2 weeks",
        "Every 4 weeks",
        "Every 6 weeks (proposed)",
        "Every 8 weeks",
    ]
    await bot.presses(ana, ana_listing, "Every 4 weeks")
    await bot.presses(ana, ana_listing, "Every 4 weeks")
    await bot.hears(ana, "Proposed: every 4 weeks. Lars is asked to accept it; until then every 2")
    assert (await bot.hears(ana))["text"] == (
        "You have already proposed every 4 weeks, so nothing changed; Lars is asked to accept it."
    )
    four = await bot.hears(lars, "Ana proposes meeting every 4 weeks")
    async with bot.sessionmaker() as session:
        assert (await session.get_one(Pair, pair.id)).meeting_weeks == 2  # until Lars accepts
    await bot.presses(lars, four, "Accept")
    await bot.presses(lars, four, "Accept")
    await bot.hears(lars, "Agreed: you and Ana now meet every 4 weeks.")
    assert (await bot.hears(lars))["text"] == (
        "You and Ana already meet every 4 weeks, so nothing changed."
    )
    await bot.hears(ana, "Lars accepted: the two of you now meet every 4 weeks.")
    four_ticked = ["Every 2 weeks", "✓ Every 4 weeks", "Every 6 weeks", "Every 8 weeks"]
    assert labels(await listing(bot, ana)) == labels(await listing(bot, lars)) == four_ticked

    # The proposal of 6, replaced before an answer: its Accept changes nothing, kindly.
    await bot.presses(ana, six, "Accept")
    assert (await bot.hears(ana))["text"] == (
        "That proposal has been replaced by a newer one, so nothing changed. "
        "You and Lars meet every 4 weeks."
    )
    await bot.outbox_settled()
    async with bot.sessionmaker() as session:
        assert (await session.get_one(Pair, pair.id)).meeting_weeks == 4
        kinds = (await session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id))).all()
    assert [k for k in kinds if k.startswith("rhythm")] == [
        "rhythm_proposed",
        "rhythm_agreed",
        "rhythm_proposed",
        "rhythm_proposed",
        "rhythm_agreed",
    ]
    assert bot_texts(bot, lars, "Ana proposes meeting") == 2  # 2, then 4: once each
    assert bot_texts(bot, ana, "Lars accepted") == 2


async def test_rhythm_buttons_of_an_ended_pair_change_nothing(bot: RunningBot) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    await bot.presses(ana, (await listing(bot, ana)), "Every 6 weeks")
    asked = await bot.hears(lars, "Ana proposes")
    async with bot.sessionmaker() as session, session.begin():
        student = await session.scalar(select(Pair.student_id))
        assert student is not None
        await unpair(
            session, now=bot.clock.now(), programme=programme, student_id=student, actor="test"
        )
    await bot.outbox_settled()

    await bot.presses(lars, asked, "Accept")
    assert (await bot.hears(lars, "nothing changed"))["text"] == (
        "That pair has ended, so nothing changed."
    )
    await bot.presses(lars, asked, "Every 8 weeks")
    await bot.hears(lars, "That pair has ended, so nothing changed.")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Pair.meeting_weeks)) is None


async def test_a_mentor_with_several_mentees_picks_the_pair_first(bot: RunningBot) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    eve = await bot.enrolled(programme, Role.STUDENT, "Eve")
    await bot.pair(programme, eve, lars)
    await bot.outbox_settled()

    both = await listing(bot, lars)
    assert labels(both) == ["Rhythm with Ana", "Rhythm with Eve"]
    await bot.presses(lars, both, "Rhythm with Eve")
    menu = await bot.hears(lars, "How often")
    assert menu["text"] == (
        "How often do you and Eve meet? Every 4 weeks holds (the programme's suggestion)."
    )
    await bot.presses(lars, menu, "Every 8 weeks")
    await bot.hears(lars, "Proposed: every 8 weeks. Eve is asked")
    await bot.hears(eve, "Lars proposes meeting every 8 weeks")
    await bot.outbox_settled()
    assert bot_texts(bot, ana, "proposes") == 0


async def listing(bot: RunningBot, user: SandboxUser) -> dict[str, Any]:
    """/meetings as the person reads it, with the rhythm buttons beneath."""
    bot.says(user, "/meetings")
    return await bot.hears(user, ": every")


def bot_texts(bot: RunningBot, user: SandboxUser, containing: str) -> int:
    return len(
        [
            m
            for m in bot.sandbox.state.messages(user.id)
            if m["sender"] == "bot" and containing in m["text"]
        ]
    )


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
    assert as_seen(bot, ana, question)["inline_keyboard"] == []

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
    await check_meetings_now(services)  # a later check asks nothing new
    await bot.outbox_settled()
    assert len([m for m in bot.sandbox.state.messages(ana.id) if "Did you meet" in m["text"]]) == 1

    lars_asked = await bot.hears(lars, "Did you meet?")
    await bot.presses(ana, asked, "We met yesterday")
    await bot.hears(ana, "Noted: you and Lars met on 2026-10-11")
    assert as_seen(bot, ana, asked)["inline_keyboard"] == []  # answered: no second tap
    question = await bot.hears(lars, "Ana noted that you met on 2026-10-11")
    await bot.presses(lars, question, "Yes")
    await bot.hears(lars, "the meeting on 2026-10-11 is confirmed")
    assert as_seen(bot, lars, question)["inline_keyboard"] == []
    await bot.presses(lars, lars_asked, "Not yet")
    await bot.hears(lars, "/mentee")
    assert as_seen(bot, lars, lars_asked)["inline_keyboard"] == []


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
