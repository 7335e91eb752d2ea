"""A reflection by voice through the real bot: a student answers with a voice note, shares
it and the mentor receives it as a voice message under the entry's header, or keeps it and
nobody does; /history plays it back, deletes it; /mydata lists it, /forget erases it, the
research export leaves it out; and the database never holds its file id in clear."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.core.crypto import checkin_voice_binding
from bot.sandbox import SandboxUser
from bot.services.checkins import MAX_VOICE_NOTES, read_reflection, read_voice_notes
from bot.services.prompts import queue_prompt_now
from bot.services.research import research_export, write_csv
from db.base import Base
from db.models import AuditEvent, CheckIn, CheckInStatus, Membership, Programme, Role
from tests.e2e.harness import RunningBot
from tests.e2e.test_checkin_flow import entries, paired


def since(bot: RunningBot, user: SandboxUser, seen: int) -> list[dict[str, Any]]:
    return [m for m in bot.sandbox.state.messages(user.id)[seen:] if m["sender"] == "bot"]


def sends_voice(bot: RunningBot, student: SandboxUser, caption: str | None = None) -> str:
    """The student records a voice note; its Telegram file id."""
    update = bot.sandbox.state.user_sends_voice(student.id, caption=caption)
    return str(update["message"]["voice"]["file_id"])


async def voice_entry(bot: RunningBot, student: SandboxUser, choice: str) -> str:
    """/checkin answered with a voice note alone, then shared or kept; its file id."""
    bot.says(student, "/checkin")
    await bot.presses(student, await bot.hears(student, "How are you doing"), "Low")
    await bot.hears(student, "send a voice note")
    file_id = sends_voice(bot, student)
    await bot.presses(student, await bot.hears(student, "share this entry"), choice)
    await bot.hears(student, "Thank you for writing")
    return file_id


async def test_a_prompt_answered_by_voice_and_shared_reaches_the_mentor_as_a_voice_message(
    bot: RunningBot,
) -> None:
    ana, lars = await paired(bot)
    async with bot.sessionmaker() as session, session.begin():
        programme = await session.scalar(select(Programme))
        assert programme is not None
        await queue_prompt_now(
            session,
            now=bot.clock.now(),
            catalogue=bot.application.bot_data.services.catalogue,
            programme=programme,
            actor="cli",
            prompt_key="transition-who-welcomed-you",
        )
    bot.application.bot_data.services.wake_sender()
    await bot.presses(ana, await bot.hears(ana, "Start with how you are doing"), "Good")
    invitation = await bot.hears(ana, "write a few lines or send a voice note")

    file_id = sends_voice(bot, ana)
    question = await bot.hears(ana, "share this entry with Lars")
    (now,) = [
        m for m in bot.sandbox.state.messages(ana.id) if m["message_id"] == invitation["message_id"]
    ]
    assert not now["inline_keyboard"]  # Skip no longer applies once a voice note arrived
    await bot.presses(ana, question, "Share with Lars")

    assert "Shared with Lars" in (await bot.hears(ana, "Shared"))["text"]
    header = await bot.hears(lars, "shared an entry")
    assert "Ana shared an entry with you. Mood: Good." in header["text"]
    assert "Prompt:" in header["text"] and "With a voice note, below." in header["text"]
    assert "No text this time" not in header["text"]
    note = await bot.hears(lars)
    assert (note["media"], note["file_id"], note["text"]) == ("voice", file_id, "")
    await bot.outbox_settled()
    (entry,) = await entries(bot)
    assert entry.shared and entry.status == CheckInStatus.DONE and entry.delivery_id is not None
    assert entry.reflection is None
    assert read_voice_notes(bot.application.bot_data.services.cipher, entry) == [file_id]


async def test_words_and_voice_notes_reach_the_mentor_together_in_order(bot: RunningBot) -> None:
    ana, lars = await paired(bot)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Okay")
    bot.says(ana, "A hard handover.")
    question = await bot.hears(ana, "share this entry")
    first = sends_voice(bot, ana, caption="On the bus home")
    await bot.hears(ana, "Added to your entry")
    second = sends_voice(bot, ana)
    await bot.hears(ana, "Added to your entry")
    await bot.presses(ana, question, "Share with Lars")

    header = await bot.hears(lars, "shared an entry")
    assert "With 2 voice notes, below." in header["text"]
    await bot.outbox_settled()
    after = since(bot, lars, 0)
    start = after.index(next(m for m in after if m["message_id"] == header["message_id"]))
    assert [(m["media"], m["file_id"] or m["text"]) for m in after[start + 1 :]] == [
        (None, "A hard handover.\n\nOn the bus home"),
        ("voice", first),
        ("voice", second),
    ]


async def test_a_voice_note_kept_private_reaches_nobody(bot: RunningBot) -> None:
    ana, lars = await paired(bot)
    seen = len(bot.sandbox.state.messages(lars.id))

    await voice_entry(bot, ana, "Keep private")
    await bot.outbox_settled()

    assert since(bot, lars, seen) == []
    (entry,) = await entries(bot)
    assert not entry.shared and entry.voice_notes is not None


async def test_a_redelivered_voice_note_is_not_added_twice(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Okay")
    update = bot.sandbox.state.user_sends_voice(ana.id)
    question = await bot.hears(ana, "share this entry")

    bot.sandbox.state.updates.put("message", update["message"])  # as Telegram after a crash
    bot.says(ana, "And one more thing.")  # handled after the redelivery: a barrier
    await bot.hears(ana, "Added to your entry")

    later = [m for m in since(bot, ana, 0) if m["seq"] > question["seq"]]
    assert [m["text"] for m in later] == ["Added to your entry."]
    (entry,) = await entries(bot)
    cipher = bot.application.bot_data.services.cipher
    assert read_voice_notes(cipher, entry) == [update["message"]["voice"]["file_id"]]
    assert read_reflection(cipher, entry) == "And one more thing."


async def test_a_voice_note_past_the_limit_is_refused_kindly_and_the_entry_stays_open(
    bot: RunningBot,
) -> None:
    ana, _ = await paired(bot)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Okay")
    first = sends_voice(bot, ana)
    question = await bot.hears(ana, "share this entry")
    cipher = bot.application.bot_data.services.cipher
    full = [first] + [f"AwAC-earlier-{n}" for n in range(1, MAX_VOICE_NOTES)]
    async with bot.sessionmaker() as session, session.begin():  # as if nine more came
        entry = await session.scalar(select(CheckIn))
        assert entry is not None
        entry.voice_notes = cipher.encrypt(
            json.dumps(full), bound_to=checkin_voice_binding(entry.id)
        )

    sends_voice(bot, ana)

    refusal = (await bot.hears(ana))["text"]
    assert refusal == (
        f"This entry already holds {MAX_VOICE_NOTES} voice notes, its limit, so that one "
        "wasn't added. Tap a button above to finish it, then /checkin starts a new one."
    )
    await bot.presses(ana, question, "Keep private")
    await bot.hears(ana, "Kept just for you")
    (kept,) = await entries(bot)
    assert read_voice_notes(cipher, kept) == full


async def test_a_voice_note_without_an_open_entry_is_not_kept(bot: RunningBot) -> None:
    ana, _ = await paired(bot)

    sends_voice(bot, ana)

    assert (await bot.hears(ana))["text"] == (
        "I keep voice notes only as part of a check-in entry, so this one wasn't kept. "
        "Send /checkin, choose a mood, then send your voice note again."
    )
    assert await entries(bot) == []


async def test_history_shows_the_voice_note_and_plays_it_back_to_the_student(
    bot: RunningBot,
) -> None:
    ana, lars = await paired(bot)
    file_id = await voice_entry(bot, ana, "Keep private")
    seen = len(bot.sandbox.state.messages(lars.id))

    bot.says(ana, "/history")
    shown = await bot.hears(ana, "Entry 1 of 1")
    assert "With a voice note: Listen plays it here." in shown["text"]
    assert "No text, just the mood" not in shown["text"]
    await bot.presses(ana, shown, "Listen")

    played = await bot.hears(ana)
    assert (played["media"], played["file_id"]) == ("voice", file_id)
    await bot.outbox_settled()
    assert since(bot, lars, seen) == []  # played back to its author alone


async def test_deleting_an_entry_forgets_its_voice_note(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    await voice_entry(bot, ana, "Keep private")
    (entry,) = await entries(bot)

    bot.says(ana, "/history")
    shown = await bot.hears(ana, "Entry 1 of 1")
    await bot.presses(ana, shown, "Delete")
    await bot.presses(ana, await bot.hears(ana, "Delete this entry for good"), "Yes, delete")
    await bot.hears(ana, "Deleted")

    assert await entries(bot) == []
    bot.sandbox.state.user_sends_callback_data(ana.id, shown["message_id"], f"hi:l:{entry.id}")
    assert "no longer valid" in (await bot.hears(ana))["text"]
    assert [m for m in since(bot, ana, 0) if m["media"] == "voice"] == []


async def test_mydata_lists_the_voice_notes_file_ids(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    file_id = await voice_entry(bot, ana, "Keep private")

    bot.says(ana, "/mydata")
    sent = await bot.hears(ana, "everything frizon keeps about you")

    assert "voice notes you sent" in sent["caption"]
    content = bot.sandbox.state.file_content(sent["file_id"])
    assert content is not None
    (entry,) = json.loads(content)["checkins"]
    assert (entry["reflection"], entry["voice_notes"]) == ("", [file_id])


async def test_forget_erases_the_voice_notes(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    await voice_entry(bot, ana, "Share with Lars")

    bot.says(ana, "/forget")
    await bot.presses(ana, await bot.hears(ana, "Erase your data?"), "Erase my data")
    await bot.hears(ana, "I no longer know who you are")

    (entry,) = await entries(bot)
    assert (entry.voice_notes, entry.reflection, entry.mood) == (None, None, 2)
    async with bot.sessionmaker() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "erasure"))
    assert event is not None and event.details["reflections_erased"] == 1  # a voice-only one


async def test_the_research_export_leaves_voice_notes_out(bot: RunningBot) -> None:
    ana, _ = await paired(bot)
    file_id = await voice_entry(bot, ana, "Keep private")
    async with bot.sessionmaker() as session, session.begin():
        for membership in await session.scalars(
            select(Membership).where(Membership.role == Role.STUDENT)
        ):
            membership.research_consent = True
        programme = await session.scalar(select(Programme))
        assert programme is not None
        services = bot.application.bot_data.services
        export = await research_export(
            session,
            now=bot.clock.now(),
            programme=programme,
            cipher=services.cipher,
            catalogue=services.catalogue,
            actor="test",
        )
    out = io.StringIO()
    write_csv(export.rows, out)

    (row,) = export.rows
    assert (row.mood, row.reflection) == (2, "")  # the entry counts; its voice is not there
    assert file_id not in out.getvalue()


async def test_the_database_never_holds_a_voice_notes_file_id_in_clear(
    bot: RunningBot, database_url: str
) -> None:
    ana, lars = await paired(bot)
    file_id = await voice_entry(bot, ana, "Share with Lars")
    await bot.hears(lars, "shared an entry")
    await bot.outbox_settled()
    (entry,) = await entries(bot)
    assert entry.voice_notes is not None and file_id.encode() not in entry.voice_notes

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        files = [Path(url.database), Path(f"{url.database}-wal")]
        stored = b"".join(path.read_bytes() for path in files if path.exists())
        assert file_id.encode() not in stored
        return
    async with bot.sessionmaker() as session:
        raw = await session.scalar(text("SELECT voice_notes FROM checkin"))
        assert isinstance(raw, bytes) and file_id.encode() not in raw
        for table in Base.metadata.sorted_tables:  # every row of every table, as text
            rows = await session.scalars(text(f'SELECT t::text FROM "{table.name}" t'))
            assert not [row for row in rows if file_id in row], table.name
