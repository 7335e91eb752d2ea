"""A scheduled prompt through the real bot: it arrives at its time with mood buttons, the
student answers and shares, and the mentor sees exactly what was shared."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app.jobs import dispatch_now
from bot.outbox.purposes import Purpose
from bot.services.prompts import queue_prompt_now
from bot.services.schedules import set_schedule
from db.models import CheckIn, Delivery, DeliveryStatus, Programme, Role
from tests.e2e.harness import RunningBot

STOCKHOLM = ZoneInfo("Europe/Stockholm")


async def test_a_prompt_arrives_at_its_time_and_a_shared_answer_reaches_the_mentor(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    async with bot.sessionmaker() as session, session.begin():
        found = await session.get_one(Programme, programme.id)
        await set_schedule(
            session,
            now=bot.clock.now(),
            programme=found,
            actor="test",
            cadence="weekly mon 18:00",
            first_day=date(2026, 9, 7),
        )
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.says(maja, "/pair")
    await bot.presses(maja, await bot.hears(maja, "which student"), "Ana")
    await bot.presses(maja, await bot.hears(maja, "who should mentor"), "Lars")
    await bot.hears(lars, "new mentee")
    await bot.hears(ana, "You have a mentor")
    services = bot.application.bot_data.services

    bot.clock.set(datetime(2026, 9, 7, 17, 59, tzinfo=STOCKHOLM))
    assert (await dispatch_now(services)).queued == 0
    bot.clock.set(datetime(2026, 9, 7, 18, 0, tzinfo=STOCKHOLM))
    assert (await dispatch_now(services)).queued == 2  # Ana's, and Lars's own (monthly)

    prompt = await bot.hears(ana, "Start with how you are doing")
    moods = [b["text"] for row in prompt["reply_markup"]["inline_keyboard"] for b in row]
    assert moods == ["Rough", "Low", "Okay", "Good", "Great"]
    await bot.presses(ana, prompt, "Good")
    await bot.hears(ana, "write a few lines")
    bot.says(ana, "The team let me lead the ward round today.")
    await bot.presses(ana, await bot.hears(ana, "share this entry"), "Share with Lars")

    header = (await bot.hears(lars, "shared"))["text"]
    assert "Ana shared an entry with you. Mood: Good." in header
    assert "Prompt:" in header  # the mentor sees which question was answered
    assert (await bot.hears(lars))["text"] == "The team let me lead the ward round today."
    async with bot.sessionmaker() as session:
        entry = await session.scalar(select(CheckIn))
        delivery = await session.scalar(select(Delivery).where(Delivery.purpose == Purpose.PROMPT))
    assert entry is not None and delivery is not None
    assert entry.delivery_id == delivery.id and entry.prompt_key == delivery.prompt_key
    assert entry.theme in {"space", "future", "transition"}
    assert delivery.status == DeliveryStatus.SENT


async def test_answering_a_prompt_twice_is_refused_kindly(bot: RunningBot) -> None:
    programme = await bot.programme()
    async with bot.sessionmaker() as session, session.begin():
        found = await session.get_one(Programme, programme.id)
        await set_schedule(
            session, now=bot.clock.now(), programme=found, actor="test", first_day=date(2026, 9, 7)
        )
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.clock.advance(timedelta(hours=8))  # Monday 18:00 local
    await dispatch_now(bot.application.bot_data.services)
    prompt = await bot.hears(ana, "Start with how you are doing")
    data = prompt["reply_markup"]["inline_keyboard"][0][2]["callback_data"]
    bot.sandbox.state.user_sends_callback_data(ana.id, prompt["message_id"], data)
    await bot.hears(ana, "write a few lines")

    bot.sandbox.state.user_sends_callback_data(ana.id, prompt["message_id"], data)

    assert "already answered this prompt" in (await bot.hears(ana))["text"]


async def test_a_prompt_sent_now_from_the_command_line_reaches_every_student(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    bo = await bot.enrolled(programme, Role.STUDENT, "Bo")
    async with bot.sessionmaker() as session, session.begin():
        found = await session.get_one(Programme, programme.id)
        count = await queue_prompt_now(
            session,
            now=bot.clock.now(),
            catalogue=bot.application.bot_data.services.catalogue,
            programme=found,
            actor="cli",
            prompt_key="transition-who-welcomed-you",
        )
    bot.application.bot_data.services.wake_sender()

    assert count == 2
    for student in (ana, bo):
        prompt = await bot.hears(student, "Start with how you are doing")
        assert "part of the team" in prompt["text"]
