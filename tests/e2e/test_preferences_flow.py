"""/timezone, /quiet, /pause and /resume through the real bot."""

from sqlalchemy import select

from db.models import Member, Role
from tests.e2e.harness import RunningBot


async def stored(bot: RunningBot) -> Member:
    async with bot.sessionmaker() as session:
        member = await session.scalar(select(Member))
    assert member is not None
    return member


async def test_a_new_student_is_told_which_time_zone_is_assumed(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = bot.user("Ana")
    bot.says(ana, f"/start {await bot.invite(programme, Role.STUDENT)}")

    hint = await bot.hears(ana, "/timezone")

    assert "Europe/Stockholm" in hint["text"]


async def test_a_student_sets_a_time_zone_by_city(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")

    bot.says(ana, "/timezone new york")

    assert "America/New_York" in (await bot.hears(ana, "Done"))["text"]
    assert (await stored(bot)).timezone == "America/New_York"
    bot.says(ana, "/timezone")
    assert "Your time zone is America/New_York" in (await bot.hears(ana))["text"]


async def test_an_unknown_time_zone_changes_nothing(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")

    bot.says(ana, "/timezone Atlantis")

    assert "don't know the time zone" in (await bot.hears(ana))["text"]
    assert (await stored(bot)).timezone is None


async def test_quiet_hours_are_set_shown_and_removed(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")

    bot.says(ana, "/quiet 22-07")
    assert "22:00-07:00" in (await bot.hears(ana, "Done"))["text"]
    bot.says(ana, "/quiet")
    assert "Your quiet hours are 22:00-07:00" in (await bot.hears(ana))["text"]
    bot.says(ana, "/quiet off")
    assert "no quiet hours" in (await bot.hears(ana))["text"]
    assert (await stored(bot)).quiet_hours is None


async def test_a_pause_says_until_when_and_resume_ends_it(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")

    bot.says(ana, "/pause 2w")
    # The test clock stands at 2026-09-07 08:00 UTC: 10:00 in Stockholm.
    assert "paused until 2026-09-21 10:00" in (await bot.hears(ana))["text"]
    bot.says(ana, "/resume")
    assert "Welcome back" in (await bot.hears(ana))["text"]
    assert (await stored(bot)).paused_until is None


async def test_a_bad_pause_length_is_refused_kindly(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")

    bot.says(ana, "/pause forever")

    assert "isn't a length I can read" in (await bot.hears(ana))["text"]
    assert (await stored(bot)).paused_until is None


async def test_settings_need_a_membership(bot: RunningBot) -> None:
    stranger = bot.user("Stranger")
    for command in ("/timezone London", "/quiet 22-07", "/pause 1w", "/resume"):
        bot.says(stranger, command)
        assert "invite link" in (await bot.hears(stranger))["text"]
