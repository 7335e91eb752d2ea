"""Messages that are not commands pass one router: the member is read once, and each
kind of message reaches its owner."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from db.models import Role
from tests.e2e.harness import RunningBot

NOT_PASSED_ON = "I haven't kept this message or passed it on to anyone"


@contextmanager
def member_reads(bot: RunningBot) -> Iterator[list[str]]:
    """Statements that load a member by Telegram id with their memberships, as
    `find_member` does (other jobs read members by programme meanwhile)."""
    engine = bot.sessionmaker.kw["bind"].sync_engine
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        flat = " ".join(statement.split()).lower()
        if "join membership" in flat and "where member.telegram_user_id =" in flat:
            seen.append(flat)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_stray_text_words_and_a_relayed_message_each_read_the_member_once(
    bot: RunningBot,
) -> None:
    _, ana, lars = await bot.ana_and_lars()

    with member_reads(bot) as reads:
        bot.says(ana, "just thinking aloud")
        await bot.hears(ana, NOT_PASSED_ON)
    assert len(reads) == 1

    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you"), "Good")
    await bot.hears(ana, "few lines")
    with member_reads(bot) as reads:
        bot.says(ana, "A long week on the ward")
        await bot.hears(ana, "share")
    assert len(reads) == 1

    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")
    with member_reads(bot) as reads:
        bot.says(ana, "Could we meet on Thursday?")
        await bot.hears(lars, "Thursday")
    assert len(reads) == 1


async def test_a_closed_conversation_is_explained_once_then_words_are_the_bots_again(
    bot: RunningBot,
) -> None:
    _, ana, lars = await bot.ana_and_lars()
    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")
    seen_by_lars = len(bot.sandbox.state.messages(lars.id))

    bot.clock.advance(timedelta(minutes=31))
    bot.says(ana, "Are you there?")
    await bot.hears(ana, "closed after a while of quiet")
    bot.says(ana, "just thinking aloud")
    await bot.hears(ana, NOT_PASSED_ON)

    assert len(bot.sandbox.state.messages(lars.id)) == seen_by_lars


VOICE_WITHOUT_ENTRY = {
    "en": "I keep voice notes only as part of a check-in entry, so this one wasn't kept. "
    "Send /checkin, choose a mood, then send your voice note again.",
    "sv": "Jag sparar röstmeddelanden bara som en del av ett inlägg, så det här sparades "
    "inte. Skicka /checkin, välj ett humör och skicka sedan röstmeddelandet igen.",
}


UNSUPPORTED = {
    "en": "I can only read text messages here. /help shows what you can do.",
    "sv": "Jag kan bara läsa textmeddelanden här. /help visar vad du kan göra.",
}


@pytest.mark.parametrize("locale", ["en", "sv"])
async def test_a_students_voice_note_with_no_entry_open_says_how_to_keep_one(
    bot: RunningBot, locale: str
) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana", language_code=locale)
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars", language_code=locale)

    bot.sandbox.state.user_sends_voice(ana.id)
    assert (await bot.hears(ana))["text"] == VOICE_WITHOUT_ENTRY[locale]
    bot.sandbox.state.user_sends_voice(lars.id)  # a mentor keeps no entries by voice
    assert (await bot.hears(lars))["text"] == UNSUPPORTED[locale]
