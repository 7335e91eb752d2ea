"""Bad input gets a clear, kind reply and changes nothing."""

import logging
import re
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import CallbackQueryHandler

from bot.buttons.namespaces import NAMESPACES
from bot.sandbox import SandboxUser
from db.base import Base
from db.models import (
    AuditEvent,
    CheckIn,
    Delivery,
    Invite,
    Meeting,
    Member,
    Membership,
    Pair,
    Role,
)
from tests.e2e.every_button import every_button
from tests.e2e.harness import RunningBot

TABLES = (Member, Membership, Pair, Delivery, AuditEvent, Invite)


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Row counts per table, and how many invites are used: what bad input must not change."""
    async with sessionmaker() as session:
        counts = {
            table.__tablename__: int(
                await session.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in TABLES
        }
        used = select(func.count()).select_from(Invite).where(Invite.used_at.is_not(None))
        counts["used invites"] = int(await session.scalar(used) or 0)
    return counts


async def test_an_unknown_command_points_to_help(bot: RunningBot) -> None:
    ana = bot.user("Ana")
    before = await snapshot(bot.sessionmaker)

    bot.says(ana, "/frobnicate now")

    assert "don't know that command" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_text_from_someone_not_enrolled_explains_how_to_join(bot: RunningBot) -> None:
    stranger = bot.user("Stranger")

    bot.says(stranger, "hello, is this the mentoring bot?")

    assert "invite link" in (await bot.hears(stranger))["text"]
    assert (await snapshot(bot.sessionmaker))["member"] == 0


async def test_a_student_cannot_use_coordinator_commands(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    before = await snapshot(bot.sessionmaker)

    bot.says(ana, "/pair")

    assert "only a programme coordinator" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_a_stranger_cannot_use_coordinator_commands(bot: RunningBot) -> None:
    stranger = bot.user("Stranger")

    bot.says(stranger, "/pair")

    assert "invite link" in (await bot.hears(stranger))["text"]


def forge_button(bot: RunningBot, user_id: int, message: dict[str, Any], data: str) -> str:
    """A press with callback data the message never offered; returns the query's id."""
    return bot.sandbox.state.user_sends_callback_data(user_id, message["message_id"], data)


async def test_forged_callback_data_is_refused_and_changes_nothing(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await bot.enrolled(programme, Role.MENTOR, "Lars")
    await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.says(maja, "/pair")
    offer = await bot.hears(maja, "which student")
    before = await snapshot(bot.sessionmaker)

    for data in ("pair:m:1:x:2", "pair:s:999", "pair:m:1:2:3:4", "pair:zz", "nonsense", "pair:"):
        forge_button(bot, maja.id, offer, data)
        assert "no longer valid" in (await bot.hears(maja))["text"], data

    assert await snapshot(bot.sessionmaker) == before


async def test_a_student_pressing_a_forged_pair_button_is_refused(bot: RunningBot) -> None:
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.says(maja, "/pair")
    offer = await bot.hears(maja, "which student")
    choice = offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    student_id, mentor_id = int(choice.split(":")[3]), 0
    async with bot.sessionmaker() as session:
        mentor_id = int(
            await session.scalar(select(Member.id).where(Member.display_name == "Lars")) or 0
        )
    bot.says(ana, "/help")
    own_message = await bot.hears(ana, "/privacy")
    before = await snapshot(bot.sessionmaker)

    forge_button(bot, ana.id, own_message, f"pair:m:{programme.id}:{student_id}:{mentor_id}")

    assert "only a programme coordinator" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_a_very_long_message_gets_a_short_kind_reply(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    text = "I have a lot to say. " * 240  # ~5,000 characters: Telegram splits it in two
    before = await snapshot(bot.sessionmaker)

    bot.says(ana, text[:4096])
    bot.says(ana, text[4096:])

    for _ in range(2):
        assert "haven't kept this message" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_emoji_and_right_to_left_text_are_handled(bot: RunningBot) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    before = await snapshot(bot.sessionmaker)

    bot.says(ana, "🙂👩🏽‍⚕️ مرحبا بالعالم שלום <b>not html</b> &amp;")

    assert "haven't kept this message" in (await bot.hears(ana))["text"]
    assert await snapshot(bot.sessionmaker) == before


async def test_names_with_markup_are_shown_as_written(bot: RunningBot) -> None:
    programme = await bot.programme()
    user = bot.user("<b>Ana</b> & <i>co", language_code="en")

    bot.says(user, f"/start {await bot.invite(programme, Role.STUDENT)}")

    assert (
        "Welcome to Clinical mentoring, <b>Ana</b> & <i>co."
        in (await bot.hears(user, "Welcome"))["text"]
    )
    bot.says(user, "/start")
    assert "Hello again, <b>Ana</b> & <i>co." in (await bot.hears(user, "Hello"))["text"]


# Beside one button per verb (tests/e2e/every_button.py), the variants a verb also takes.
VARIANTS = {"st": ("st:p:{programme}:20260901",)}
COORDINATORS = ("pair", "unpair", "mx", "st", "exp")  # Maja presses these, Ana the rest
# Out of range for any field (past PostgreSQL's INTEGER, past Python's C int), negative,
# not a number, a digit that is not ASCII, empty.
BAD_NUMBERS = ("99999999999999999999", "2147483648", "-1", "x", "²", "")
STALE = (
    "That button is no longer valid, so nothing changed. "
    "Send the command again for fresh buttons; /help lists them."
)
NOT_YOUR_PAIR = "That is not one of your pairs, so nothing was sent."  # the relay's own words
SKIPPED_TABLES = {"processed_update"}  # every update is recorded as handled, forged or not


def forgeries(button: str) -> list[str]:
    """Callback data like `button` with one part wrong: each number out of range, negative,
    not a number, or so long that the data fills Telegram's 64 bytes; an unknown verb; a
    number too many or too few."""
    parts = button.split(":")
    forged = []
    for index in range(2, len(parts)):
        for bad in BAD_NUMBERS:
            forged.append(":".join([*parts[:index], bad, *parts[index + 1 :]]))
        rest = ":".join(parts[index + 1 :])
        room = 64 - len(":".join(parts[:index])) - len(rest) - (2 if rest else 1)
        forged.append(":".join([*parts[:index], "9" * room, *parts[index + 1 :]]))
    forged.append(":".join([parts[0], "zz", *parts[2:]]))
    forged.append(f"{button}:1")
    if len(parts) > 2:
        forged.append(":".join(parts[:-1]))
    return forged


async def every_row(bot: RunningBot) -> dict[str, list[str]]:
    async with bot.sessionmaker() as session:
        return {
            table.name: sorted(
                repr(tuple(row))
                for row in await session.execute(text(f"SELECT * FROM {table.name}"))
            )
            for table in Base.metadata.sorted_tables
            if table.name not in SKIPPED_TABLES
        }


def failures_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR or record.exc_info
    ]


@pytest.fixture
async def cast(bot: RunningBot) -> dict[str, Any]:
    """Maja coordinates Ana (student) and Lars (mentor), paired; Ana has a finished entry,
    and Lars logged a meeting that Ana has not answered yet."""
    programme = await bot.programme()
    maja = await bot.enrolled(programme, Role.COORDINATOR, "Maja")
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    await bot.pair(programme, ana, lars)
    bot.says(ana, "/checkin")
    await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Low")
    bot.says(ana, "A long week on the ward.")
    await bot.presses(ana, await bot.hears(ana, "share this entry"), "Keep private")
    await bot.hears(ana, "Kept just for you")
    bot.says(lars, "/met 2026-09-06")
    await bot.hears(ana, "Lars noted")
    await bot.outbox_settled()
    async with bot.sessionmaker() as session:
        people = {m.display_name: m.id for m in (await session.scalars(select(Member))).all()}
        ids = {
            "pair": await session.scalar(select(Pair.id)),
            "meeting": await session.scalar(select(Meeting.id)),
            "entry": await session.scalar(select(CheckIn.id)),
            "mentor": people["Lars"],
            "student": people["Ana"],
            "member": people["Ana"],  # the presser herself (/forget's buttons)
            "programme": programme.id,
            "proposal": 1,  # none in this cast: only the numbers around it matter here
        }
    return {
        "ana": ana,
        "maja": maja,
        "ids": ids,
    }


async def test_every_callback_namespace_of_the_bot_is_forged_below(bot: RunningBot) -> None:
    registered = {
        handler.pattern.pattern
        for handlers in bot.application.handlers.values()
        for handler in handlers
        if isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern)
    }
    assert registered == {buttons.pattern for buttons in NAMESPACES}
    assert set(COORDINATORS) | set(VARIANTS) <= {buttons.namespace for buttons in NAMESPACES}


@pytest.mark.parametrize("namespace", sorted(buttons.namespace for buttons in NAMESPACES))
async def test_numbers_no_button_carries_are_refused_kindly_and_change_nothing(
    bot: RunningBot,
    cast: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    namespace: str,
) -> None:
    presser = cast["maja"] if namespace in COORDINATORS else cast["ana"]
    expected = NOT_YOUR_PAIR if namespace == "rl" else STALE
    bot.says(presser, "/help")
    anchor = await bot.hears(presser, "/privacy")
    before = await every_row(bot)

    made = every_button(cast["ids"])[namespace]
    variants = [template.format(**cast["ids"]) for template in VARIANTS.get(namespace, ())]
    for button in [*made, *variants]:
        for data in forgeries(button):
            query_id = forge_button(bot, presser.id, anchor, data)
            assert (await bot.hears(presser))["text"] == expected, data
            assert bot.sandbox.state.callbacks.answer_for(query_id) is not None, data

    bot.says(presser, "/help")  # nothing else arrived in between
    assert "/privacy" in (await bot.hears(presser))["text"]
    await bot.outbox_settled()
    assert await every_row(bot) == before
    assert failures_logged(caplog) == []


async def test_data_outside_every_namespace_is_refused_kindly(
    bot: RunningBot, cast: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    ana = cast["ana"]
    bot.says(ana, "/help")
    anchor = await bot.hears(ana, "/privacy")
    before = await every_row(bot)

    for data in ("99999999999999999999", "-1", "x", "9" * 64, ":", "ci", "mt", "ci;n;1", "²"):
        forge_button(bot, ana.id, anchor, data)
        assert (await bot.hears(ana))["text"] == STALE, data

    assert await every_row(bot) == before
    assert failures_logged(caplog) == []


async def presses_on(
    bot: RunningBot, user: SandboxUser, media: dict[str, Any], steps: dict[str, str]
) -> None:
    """Each press, forged onto a photo or a file, is answered by its step in a new message;
    the photo or file stays as it was."""
    for data, step in steps.items():
        query_id = forge_button(bot, user.id, media, data)
        answer = await bot.hears(user)
        assert (answer["text"], answer["edited"], answer["media"]) == (step, False, None), data
        assert answer["message_id"] > media["message_id"], data
        assert bot.sandbox.state.callbacks.answer_for(query_id) is not None, data
    (unchanged,) = [
        m for m in bot.sandbox.state.messages(user.id) if m["message_id"] == media["message_id"]
    ]
    assert (unchanged["edited"], unchanged["reply_markup"]) == (False, None)


async def test_a_students_press_on_their_data_file_answers_in_a_new_message(
    bot: RunningBot, cast: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    ana = cast["ana"]
    bot.says(ana, "/mydata")
    document = await bot.hears(ana, "everything frizon keeps about you")
    before = await every_row(bot)

    await presses_on(
        bot,
        ana,
        document,
        {
            "hi:d:{entry}:0".format(**cast["ids"]): (
                "Delete this entry for good? It can't be undone."
            ),
            "dr:k:{student}".format(**cast["ids"]): (
                "Nothing was erased; everything stays as it was."
            ),
        },
    )

    assert await every_row(bot) == before
    assert failures_logged(caplog) == []


async def test_a_coordinators_press_on_the_chart_answers_in_a_new_message(
    bot: RunningBot, cast: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    maja = cast["maja"]
    bot.says(maja, "/stats")
    chart = await bot.hears(maja, "Weekly response rate")
    assert chart["media"] == "photo"
    before = await every_row(bot)

    await presses_on(
        bot,
        maja,
        chart,
        {
            "st:x": "Nothing changed. /pair or /unpair starts again whenever you like.",
            "exp:x": "Closed. /export opens the exports again whenever you like.",
        },
    )

    assert await every_row(bot) == before
    assert failures_logged(caplog) == []
