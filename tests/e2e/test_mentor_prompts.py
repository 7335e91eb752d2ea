"""Mentors get their own reflection prompts, every four weeks, answered privately."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app.jobs import dispatch_now
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from db.models import CheckIn, Delivery, Member, Role
from tests.e2e.harness import RunningBot

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MENTOR_PROMPTS = {prompt.key for prompt in Catalogue.load().prompts("mentor")}


async def test_a_mentor_reflects_monthly_and_the_answer_stays_with_them(bot: RunningBot) -> None:
    programme = await bot.programme()  # weekly, Monday 18:00
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    await bot.pair(programme, ana, lars)
    services = bot.application.bot_data.services

    for day, month in ((7, 9), (14, 9), (21, 9), (28, 9), (5, 10)):
        bot.clock.set(datetime(2026, month, day, 18, 0, tzinfo=STOCKHOLM))
        await dispatch_now(services)
    await bot.outbox_settled()
    async with bot.sessionmaker() as session:
        mentor_id = await session.scalar(
            select(Member.id).where(Member.telegram_user_id == lars.id)
        )
        keys = (
            await session.scalars(
                select(Delivery.prompt_key)
                .where(Delivery.member_id == mentor_id, Delivery.purpose == Purpose.PROMPT)
                .order_by(Delivery.id)
            )
        ).all()
    assert len(keys) == 2 and set(keys) <= MENTOR_PROMPTS  # 7 September and 5 October

    prompt = [
        m
        for m in bot.sandbox.state.messages(lars.id)
        if m["inline_keyboard"] and m["inline_keyboard"][0][0]["callback_data"].startswith("ci:m:")
    ][-1]
    await bot.presses(lars, prompt, "Okay")
    await bot.hears(lars, "write a few lines")
    seen_by_ana = len(bot.sandbox.state.messages(ana.id))
    bot.says(lars, "Listening more than advising, this month.")
    question = await bot.hears(lars, "Saved")
    labels = [b["text"] for row in question["inline_keyboard"] for b in row]
    assert not [label for label in labels if "Share" in label]  # nobody to share with
    await bot.presses(lars, question, labels[0])
    await bot.outbox_settled()

    async with bot.sessionmaker() as session:
        entry = await session.scalar(select(CheckIn).where(CheckIn.member_id == mentor_id))
    assert entry is not None and not entry.shared
    assert len(bot.sandbox.state.messages(ana.id)) == seen_by_ana
