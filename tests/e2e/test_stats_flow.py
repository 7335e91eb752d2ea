"""/stats through the real bot: the figures a coordinator reads, the chart, suppression,
the programme choice, and nobody else's access."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.services.prompts import queue_prompt_now
from db.models import Member, Programme, Role
from tests.e2e.harness import RunningBot
from tests.services.test_stats import SEEDED_AT
from tests.test_cli_stats import with_a_fourth_pair


async def test_a_coordinator_reads_the_figures_and_gets_the_chart(bot: RunningBot) -> None:
    programme = await bot.programme("Clinical mentoring")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    students = [
        await bot.enrolled(programme, Role.STUDENT, name)
        for name in ("Ana", "Ben", "Cai", "Dana", "Eva", "Filip")
    ]
    await bot.pair(programme, students[0], lars)

    bot.says(maja, "/stats")

    summary = (await bot.hears(maja, "statistics on"))["text"]
    assert "Students: 6 joined, 6 invited" in summary
    assert "Mentors: hidden joined, hidden invited" in summary  # one mentor: too few
    assert "Ana and Lars: not met since" not in summary  # paired today: not overdue
    chart = await bot.hears(maja, "Weekly response rate")
    assert chart["media"] == "photo"
    png = bot.sandbox.state.file_content(chart["file_id"])
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"


async def test_a_coordinator_of_several_programmes_picks_one(bot: RunningBot) -> None:
    spring, autumn = await bot.programme("Spring"), await bot.programme("Autumn")
    maja = await bot.enrolled(spring, Role.COORDINATOR, "Maja")
    bot.says(maja, f"/start {await bot.invite(autumn, Role.COORDINATOR)}")
    await bot.hears(maja, "Autumn")
    await bot.invite(autumn, Role.STUDENT, name="Ana Berg")  # never used

    bot.says(maja, "/stats")
    await bot.presses(maja, await bot.hears(maja, "Which programme"), "Autumn")

    summary = (await bot.hears(maja, "Autumn — statistics"))["text"]
    assert "Ana Berg (student): invite from" in summary  # named: invites are not secret


async def test_students_and_mentors_cannot_read_statistics(bot: RunningBot) -> None:
    _, ana, lars = await bot.ana_and_lars()

    for user in (ana, lars):
        bot.says(user, "/stats")
        assert "only a programme coordinator can do" in (await bot.hears(user))["text"]
    async with bot.sessionmaker() as session:
        assert len((await session.scalars(select(Member))).all()) == 2


async def test_stats_from_a_day_and_a_day_that_is_not_one(bot: RunningBot) -> None:
    programme = await bot.programme("Clinical mentoring")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")

    bot.says(maja, "/stats last week")
    refused = (await bot.hears(maja, "Nothing changed"))["text"]
    bot.says(maja, "/stats 2999-01-01")
    future = (await bot.hears(maja, "Nothing changed"))["text"]
    bot.says(maja, f"/stats {bot.clock.now().date().isoformat()}")
    counted = (await bot.hears(maja, "statistics on"))["text"]

    assert "/stats 2026-09-01" in refused and "/stats 2026-09-01" in future
    assert f"counting from {bot.clock.now().date().isoformat()}" in counted


async def test_prompts_sent_now_count_in_the_figures(bot: RunningBot) -> None:
    """`frizon prompt send` before the first scheduled prompt: the prompts count in the
    programme's first week, with the answers to them."""
    programme = await bot.programme("Clinical mentoring")
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    students = [
        await bot.enrolled(programme, Role.STUDENT, name)
        for name in ("Ana", "Ben", "Cai", "Dana", "Eva", "Filip")
    ]
    services = bot.application.bot_data.services
    async with bot.sessionmaker() as session, session.begin():
        found = await session.get_one(Programme, programme.id)
        await queue_prompt_now(
            session, now=bot.clock.now(), catalogue=services.catalogue, programme=found, actor="cli"
        )
    services.wake_sender()
    for student in students[:5]:  # five answer with a mood, Filip does not
        await bot.presses(student, await bot.hears(student, "how you are doing"), "Good")
        await bot.hears(student, "write a few lines")
    await bot.hears(students[5], "how you are doing")

    bot.says(maja, "/stats")

    summary = (await bot.hears(maja, "statistics on"))["text"]
    assert "Answered: 83% of 6 prompts" in summary
    assert "2026-09-07: answered 83%, moods 0 · 0 · 0 · 5 · 0" in summary


async def test_a_median_reads_as_in_the_cli_in_both_languages(bot: RunningBot) -> None:
    """A whole median is "0", not "0.0"; a half is "0.5", in Swedish "0,5"."""
    async with bot.sessionmaker() as session, session.begin():
        programme = await with_a_fourth_pair(session, ManualClock(SEEDED_AT))
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    eva = await bot.enrolled(programme, Role.COORDINATOR, "Eva", language_code="sv")

    bot.says(maja, "/stats")
    english = (await bot.hears(maja, "statistics on"))["text"]
    bot.says(eva, "/stats")
    swedish = (await bot.hears(eva, "statistik"))["text"]

    assert "Meetings per pair per month (median): 0\n" in english
    assert "• 2026-07: 4 pairs, median 0 meetings" in english
    assert "• 2026-08: 4 pairs, median 0.5 meetings" in english
    assert "Möten per par och månad (median): 0\n" in swedish
    assert "• 2026-07: 4 par, median 0 möten" in swedish
    assert "• 2026-08: 4 par, median 0,5 möten" in swedish
