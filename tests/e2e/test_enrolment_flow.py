"""Enrolment through the real bot: invites work once, bad ones are refused kindly."""

from datetime import timedelta

from sqlalchemy import func, select

from db.models import Member, Membership, Role
from tests.e2e.harness import RunningBot


async def members(bot: RunningBot) -> int:
    async with bot.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_a_student_enrols_by_invite_and_is_told_who_sees_what(bot: RunningBot) -> None:
    programme = await bot.programme("Clinical mentoring")
    ana = bot.user("Ana", last_name="Berg")

    bot.says(ana, f"/start {await bot.invite(programme, Role.STUDENT)}")

    welcome = await bot.hears(ana, "Welcome to Clinical mentoring")
    assert "your mentor sees a reflection only when you choose to share it" in welcome["text"]
    async with bot.sessionmaker() as session:
        membership = await session.scalar(select(Membership))
    assert membership is not None and membership.role == Role.STUDENT


async def test_a_swedish_mentor_is_welcomed_in_swedish(bot: RunningBot) -> None:
    programme = await bot.programme("Mentorskap")
    lars = bot.user("Lars", language_code="sv")

    bot.says(lars, f"/start {await bot.invite(programme, Role.MENTOR)}")

    welcome = await bot.hears(lars, "Mentorskap")
    assert "Välkommen" in welcome["text"]


async def test_the_command_menu_follows_the_role(bot: RunningBot) -> None:
    programme = await bot.programme()
    coordinator = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    student = await bot.enrolled(programme, Role.STUDENT, "Ana")

    coordinator_commands = [c["command"] for c in bot.sandbox.state.commands_for(coordinator.id)]
    student_commands = [c["command"] for c in bot.sandbox.state.commands_for(student.id)]

    assert "pair" in coordinator_commands
    assert "pair" not in student_commands
    assert "help" in student_commands


async def test_an_invite_cannot_be_used_twice(bot: RunningBot) -> None:
    programme = await bot.programme()
    token = await bot.invite(programme, Role.STUDENT)
    ana, bo = bot.user("Ana"), bot.user("Bo")
    bot.says(ana, f"/start {token}")
    await bot.hears(ana, "Welcome")

    bot.says(bo, f"/start {token}")

    assert "already been used" in (await bot.hears(bo))["text"]
    assert await members(bot) == 1


async def test_an_expired_invite_is_refused(bot: RunningBot) -> None:
    programme = await bot.programme()
    token = await bot.invite(programme, Role.STUDENT, expires_in=timedelta(hours=1))
    bot.clock.advance(timedelta(hours=2))
    ana = bot.user("Ana")

    bot.says(ana, f"/start {token}")

    assert "expired" in (await bot.hears(ana))["text"]
    assert await members(bot) == 0


async def test_unknown_and_malformed_tokens_are_refused(bot: RunningBot) -> None:
    ana = bot.user("Ana")
    for token, reply in [
        ("A" * 32, "don't recognise that invite"),
        ("<b>hi</b>", "doesn't look like a frizon invite"),
        ("x" * 200, "doesn't look like a frizon invite"),
        ("שלום-עולם-שלום-עולם", "doesn't look like a frizon invite"),
    ]:
        bot.says(ana, f"/start {token}")
        assert reply in (await bot.hears(ana))["text"]
    assert await members(bot) == 0


async def test_start_without_an_invite_says_how_to_join(bot: RunningBot) -> None:
    stranger = bot.user("Stranger")

    bot.says(stranger, "/start")

    assert "personal invite link" in (await bot.hears(stranger))["text"]
    assert await members(bot) == 0


async def test_start_again_greets_a_member(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")

    bot.says(ana, "/start")

    assert "Hello again" in (await bot.hears(ana))["text"]
