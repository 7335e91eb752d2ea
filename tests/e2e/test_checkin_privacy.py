"""An entry reaches only the mentor the student chose, only while they are still paired."""

from datetime import timedelta

from sqlalchemy import select

from bot.services.checkins import read_reflection
from bot.services.pairing import pair, unpair
from db.models import CheckIn, Member, Programme, Role
from tests.e2e.harness import RunningBot
from tests.e2e.test_checkin_flow import paired


async def ids(bot: RunningBot) -> dict[str, int]:
    async with bot.sessionmaker() as session:
        return {m.display_name: m.id for m in (await session.scalars(select(Member))).all()}


async def test_sharing_after_a_change_of_mentor_asks_again_and_shares_nothing_yet(
    bot: RunningBot,
) -> None:
    ana, lars = await paired(bot)
    programme_id = 0
    async with bot.sessionmaker() as session:
        programme = await session.scalar(select(Programme))
        assert programme is not None
        programme_id = programme.id
    karl = await bot.enrolled(programme, Role.MENTOR, "Karl")
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Low")
    bot.says(ana, "Meant for Lars.")
    question = await bot.hears(ana, "share this entry with Lars")
    people = await ids(bot)
    async with bot.sessionmaker() as session, session.begin():
        found = await session.get_one(Programme, programme_id)
        await unpair(
            session, now=bot.clock.now(), programme=found, student_id=people["Ana"], actor="t"
        )
        await pair(
            session,
            now=bot.clock.now(),
            programme=found,
            student_id=people["Ana"],
            mentor_id=people["Karl"],
            actor="t",
        )

    await bot.presses(ana, question, "Share with Lars")

    assert "Your mentor has changed" in (await bot.hears(ana, "changed"))["text"]
    assert "share this entry with Karl" in (await bot.hears(ana, "share this entry"))["text"]
    await bot.outbox_settled()
    for mentor in (lars, karl):
        assert not any("Meant for Lars" in m["text"] for m in bot.sandbox.state.messages(mentor.id))


async def test_an_edited_message_is_not_taken_as_new_words(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Okay")
    sent = bot.sandbox.state.user_sends_text(ana.id, "First version.")
    await bot.hears(ana, "share this entry")
    edited = dict(sent["message"], text="Edited version.", edit_date=sent["message"]["date"] + 5)
    bot.sandbox.state.updates.put("edited_message", edited)

    assert "don't pick up edits" in (await bot.hears(ana, "edits"))["text"]
    async with bot.sessionmaker() as session:
        entry = await session.scalar(select(CheckIn))
    assert entry is not None and entry.reflection is not None
    cipher = bot.application.bot_data.services.cipher
    assert read_reflection(cipher, entry) == "First version."


async def test_words_written_a_day_after_the_mood_are_not_folded_into_that_entry(
    bot: RunningBot,
) -> None:
    ana, _ = await paired(bot)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Okay")
    await bot.hears(ana, "write a few lines")
    bot.clock.advance(timedelta(days=1))

    bot.says(ana, "Something else entirely, a day later.")

    assert "haven't kept this message" in (await bot.hears(ana))["text"]
    async with bot.sessionmaker() as session:
        entry = await session.scalar(select(CheckIn))
    assert entry is not None and entry.reflection is None and entry.status == "done"
