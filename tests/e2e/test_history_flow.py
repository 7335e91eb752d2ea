"""/history: a student reads, shares, hides and deletes their own entries; nobody else can."""

from datetime import timedelta

from sqlalchemy import select

from bot.sandbox import SandboxUser
from db.models import CheckIn, Role
from tests.e2e.harness import RunningBot
from tests.e2e.test_checkin_flow import paired


async def write_entry(
    bot: RunningBot, student: SandboxUser, mood: str, words: str, choice: str
) -> None:
    bot.says(student, "/checkin")
    await bot.presses(student, await bot.hears(student, "How are you doing"), mood)
    bot.says(student, words)
    await bot.presses(student, await bot.hears(student, "share this entry"), choice)
    await bot.hears(student, "Thank you for writing")


async def test_a_student_pages_through_their_entries_newest_first(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    await write_entry(bot, ana, "Low", "The first one.", "Keep private")
    bot.clock.advance(timedelta(days=7))
    await write_entry(bot, ana, "Good", "The second one.", "Keep private")

    bot.says(ana, "/history")
    newest = await bot.hears(ana, "Entry 1 of 2")
    await bot.presses(ana, newest, "Older")
    older = await bot.hears(ana, "Entry 2 of 2")

    assert "The second one." in newest["text"] and "private" in newest["text"]
    assert "The first one." in older["text"] and "Low" in older["text"]


async def test_sharing_later_sends_the_entry_to_the_mentor(bot: RunningBot) -> None:
    ana, lars = await paired(bot)
    await write_entry(bot, ana, "Okay", "Thought about it and want to share.", "Keep private")

    bot.says(ana, "/history")
    await bot.presses(ana, await bot.hears(ana, "Entry 1 of 1"), "Share with Lars")

    assert "shared with your mentor" in (await bot.hears(ana, "Entry 1 of 1"))["text"]
    await bot.hears(lars, "shared an entry")
    assert (await bot.hears(lars))["text"] == "Thought about it and want to share."


async def test_deleting_an_entry_removes_it_for_good(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    await write_entry(bot, ana, "Okay", "Delete me.", "Keep private")

    bot.says(ana, "/history")
    await bot.presses(ana, await bot.hears(ana, "Entry 1 of 1"), "Delete")
    await bot.presses(ana, await bot.hears(ana, "Delete this entry for good"), "Yes, delete")

    await bot.hears(ana, "Deleted")
    async with bot.sessionmaker() as session:
        assert (await session.scalars(select(CheckIn))).all() == []


async def test_someone_elses_entry_cannot_be_touched(bot: RunningBot) -> None:
    ana, lars = await paired(bot)
    await write_entry(bot, ana, "Okay", "Mine.", "Keep private")
    async with bot.sessionmaker() as session:
        entry = await session.scalar(select(CheckIn))
    assert entry is not None
    bot.says(lars, "/help")
    own = await bot.hears(lars, "/privacy")

    for data in (
        f"hi:y:{entry.id}:0",
        f"hi:s:{entry.id}:0:0",
        f"hi:p:{entry.id}:0",
        f"ci:y:{entry.id}:0",
        f"ci:n:{entry.id}",
    ):
        bot.sandbox.state.user_sends_callback_data(lars.id, own["message_id"], data)
        assert "no longer valid" in (await bot.hears(lars))["text"]

    async with bot.sessionmaker() as session:
        still = await session.scalar(select(CheckIn))
    assert still is not None and not still.shared


async def test_history_without_entries_says_how_to_start(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")

    bot.says(ana, "/history")

    assert "no entries yet" in (await bot.hears(ana))["text"]
