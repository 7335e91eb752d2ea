"""/export through the real bot: a coordinator gets pairs, meetings and engagement as CSV
documents, each export an audit event; nobody else gets one, even with forged buttons."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.sandbox import SandboxUser
from bot.services.meetings import log_meeting
from db.models import AuditEvent, Member, Pair, Role
from tests.e2e.harness import RunningBot

TODAY = date(2026, 9, 7)  # the harness clock's day


async def csv_document(bot: RunningBot, user: SandboxUser, caption: str) -> tuple[str, list[str]]:
    """The next document the bot sends whose caption contains `caption`: name and lines."""
    message = await bot.hears(user, caption)
    assert message["media"] == "document"
    content = bot.sandbox.state.file_content(message["file_id"])
    assert content is not None and content.startswith(b"\xef\xbb\xbf")
    return message["file_name"], content.decode("utf-8-sig").splitlines()


async def exports_recorded(bot: RunningBot) -> list[tuple[str, dict[str, Any]]]:
    async with bot.sessionmaker() as session:
        events = await session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "export").order_by(AuditEvent.id)
        )
        return [(event.actor, event.details) for event in events]


async def member_id(bot: RunningBot, user: SandboxUser) -> int:
    async with bot.sessionmaker() as session:
        found = await session.scalar(select(Member.id).where(Member.telegram_user_id == user.id))
    assert found is not None
    return found


async def with_a_meeting(bot: RunningBot, student: SandboxUser) -> None:
    """The student logs that they met their mentor on Friday."""
    student_id = await member_id(bot, student)
    async with bot.sessionmaker() as session, session.begin():
        pair = await session.scalar(select(Pair).where(Pair.student_id == student_id))
        assert pair is not None
        await log_meeting(
            session,
            member_id=student_id,
            pair_id=pair.id,
            day=date(2026, 9, 4),
            today=TODAY,
            now=bot.clock.now(),
        )


async def test_a_coordinator_gets_each_export_as_a_csv_document(bot: RunningBot) -> None:
    programme, ana, _ = await bot.ana_and_lars()
    await with_a_meeting(bot, ana)
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")

    bot.says(maja, "/export")
    menu = await bot.hears(maja, "which export")
    await bot.presses(maja, menu, "Pairs")
    pairs = await csv_document(bot, maja, "Pairs in Clinical mentoring on 2026-09-07: 1 row.")
    await bot.presses(maja, menu, "Meetings")
    meetings = await csv_document(bot, maja, "Meetings in Clinical mentoring")
    await bot.presses(maja, menu, "Engagement")
    engagement = await csv_document(bot, maja, "Engagement per week in Clinical mentoring")

    assert pairs == (
        "Clinical-mentoring-pairs-2026-09-07.csv",
        [
            "student,mentor,status,started,ended,rhythm_weeks,rhythm_from,meetings,last_met",
            "Ana,Lars,active,2026-09-07,,4,programme default,1,2026-09-04",
        ],
    )
    assert meetings == (
        "Clinical-mentoring-meetings-2026-09-07.csv",
        ["student,mentor,met_on,logged_by,confirmed", "Ana,Lars,2026-09-04,student,not yet"],
    )
    assert engagement == (
        "Clinical-mentoring-engagement-2026-09-07.csv",
        [
            "week,response_rate_percent,mood_1,mood_2,mood_3,mood_4,mood_5",
            "2026-09-07,,,,,,",  # no prompt and no entry yet: empty, not hidden
        ],
    )
    actor = f"member:{await member_id(bot, maja)}"
    assert await exports_recorded(bot) == [
        (actor, {"what": "pairs", "rows": 1, "since": None}),
        (actor, {"what": "meetings", "rows": 1, "since": None}),
        (actor, {"what": "engagement", "rows": 1, "since": None}),
    ]


async def test_a_coordinator_of_several_programmes_picks_one_first(bot: RunningBot) -> None:
    spring, autumn = await bot.programme("Spring"), await bot.programme("Autumn")
    maja = await bot.enrolled(spring, Role.COORDINATOR, "Maja")
    bot.says(maja, f"/start {await bot.invite(autumn, Role.COORDINATOR)}")
    await bot.hears(maja, "Autumn")

    bot.says(maja, "/export")
    await bot.presses(maja, await bot.hears(maja, "Which programme"), "Autumn")
    await bot.presses(maja, await bot.hears(maja, "Autumn: which export"), "Pairs")

    name, lines = await csv_document(bot, maja, "Pairs in Autumn on 2026-09-07: none yet")
    assert name == "Autumn-pairs-2026-09-07.csv"
    assert len(lines) == 1  # the column names only: Autumn has no pairs yet


async def test_a_students_export_is_refused(bot: RunningBot) -> None:
    _, ana, _ = await bot.ana_and_lars()

    bot.says(ana, "/export")

    assert "only a programme coordinator" in (await bot.hears(ana))["text"]
    assert await exports_recorded(bot) == []


async def test_forged_export_buttons_are_refused_and_record_nothing(bot: RunningBot) -> None:
    programme, ana, _ = await bot.ana_and_lars()
    other = await bot.programme("Other")
    olle = await bot.enrolled(other, Role.COORDINATOR, "Olle")
    bot.says(ana, "/help")
    ana_message = await bot.hears(ana)
    bot.says(olle, "/export")
    olle_menu = await bot.hears(olle, "which export")

    forged = [
        (ana, ana_message, f"exp:pairs:{programme.id}"),
        (ana, ana_message, f"exp:p:{programme.id}"),
        (olle, olle_menu, f"exp:meetings:{programme.id}"),
        (olle, olle_menu, f"exp:engagement:{programme.id}"),
    ]
    for user, message, data in forged:
        bot.sandbox.state.user_sends_callback_data(user.id, message["message_id"], data)
        refusal = await bot.hears(user, "only a programme coordinator")
        assert refusal["media"] is None

    assert await exports_recorded(bot) == []


@pytest.mark.parametrize(
    ("language_code", "menu", "button", "caption", "words"),
    [
        ("en", "which export", "Pairs", "Pairs in", "Former member"),
        ("sv", "vilken export", "Par", "Par i", "Tidigare deltagare"),
    ],
)
async def test_an_erased_student_reads_as_the_templates_words_in_the_coordinators_language(
    bot: RunningBot, language_code: str, menu: str, button: str, caption: str, words: str
) -> None:
    programme, ana, _ = await bot.ana_and_lars()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja", language_code=language_code)
    bot.says(ana, "/forget")
    await bot.presses(ana, await bot.hears(ana, "Erase your data?"), "Erase my data")
    await bot.hears(ana, "I no longer know who you are")

    bot.says(maja, "/export")
    await bot.presses(maja, await bot.hears(maja, menu), button)
    _, lines = await csv_document(bot, maja, caption)

    assert lines[1].startswith(f"{words},Lars,ended,2026-09-07,2026-09-07,")
