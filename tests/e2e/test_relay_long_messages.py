"""Whatever a person may send reaches their partner whole: a text of 4,096 characters
(counted as Telegram counts, in UTF-16 code units), a caption of 1,024, with their
formatting. When the header does not fit beside the words it goes just before them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.sandbox import SandboxUser
from db.models import RelayLink, Role
from tests.e2e.harness import RunningBot

ANA_HEADER = "💬 Ana (your mentee)"
LARS_HEADER = "💬 Lars (your mentor)"
# Bold on "Dear", a link on "this": the formatting a person's app attaches.
FORMATTING = [
    {"type": "bold", "offset": 0, "length": 4},
    {"type": "text_link", "offset": 10, "length": 4, "url": "https://example.org/"},
]


def long_text(units: int, opening: str = "Dear Lars, this is long. ") -> str:
    """A text of exactly `units` characters (ASCII after the opening)."""
    return opening + "x" * (units - len(opening))


def mark(bot: RunningBot, *users: SandboxUser) -> int:
    """The newest message seq in these chats: what comes after it is new."""
    seqs = [m["seq"] for user in users for m in bot.sandbox.state.messages(user.id)]
    return max(seqs, default=0)


def seen(bot: RunningBot, user: SandboxUser, after: int) -> list[tuple[str, str]]:
    """Everything in the user's chat since `after`: who sent it, and its text or caption."""
    return [(m["sender"], m["text"]) for m in bot.sandbox.state.messages(user.id, after_seq=after)]


def only_message(bot: RunningBot, user: SandboxUser, after: int) -> dict[str, Any]:
    (message,) = bot.sandbox.state.messages(user.id, after_seq=after)
    return message


async def in_conversation(bot: RunningBot, student: SandboxUser) -> None:
    bot.says(student, "/mentor")
    await bot.hears(student, "You are writing to")


async def test_a_students_text_of_4096_characters_reaches_the_mentor_whole(
    bot: RunningBot,
) -> None:
    _, ana, lars = await bot.ana_and_lars()
    await in_conversation(bot, ana)
    before = mark(bot, ana, lars)
    words = long_text(4096)

    bot.sandbox.state.user_sends_text(ana.id, words, entities=FORMATTING)
    header = await bot.hears(lars, ANA_HEADER)
    copy = await bot.hears(lars, "Dear Lars")

    assert seen(bot, lars, before) == [("bot", ANA_HEADER), ("bot", words)]
    assert copy["entities"] == FORMATTING
    assert header["inline_keyboard"] == []
    assert [b["text"] for row in copy["inline_keyboard"] for b in row] == ["Reply to Ana"]
    assert seen(bot, ana, before) == [("user", words)]  # no "Telegram would not take this"


async def test_a_mentors_text_of_4096_characters_reaches_the_student_whole(
    bot: RunningBot,
) -> None:
    _, ana, lars = await bot.ana_and_lars()
    await in_conversation(bot, ana)
    bot.says(ana, "How was your week?")
    question = await bot.hears(lars, "How was your week?")
    before = mark(bot, ana, lars)
    words = long_text(4096, opening="Dear Ana, this is long. ")

    bot.sandbox.state.user_sends_text(
        lars.id, words, entities=FORMATTING, reply_to_message_id=question["message_id"]
    )
    await bot.hears(ana, LARS_HEADER)
    copy = await bot.hears(ana, "Dear Ana")

    assert seen(bot, ana, before) == [("bot", LARS_HEADER), ("bot", words)]
    assert copy["entities"] == FORMATTING
    assert seen(bot, lars, before) == [("user", words)]


async def test_astral_characters_are_counted_in_utf16_units_as_telegram_counts_them(
    bot: RunningBot,
) -> None:
    _, ana, lars = await bot.ana_and_lars()
    await in_conversation(bot, ana)
    # 2,040 emoji: 4,080 units, too many for the header beside them (2,061 code points).
    apart = "🌿" * 2040
    # 2,030 emoji: 4,060 units, with room for the header in the same message.
    together = "🌿" * 2030

    before = mark(bot, ana, lars)
    bot.says(ana, apart)
    await bot.hears(lars, "🌿")
    assert seen(bot, lars, before) == [("bot", ANA_HEADER), ("bot", apart)]

    before = mark(bot, ana, lars)
    bot.says(ana, together)
    await bot.hears(lars, "🌿")
    assert seen(bot, lars, before) == [("bot", f"{ANA_HEADER}\n{together}")]
    assert seen(bot, ana, before) == [("user", together)]


async def test_a_photo_with_a_caption_of_1024_characters_keeps_it_whole(bot: RunningBot) -> None:
    _, ana, lars = await bot.ana_and_lars()
    await in_conversation(bot, ana)
    before = mark(bot, ana, lars)
    caption = long_text(1024)

    bot.sandbox.state.user_sends_photo(ana.id, caption=caption, caption_entities=FORMATTING)
    await bot.hears(lars, ANA_HEADER)
    photo = await bot.hears(lars, "Dear Lars")

    original = only_message(bot, ana, before)
    assert seen(bot, lars, before) == [("bot", ANA_HEADER), ("bot", caption)]
    assert (photo["media"], photo["file_id"]) == ("photo", original["file_id"])
    assert photo["caption"] == caption and photo["entities"] == FORMATTING
    assert seen(bot, ana, before) == [("user", caption)]

    bot.replies(lars, photo, "What a view")
    assert (await bot.hears(ana, "What a view"))["text"] == f"{LARS_HEADER}\nWhat a view"


async def test_a_mentor_replying_to_the_long_message_or_its_header_answers_that_mentee(
    bot: RunningBot,
) -> None:
    programme, ana, lars = await bot.ana_and_lars()
    ben = await bot.enrolled(programme, Role.STUDENT, "Ben")
    await bot.pair(programme, ben, lars)
    await in_conversation(bot, ana)
    bot.sandbox.state.user_sends_text(ana.id, long_text(4096))
    header = await bot.hears(lars, ANA_HEADER)
    copy = await bot.hears(lars, "Dear Lars")
    bot.says(lars, "/mentee")  # Lars is writing to Ben ...
    choice = await bot.hears(lars, "Whom would you like to write to?")
    await bot.presses(lars, choice, "Ben")
    await bot.hears(lars, "You are writing to Ben")
    before = mark(bot, ana, ben)

    bot.replies(lars, copy, "Answer to the copy")  # ... but answers Ana's message
    await bot.hears(ana, "Answer to the copy")
    bot.replies(lars, header, "Answer to the header")
    await bot.hears(ana, "Answer to the header")

    assert seen(bot, ana, before) == [
        ("bot", f"{LARS_HEADER}\nAnswer to the copy"),
        ("bot", f"{LARS_HEADER}\nAnswer to the header"),
    ]
    assert seen(bot, ben, before) == []


async def test_a_long_message_delivered_again_after_a_crash_is_not_copied_twice(
    bot: RunningBot,
) -> None:
    _, ana, lars = await bot.ana_and_lars()
    await in_conversation(bot, ana)
    update = bot.sandbox.state.user_sends_text(ana.id, long_text(4096))
    header = await bot.hears(lars, ANA_HEADER)
    await bot.hears(lars, "Dear Lars")
    before = mark(bot, ana, lars)

    bot.sandbox.state.updates.put("message", update["message"])  # as Telegram after a crash
    bot.says(ana, "and one more thing")  # handled after the redelivery: a barrier
    barrier = await bot.hears(lars, "one more thing")

    assert seen(bot, lars, before) == [("bot", f"{ANA_HEADER}\nand one more thing")]
    async with bot.sessionmaker() as session:
        links = (
            await session.execute(
                select(RelayLink.origin_chat_id, RelayLink.origin_message_id).where(
                    RelayLink.target_message_id != barrier["message_id"]
                )
            )
        ).all()
    # One link for the message, one for its header (its own origin, in Lars's chat).
    assert sorted(links) == sorted(
        [(ana.id, update["message"]["message_id"]), (lars.id, header["message_id"])]
    )
