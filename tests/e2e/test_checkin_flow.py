"""A check-in through the real bot: mood, words, share or keep; the mentor sees only what
was shared, exactly as written; nothing readable is stored."""

import asyncio
from typing import Any

from sqlalchemy import func, select

from db.models import AuditEvent, CheckIn, CheckInStatus, Delivery, HelpUse, Role
from tests.e2e.harness import RunningBot


async def paired(bot: RunningBot) -> tuple[Any, Any]:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.says(maja, "/pair")
    await bot.presses(maja, await bot.hears(maja, "which student"), "Ana")
    await bot.presses(maja, await bot.hears(maja, "who should mentor"), "Lars")
    await bot.hears(ana, "You have a mentor")
    await bot.hears(lars, "new mentee")
    return ana, lars


async def entries(bot: RunningBot) -> list[CheckIn]:
    async with bot.sessionmaker() as session:
        return list((await session.scalars(select(CheckIn).order_by(CheckIn.id))).all())


async def test_a_shared_entry_reaches_the_mentor_exactly_as_written(bot: RunningBot) -> None:
    ana, lars = await paired(bot)
    words = "Hard night shift. A patient's daughter thanked me — I cried in the sluice room 🙂"

    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Low")
    await bot.hears(ana, "write a few lines")
    bot.says(ana, words)
    await bot.presses(ana, await bot.hears(ana, "share this entry with Lars"), "Share with Lars")

    assert "Shared with Lars" in (await bot.hears(ana, "Shared"))["text"]
    header = await bot.hears(lars, "shared an entry")
    assert "Ana shared an entry with you. Mood: Low." in header["text"]
    assert (await bot.hears(lars))["text"] == words
    (entry,) = await entries(bot)
    assert entry.shared and entry.status == CheckInStatus.DONE and entry.mood == 2
    assert entry.reflection is not None and b"sluice" not in entry.reflection


async def test_a_private_entry_reaches_nobody(bot: RunningBot) -> None:
    ana, lars = await paired(bot)
    before = len(bot.sandbox.state.messages(lars.id))

    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Good")
    bot.says(ana, "Something only for me.")
    await bot.presses(ana, await bot.hears(ana, "share this entry"), "Keep private")
    await bot.hears(ana, "Kept just for you")
    await bot.outbox_settled()

    assert len(bot.sandbox.state.messages(lars.id)) == before
    (entry,) = await entries(bot)
    assert not entry.shared


async def test_several_messages_in_a_row_form_one_entry(bot: RunningBot) -> None:
    ana, lars = await paired(bot)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Okay")
    invitation = await bot.hears(ana, "write a few lines")

    bot.says(ana, "First thought.")
    question = await bot.hears(ana, "share this entry")
    (now,) = [
        m for m in bot.sandbox.state.messages(ana.id) if m["message_id"] == invitation["message_id"]
    ]
    assert not now["inline_keyboard"]  # Skip no longer applies once words arrived
    bot.says(ana, "Second thought.")
    await bot.hears(ana, "Added to your entry")
    await bot.presses(ana, question, "Share with Lars")

    await bot.hears(lars, "shared an entry")
    assert (await bot.hears(lars))["text"] == "First thought.\n\nSecond thought."
    assert len(await entries(bot)) == 1


async def test_a_long_entry_reaches_the_mentor_in_parts_without_losing_a_word(
    bot: RunningBot,
) -> None:
    ana, lars = await paired(bot)
    sentences = [f"Sentence {n} about the ward and the team." for n in range(180)]
    first, second = " ".join(sentences[:90]), " ".join(sentences[90:])  # each under 4096
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Good")
    bot.says(ana, first)
    question = await bot.hears(ana, "share this entry")
    bot.says(ana, second)
    await bot.hears(ana, "Added")
    await bot.presses(ana, question, "Share with Lars")

    await bot.hears(lars, "shared an entry")
    await bot.outbox_settled()
    transcript = [m["text"] for m in bot.sandbox.state.messages(lars.id)]
    header = max(i for i, text in enumerate(transcript) if "shared an entry" in text)
    parts = transcript[header + 1 :]
    assert len(parts) >= 2
    assert all(len(part) <= 4096 for part in parts)
    assert " ".join(" ".join(parts).split()).endswith(" ".join(second.split()))
    assert "Sentence 0 about" in parts[0] and "Sentence 179 about" in parts[-1]


async def test_skipping_the_words_still_records_the_mood(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Great")

    await bot.presses(ana, await bot.hears(ana, "write a few lines"), "Skip")
    await bot.presses(ana, await bot.hears(ana, "share this entry"), "Keep private")

    await bot.hears(ana, "Kept just for you")
    (entry,) = await entries(bot)
    assert (entry.mood, entry.reflection, entry.status) == (5, None, CheckInStatus.DONE)


async def test_without_a_mentor_the_entry_is_simply_kept(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Okay")
    bot.says(ana, "Nobody to share with yet.")

    question = await bot.hears(ana, "just for you")
    labels = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Done"]
    await bot.presses(ana, question, "Done")
    await bot.hears(ana, "Kept just for you")


async def test_a_second_tap_on_share_says_it_is_shared_and_changes_nothing(
    bot: RunningBot,
) -> None:
    ana, lars = await paired(bot)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Good")
    bot.says(ana, "Once.")
    question = await bot.hears(ana, "share this entry")
    data = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    bot.sandbox.state.user_sends_callback_data(ana.id, question["message_id"], data)
    await bot.hears(ana, "Shared with Lars")
    bot.sandbox.state.user_sends_callback_data(ana.id, question["message_id"], data)

    assert (await bot.hears(ana))["text"] == "Shared with Lars. Thank you for writing."
    await bot.outbox_settled()
    headers = [m for m in bot.sandbox.state.messages(lars.id) if "shared an entry" in m["text"]]
    assert len(headers) == 1


async def test_a_sticker_in_an_entry_is_explained_and_the_entry_stays_open(
    bot: RunningBot,
) -> None:
    ana, _ = await paired(bot)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Good")
    state = bot.sandbox.state
    state.updates.put(
        "message",
        {
            "message_id": 9001,
            "date": 1_790_000_000,
            "chat": {"id": ana.id, "type": "private", "first_name": "Ana"},
            "from": ana.to_telegram(),
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "s1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        },
    )

    assert "only keep words" in (await bot.hears(ana, "words"))["text"]
    bot.says(ana, "Words after all.")
    await bot.hears(ana, "share this entry")


async def test_mentors_and_coordinators_cannot_check_in(bot: RunningBot) -> None:
    programme = await bot.programme()
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")

    bot.says(lars, "/checkin")

    assert "Check-ins are for students" in (await bot.hears(lars))["text"]


async def help_uses(bot: RunningBot, *, until: list[int]) -> list[int]:
    """The help counts, once the count made after the answer is committed (or as they are)."""
    for _ in range(100):
        async with bot.sessionmaker() as session:
            uses = list((await session.scalars(select(HelpUse.uses))).all())
        if uses == until:
            break
        await asyncio.sleep(0.05)
    return uses


def labels(message: dict[str, Any]) -> list[str]:
    return [
        b["text"]
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]


async def test_the_lowest_mood_brings_a_quiet_offer_of_help_and_the_entry_goes_on(
    bot: RunningBot,
) -> None:
    ana, lars = await paired(bot)
    async with bot.sessionmaker() as session:
        deliveries_before = await session.scalar(select(func.count()).select_from(Delivery))
        events_before = await session.scalar(select(func.count()).select_from(AuditEvent))
    seen_by_lars = len(bot.sandbox.state.messages(lars.id))

    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Rough")
    question = await bot.hears(ana, "write a few lines")
    assert labels(question) == ["Skip", "I need help"]
    await bot.presses(ana, question, "I need help")

    support = await bot.hears(ana, "call 112")
    assert bot.sandbox.state.messages(ana.id)[-1]["message_id"] == support["message_id"]
    bot.says(ana, "A rough week.")
    await bot.presses(ana, await bot.hears(ana, "share this entry"), "Keep private")
    await bot.hears(ana, "Kept just for you")
    bot.says(ana, "I need help")  # the button under the text box: the very same answer
    assert (await bot.hears(ana, "call 112"))["text"] == support["text"]
    await bot.outbox_settled()

    (entry,) = await entries(bot)
    assert (entry.mood, entry.status, entry.shared) == (1, CheckInStatus.DONE, False)
    assert entry.reflection is not None
    async with bot.sessionmaker() as session:
        deliveries_after = await session.scalar(select(func.count()).select_from(Delivery))
        events_after = await session.scalar(select(func.count()).select_from(AuditEvent))
    assert (deliveries_after, events_after) == (deliveries_before, events_before)
    assert await help_uses(bot, until=[2]) == [2]  # each counted alike: a number, no person
    assert len(bot.sandbox.state.messages(lars.id)) == seen_by_lars  # the mentor hears nothing


async def test_no_help_offer_beside_the_question_for_the_other_moods(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    for mood in ("Low", "Okay", "Good", "Great"):
        bot.says(ana, "/checkin")
        await bot.presses(ana, await bot.hears(ana, "How are you doing"), mood)
        question = await bot.hears(ana, f"{mood}. Thank you")
        assert labels(question) == ["Skip"]
        await bot.presses(ana, question, "Skip")
        await bot.presses(ana, await bot.hears(ana, "share this entry"), "Keep private")
        await bot.hears(ana, "Kept just for you")
