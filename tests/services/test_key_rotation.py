"""After a key rotation: old keys' check-ins counted, and re-encrypted in committed batches
with each column's binding kept; what no key opens is counted and left as it is."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.doctor import rotation_checks
from bot.core.clock import ManualClock
from bot.core.config import load_config
from bot.core.crypto import ReflectionCipher, checkin_binding, checkin_voice_binding, new_key
from bot.services.checkins import read_reflection, read_voice_notes
from bot.services.key_rotation import (
    KeyCensus,
    key_census,
    reencrypt_batch,
    reencrypted_values,
    write_back,
)
from db.models import CheckIn, CheckInStatus
from tests.services.test_checkins import a_student

OLD, NEW, LOST = new_key(), new_key(), new_key()


async def an_entry(
    session: AsyncSession,
    clock: ManualClock,
    key: str,
    *,
    words: str | None,
    voices: list[str] | None = None,
) -> int:
    programme_id, member_id = await a_student(session, clock)
    entry = CheckIn(
        programme_id=programme_id,
        member_id=member_id,
        mood=3,
        status=CheckInStatus.DONE,
        created_at=clock.now(),
        completed_at=clock.now(),
    )
    session.add(entry)
    await session.flush()
    cipher = ReflectionCipher(key)
    if words is not None:
        entry.reflection = cipher.encrypt(words, bound_to=checkin_binding(entry.id))
    if voices is not None:
        notes = json.dumps(voices)
        entry.voice_notes = cipher.encrypt(notes, bound_to=checkin_voice_binding(entry.id))
    return entry.id


async def test_old_keys_entries_are_counted_then_reencrypted_batch_by_batch(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with sessionmaker() as session, session.begin():
        both = await an_entry(session, clock, OLD, words="Ana's words", voices=["AwAC1", "AwAC2"])
        voice_only = await an_entry(session, clock, OLD, words=None, voices=["AwAC3"])
        newer = await an_entry(session, clock, NEW, words="written after the rotation")
        lost = await an_entry(session, clock, LOST, words="nobody can read this")
        await an_entry(session, clock, OLD, words=None)  # a mood alone: nothing encrypted
        lost_value = (await session.get_one(CheckIn, lost)).reflection
    ring = ReflectionCipher(NEW, [OLD])

    async with sessionmaker() as session:
        before = await key_census(session, ring)
    batches, after = [], 0
    while True:  # one check-in to a batch, each committed on its own
        async with sessionmaker() as session, session.begin():
            batch = await reencrypt_batch(session, ring, after_id=after, limit=1)
        if batch.last_id is None:
            break
        batches.append((batch.reencrypted, batch.unreadable))
        after = batch.last_id
    async with sessionmaker() as session:
        done = await key_census(session, ring)
        entries = {i: await session.get_one(CheckIn, i) for i in (both, voice_only, newer, lost)}

    assert before == KeyCensus(current=1, old=2, unreadable=1)
    assert batches == [(1, 0), (1, 0), (0, 0), (0, 1)]
    assert done == KeyCensus(current=3, old=0, unreadable=1)
    alone = ReflectionCipher(NEW)  # the old key can go now
    assert read_reflection(alone, entries[both]) == "Ana's words"
    assert read_voice_notes(alone, entries[both]) == ["AwAC1", "AwAC2"]
    assert read_reflection(alone, entries[voice_only]) == ""
    assert read_voice_notes(alone, entries[voice_only]) == ["AwAC3"]
    assert read_reflection(alone, entries[newer]) == "written after the rotation"
    assert entries[lost].reflection == lost_value  # left for a key found later
    assert read_reflection(ReflectionCipher(LOST), entries[lost]) == "nobody can read this"


async def test_a_pass_over_what_the_current_key_wrote_changes_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    entry_id = await an_entry(session, clock, NEW, words="already new", voices=["AwAC"])
    await session.commit()
    stored = (await session.get_one(CheckIn, entry_id)).reflection

    batch = await reencrypt_batch(session, ReflectionCipher(NEW, [OLD]), after_id=0, limit=50)
    await session.commit()
    session.expire_all()

    assert (batch.reencrypted, batch.unreadable, batch.last_id) == (0, 0, entry_id)
    assert (await session.get_one(CheckIn, entry_id)).reflection == stored


async def test_doctor_counts_old_keys_entries_and_says_when_the_old_key_can_go(
    sessionmaker: async_sessionmaker[AsyncSession], database_url: str, clock: ManualClock
) -> None:
    async with sessionmaker() as session, session.begin():
        for _ in range(2):
            await an_entry(session, clock, OLD, words="before", voices=["AwAC"])
    config = load_config(environ={"FRIZON_DATABASE_URL": database_url})
    ring = ReflectionCipher(NEW, [OLD])

    during = [check.line() for check in await rotation_checks(config, ring)]
    async with sessionmaker() as session, session.begin():
        await reencrypt_batch(session, ring, after_id=0, limit=10)
    done = [check.line() for check in await rotation_checks(config, ring)]
    without_old_keys = await rotation_checks(config, ReflectionCipher(NEW))

    assert during == [
        "✓ reflections on old keys: 2 (the running bot re-encrypts them with the current "
        "key; keep the old keys until this is 0)"
    ]
    assert done == [
        "✓ reflections on old keys: 0 — the old keys can be removed "
        "(FRIZON_REFLECTION_OLD_KEYS, security.old_reflection_keys)"
    ]
    assert without_old_keys == []  # nothing to say once the rotation is over


async def test_words_a_student_adds_meanwhile_are_not_overwritten_by_the_older_text(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """Re-encryption read the entry, the student added a line (written with the current
    key), then the batch is written back: the student's version stands."""
    async with sessionmaker() as session, session.begin():
        entry_id = await an_entry(session, clock, OLD, words="first line", voices=["AwAC1"])
    ring = ReflectionCipher(NEW, [OLD])
    async with sessionmaker() as session:
        _, values = await reencrypted_values(session, ring, after_id=0, limit=10)
    async with sessionmaker() as session, session.begin():
        entry = await session.get_one(CheckIn, entry_id)
        entry.reflection = ring.encrypt(
            "first line\nand a second", bound_to=checkin_binding(entry_id)
        )
    async with sessionmaker() as session, session.begin():
        await write_back(session, values)
    async with sessionmaker() as session:
        entry = await session.get_one(CheckIn, entry_id)
        census = await key_census(session, ring)

    assert len(values) == 2  # the words and the voice notes
    alone = ReflectionCipher(NEW)
    assert read_reflection(alone, entry) == "first line\nand a second"
    assert read_voice_notes(alone, entry) == ["AwAC1"]  # unchanged meanwhile: re-encrypted
    assert census == KeyCensus(current=1, old=0, unreadable=0)
