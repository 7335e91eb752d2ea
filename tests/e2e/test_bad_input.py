"""Bad input gets a clear, kind reply and changes nothing."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import AuditEvent, Delivery, Invite, Member, Membership, Pair, Role
from tests.e2e.harness import RunningBot

TABLES = (Member, Membership, Pair, Delivery, AuditEvent, Invite)


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Row counts per table, and how many invites are used: what bad input must not change."""
    async with sessionmaker() as session:
        counts = {
            table.__tablename__: int(
                await session.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in TABLES
        }
        used = select(func.count()).select_from(Invite).where(Invite.used_at.is_not(None))
        counts["used invites"] = int(await session.scalar(used) or 0)
    return counts


async def test_an_unknown_command_points_to_help(bot: RunningBot) -> None:
    ana = bot.user("Ana")
    before = await snapshot(bot.sessionmaker)

    bot.says(ana, "/frobnicate now")

    assert "don't know that command" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_text_from_someone_not_enrolled_explains_how_to_join(bot: RunningBot) -> None:
    stranger = bot.user("Stranger")

    bot.says(stranger, "hello, is this the mentoring bot?")

    assert "invite link" in (await bot.hears(stranger))["text"]
    assert (await snapshot(bot.sessionmaker))["member"] == 0


async def test_a_student_cannot_use_coordinator_commands(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    before = await snapshot(bot.sessionmaker)

    bot.says(ana, "/pair")

    assert "only a programme coordinator" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_a_stranger_cannot_use_coordinator_commands(bot: RunningBot) -> None:
    stranger = bot.user("Stranger")

    bot.says(stranger, "/pair")

    assert "invite link" in (await bot.hears(stranger))["text"]


def forge_button(bot: RunningBot, user_id: int, message: dict[str, Any], data: str) -> None:
    bot.sandbox.state.user_sends_callback_data(user_id, message["message_id"], data)


async def test_forged_callback_data_is_refused_and_changes_nothing(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await bot.enrolled(programme, Role.MENTOR, "Lars")
    await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.says(maja, "/pair")
    offer = await bot.hears(maja, "which student")
    before = await snapshot(bot.sessionmaker)

    for data in ("pair:m:1:x:2", "pair:s:999", "pair:m:1:2:3:4", "pair:zz", "nonsense", "pair:"):
        forge_button(bot, maja.id, offer, data)
        assert "no longer valid" in (await bot.hears(maja))["text"], data

    assert await snapshot(bot.sessionmaker) == before


async def test_a_student_pressing_a_forged_pair_button_is_refused(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.says(maja, "/pair")
    offer = await bot.hears(maja, "which student")
    choice = offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    student_id, mentor_id = int(choice.split(":")[3]), 0
    async with bot.sessionmaker() as session:
        mentor_id = int(
            await session.scalar(select(Member.id).where(Member.display_name == "Lars")) or 0
        )
    bot.says(ana, "/help")
    own_message = await bot.hears(ana, "/privacy")
    before = await snapshot(bot.sessionmaker)

    forge_button(bot, ana.id, own_message, f"pair:m:{programme.id}:{student_id}:{mentor_id}")

    assert "only a programme coordinator" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_a_very_long_message_gets_a_short_kind_reply(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    text = "I have a lot to say. " * 240  # ~5,000 characters: Telegram splits it in two
    before = await snapshot(bot.sessionmaker)

    bot.says(ana, text[:4096])
    bot.says(ana, text[4096:])

    for _ in range(2):
        assert "haven't kept this message" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_emoji_and_right_to_left_text_are_handled(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    before = await snapshot(bot.sessionmaker)

    bot.says(ana, "🙂👩🏽‍⚕️ مرحبا بالعالم שלום <b>not html</b> &amp;")

    assert "haven't kept this message" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_names_with_markup_are_shown_as_written(bot: RunningBot) -> None:
    programme = await bot.programme()
    user = bot.user("<b>Ana</b> & <i>co", language_code="en")

    bot.says(user, f"/start {await bot.invite(programme, Role.STUDENT)}")

    assert (
        "Welcome to Clinical mentoring, <b>Ana</b> & <i>co."
        in (await bot.hears(user, "Welcome"))["text"]
    )
    bot.says(user, "/start")
    assert "Hello again, <b>Ana</b> & <i>co." in (await bot.hears(user, "Hello"))["text"]
