"""Retention in the running bot: the coordinator hears once, a week before, that an ended
programme's personal data goes; a week later the periodic look erases it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.app.jobs import check_pairs_now
from bot.services.retention import NOTICE_AHEAD, erasure_start
from bot.services.schedules import set_schedule
from db.models import AuditEvent, Programme, Role
from tests.e2e.harness import RunningBot


async def check(bot: RunningBot) -> None:
    """The periodic look at the pairs, which also applies retention."""
    await check_pairs_now(bot.application.bot_data.services)
    await bot.outbox_settled()


async def test_the_coordinator_is_told_once_and_the_data_goes_a_week_later(
    bot: RunningBot,
) -> None:
    programme, ana, _ = await bot.ana_and_lars()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    async with bot.sessionmaker() as session, session.begin():
        ended = await session.get_one(Programme, programme.id)
        await set_schedule(
            session, now=bot.clock.now(), programme=ended, actor="test", last_day=date(2026, 9, 30)
        )
        start = erasure_start(ended)
    assert start is not None

    bot.clock.set(start - NOTICE_AHEAD)
    await check(bot)
    notice = await bot.hears(maja, "In a week, on 2027-10-01")
    assert notice["text"] == (
        f"In a week, on 2027-10-01, frizon erases the personal data of {programme.name}: 12 "
        "months after its last day, 2026-09-30, as its retention rule says. Every reflection "
        "and voice note goes, and every member's name and Telegram account, as if each had "
        "used /forget; someone still in another programme keeps their name until that one's "
        "turn. The anonymous counts stay, so statistics and exports read as before.\n\n"
        f'To keep it longer, run frizon programme set "{programme.name}" --retention 24m '
        "before then."
    )
    bot.clock.advance(timedelta(hours=1))
    await check(bot)
    told = [m for m in bot.sandbox.state.messages(maja.id) if "In a week" in str(m["text"])]
    assert len(told) == 1

    bot.clock.set(start)
    await check(bot)
    bot.says(ana, "hello?")
    await bot.hears(ana, "I can only help people who are in a mentoring programme")
    async with bot.sessionmaker() as session:
        kinds = (await session.scalars(select(AuditEvent.kind))).all()
    assert kinds.count("retention") == 1 and kinds.count("erasure") == 3
