"""Voice notes in an entry: kept as Telegram's file id only, encrypted apart from the text,
several to an entry up to a limit, never twice for one message."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.services import checkins
from bot.services.checkins import MAX_VOICE_NOTES, read_reflection, read_voice_notes
from bot.services.errors import Refused
from db.models import CheckIn
from tests.services.test_checkins import a_student

cipher = ReflectionCipher(new_key())
VOICE = "AwACAgIAAxkBAAIvoice"


async def an_open_entry(session: AsyncSession, clock: ManualClock) -> tuple[int, int]:
    _, member_id = await a_student(session, clock)
    started = await checkins.start_checkin(
        session, now=clock.now(), member_id=member_id, mood=3, delivery_id=None
    )
    return member_id, started.checkin_id


async def voice(
    session: AsyncSession,
    clock: ManualClock,
    member_id: int,
    message_id: int,
    file_id: str = VOICE,
    caption: str | None = None,
) -> checkins.Added | None:
    return await checkins.add_voice(
        session,
        member_id=member_id,
        message_id=message_id,
        file_id=file_id,
        caption=caption,
        cipher=cipher,
        now=clock.now(),
    )


async def test_a_voice_note_is_kept_by_its_file_id_encrypted(
    session: AsyncSession, clock: ManualClock
) -> None:
    member_id, checkin_id = await an_open_entry(session, clock)

    added = await voice(session, clock, member_id, 5)

    assert added is not None and added.first and added.checkin_id == checkin_id
    entry = await session.get_one(CheckIn, checkin_id)
    assert entry.voice_notes is not None and VOICE.encode() not in entry.voice_notes
    assert read_voice_notes(cipher, entry) == [VOICE]
    assert entry.reflection is None and entry.last_message_id == 5


async def test_voice_notes_and_words_form_one_entry_in_the_order_sent(
    session: AsyncSession, clock: ManualClock
) -> None:
    member_id, checkin_id = await an_open_entry(session, clock)

    first = await voice(session, clock, member_id, 5, "AwAC-one", caption="On the way home")
    words = await checkins.add_text(
        session, member_id=member_id, message_id=6, text="Later:", cipher=cipher, now=clock.now()
    )
    second = await voice(session, clock, member_id, 7, "AwAC-two")

    assert first is not None and first.first
    assert words is not None and not words.first  # the share question was asked already
    assert second is not None and not second.first
    entry = await session.get_one(CheckIn, checkin_id)
    assert read_voice_notes(cipher, entry) == ["AwAC-one", "AwAC-two"]
    assert read_reflection(cipher, entry) == "On the way home\n\nLater:"


async def test_words_first_then_a_voice_note_asks_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    member_id, _ = await an_open_entry(session, clock)
    words = await checkins.add_text(
        session, member_id=member_id, message_id=3, text="Words.", cipher=cipher, now=clock.now()
    )

    added = await voice(session, clock, member_id, 4)

    assert words is not None and words.first
    assert added is not None and not added.first


async def test_a_redelivered_voice_note_adds_nothing_and_asks_again(
    session: AsyncSession, clock: ManualClock
) -> None:
    member_id, checkin_id = await an_open_entry(session, clock)
    first = await voice(session, clock, member_id, 9)

    again = await voice(session, clock, member_id, 9)
    older = await voice(session, clock, member_id, 8, "AwAC-older")

    assert first is not None and again is not None and again.first
    assert older is not None and not older.first
    entry = await session.get_one(CheckIn, checkin_id)
    assert read_voice_notes(cipher, entry) == [VOICE]


async def test_an_entry_holds_a_limited_number_of_voice_notes(
    session: AsyncSession, clock: ManualClock
) -> None:
    member_id, checkin_id = await an_open_entry(session, clock)
    for n in range(MAX_VOICE_NOTES):
        await voice(session, clock, member_id, n + 1, f"AwAC-{n}")

    with pytest.raises(Refused) as refusal:
        await voice(session, clock, member_id, 99, "AwAC-one-too-many")

    assert refusal.value.reason == "too_many_voice_notes"
    assert refusal.value.details == {"limit": MAX_VOICE_NOTES}
    entry = await session.get_one(CheckIn, checkin_id)
    assert len(read_voice_notes(cipher, entry)) == MAX_VOICE_NOTES
    assert entry.last_message_id == MAX_VOICE_NOTES  # the refused one is not taken as folded


async def test_without_an_open_entry_a_voice_note_is_not_kept(
    session: AsyncSession, clock: ManualClock
) -> None:
    _, member_id = await a_student(session, clock)

    assert await voice(session, clock, member_id, 1) is None
    assert (await session.scalars(select(CheckIn))).all() == []
