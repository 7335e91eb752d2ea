"""Student and mentor write to each other through the bot: copied under a header, replies
reach the right person, conversations end, failures are explained, nothing is stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.pairing import unpair
from db.base import Base
from db.models import Member, MemberStatus, Programme, Role
from tests.e2e.harness import RunningBot

NOT_PASSED_ON = "I haven't kept this message or passed it on to anyone"


async def test_a_student_writes_and_the_mentor_answers_by_replying(bot: RunningBot) -> None:
    _, ana, lars = await bot.ana_and_lars()

    bot.says(ana, "/mentor")
    await bot.hears(ana, "You are writing to Lars")
    bot.says(ana, "Could we meet <before> the exam?")
    copy = await bot.hears(lars, "before")

    assert copy["text"] == "💬 Ana (your mentee)\nCould we meet <before> the exam?"
    bot.sandbox.state.user_sends_text(
        lars.id, "Yes, Thursday?", reply_to_message_id=copy["message_id"]
    )
    answer = await bot.hears(ana, "Thursday")
    assert answer["text"] == "💬 Lars (your mentor)\nYes, Thursday?"

    bot.says(ana, "/done")
    await bot.hears(ana, "Your conversation with Lars is closed")
    bot.says(ana, "just thinking aloud")
    await bot.hears(ana, NOT_PASSED_ON)  # the general reply to stray text
    assert not [m for m in bot.sandbox.state.messages(lars.id) if "thinking aloud" in m["text"]]


async def test_a_mentor_with_two_mentees_chooses_and_replies_reach_the_right_one(
    bot: RunningBot,
) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    ben = await bot.enrolled(programme, Role.STUDENT, "Ben")
    await bot.pair(programme, ben, lars)

    bot.says(lars, "/mentee")
    choice = await bot.hears(lars, "Whom would you like to write to?")
    await bot.presses(lars, choice, "Ben")
    await bot.hears(lars, "You are writing to Ben")
    bot.says(lars, "Hello Ben")
    await bot.hears(ben, "Hello Ben")

    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")
    bot.says(ana, "A question from Ana")
    from_ana = await bot.hears(lars, "A question from Ana")
    bot.sandbox.state.user_sends_text(
        lars.id, "Answer for Ana", reply_to_message_id=from_ana["message_id"]
    )
    await bot.hears(ana, "Answer for Ana")
    assert not [m for m in bot.sandbox.state.messages(ben.id) if "Answer for Ana" in m["text"]]


async def test_a_quiet_conversation_closes_and_the_message_is_not_sent(bot: RunningBot) -> None:
    _, ana, lars = await bot.ana_and_lars()
    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")
    seen_by_lars = len(bot.sandbox.state.messages(lars.id))

    bot.clock.advance(timedelta(minutes=31))
    bot.says(ana, "Are you there?")
    closed = await bot.hears(ana, "closed after a while of quiet")

    assert len(bot.sandbox.state.messages(lars.id)) == seen_by_lars
    await bot.presses(ana, closed, "Lars")
    await bot.hears(ana, "You are writing to Lars")


async def test_a_partner_who_blocked_the_bot_or_was_unpaired_is_explained(
    bot: RunningBot,
) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")

    bot.sandbox.state.block(lars.id)
    bot.says(ana, "Hello?")
    await bot.hears(ana, "cannot receive messages from the bot right now")
    async with bot.sessionmaker() as session:
        status = await session.scalar(
            select(Member.status).where(Member.telegram_user_id == lars.id)
        )
    assert status == MemberStatus.BLOCKED

    async with bot.sessionmaker() as session, session.begin():
        student = await session.scalar(select(Member.id).where(Member.telegram_user_id == ana.id))
        assert student is not None
        await unpair(
            session,
            now=bot.clock.now(),
            programme=await session.get_one(Programme, programme.id),
            student_id=student,
            actor="test",
        )
    bot.says(ana, "Still there?")
    await bot.hears(ana, NOT_PASSED_ON)  # no conversation any more


async def test_someone_elses_pair_cannot_be_opened_with_a_forged_button(bot: RunningBot) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    eve = await bot.enrolled(programme, Role.STUDENT, "Eve")
    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")
    bot.says(ana, "private words")
    copy = await bot.hears(lars, "private words")
    pair_id = copy["inline_keyboard"][0][0]["callback_data"].split(":")[-1]

    bot.says(eve, "/help")
    helped = await bot.hears(eve, "/privacy")
    bot.sandbox.state.user_sends_callback_data(eve.id, helped["message_id"], f"rl:o:{pair_id}")
    await bot.hears(eve, "That is not one of your pairs")
    bot.says(eve, "hello Lars")
    await bot.hears(eve, NOT_PASSED_ON)
    assert not [m for m in bot.sandbox.state.messages(lars.id) if "hello Lars" in m["text"]]


async def test_no_message_content_is_stored(
    bot: RunningBot, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    _, ana, lars = await bot.ana_and_lars()
    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")
    bot.says(ana, "a sentence only Lars should ever read")
    await bot.hears(lars, "only Lars")

    async with sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(text(f"SELECT * FROM {table.name}"))).all()
            assert not [row for row in rows if "only Lars" in repr(tuple(row))], table.name


async def test_photos_voice_notes_and_documents_are_copied_with_a_header(
    bot: RunningBot,
) -> None:
    _, ana, lars = await bot.ana_and_lars()
    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")
    state = bot.sandbox.state

    state.user_sends_photo(ana.id, caption="The <ward> at dawn")
    photo = await bot.hears(lars, "at dawn")
    state.user_sends_voice(ana.id)
    voice = await bot.hears(lars, "Ana")
    state.user_sends_document(ana.id, "notes.pdf")
    document = await bot.hears(lars, "Ana")

    sent = {m["message_id"]: m for m in state.messages(ana.id)}
    originals = [m for m in sent.values() if m["media"]]
    assert [m["media"] for m in (photo, voice, document)] == ["photo", "voice", "document"]
    assert [m["file_id"] for m in (photo, voice, document)] == [m["file_id"] for m in originals]
    assert photo["caption"] == "💬 Ana (your mentee)\nThe <ward> at dawn"
    assert voice["caption"] == document["caption"] == "💬 Ana (your mentee)"

    bot.replies(lars, photo, "Beautiful light")
    await bot.hears(ana, "Beautiful light")


async def test_a_partner_who_left_the_programme_is_explained(bot: RunningBot) -> None:
    _, ana, lars = await bot.ana_and_lars()
    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")
    async with bot.sessionmaker() as session, session.begin():
        mentor = await session.scalar(select(Member).where(Member.telegram_user_id == lars.id))
        assert mentor is not None
        mentor.status = MemberStatus.LEFT
    seen_by_lars = len(bot.sandbox.state.messages(lars.id))

    bot.says(ana, "Are you still there?")
    await bot.hears(ana, "Lars has left the programme")
    assert len(bot.sandbox.state.messages(lars.id)) == seen_by_lars
