"""Access control: every button, pressed by every role against someone else's pair, is
refused; and no command tells an outsider anything about that pair.

The victims are Ana (student) and Lars (her mentor), with a meeting, a shared and a
private entry (with a voice note), and an open conversation. The outsiders are Eve (a
student with her own mentor), Max (Eve's mentor) and Olle (coordinator of another
programme). Telegram lets a modified client send any callback data, so the buttons are
forged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.core.crypto import checkin_binding, checkin_voice_binding
from bot.sandbox import SandboxUser
from bot.services.meetings import choose_rhythm
from db.models import CheckIn, CheckInStatus, Meeting, Member, Pair, RhythmProposal, Role
from tests.e2e.every_button import every_button
from tests.e2e.harness import RunningBot

SECRET = "words Ana wrote for herself"
SHARED = "words Ana shared with Lars"
WATCHED = (
    "pair",
    "meeting",
    "rhythm_proposal",
    "checkin",
    "relay_conversation",
    "relay_link",
    "membership",
    "member",
    "help_use",
    "delivery",
    "audit_event",
    "engagement_week",
)

STALE = "That button is no longer valid, so nothing changed."
STALE_METER = f"{STALE} /meetings shows your meetings."
STALE_ENTRY = f"{STALE} /checkin starts a new entry."
NOT_YOUR_PAIR = "That is not one of your pairs, so nothing was sent."
NOT_ALLOWED = "That is something only a programme coordinator can do. /help shows what you can do."
OWN_HISTORY = (
    "You have no entries yet. /checkin writes your first; they appear here, for you alone."
)
# What every outsider is told for a button of each namespace, filled with the victims' ids
# (tests/e2e/every_button.py); a new namespace fails until it is given its refusal here.
REFUSAL = {
    "rl": NOT_YOUR_PAIR,
    "mt": STALE_METER,
    "ep": STALE,
    "ci": STALE_ENTRY,
    "hi": STALE_ENTRY,
    "dr": STALE,
    "pair": NOT_ALLOWED,
    "unpair": NOT_ALLOWED,
    "mx": NOT_ALLOWED,
    "st": NOT_ALLOWED,
    "exp": NOT_ALLOWED,
}
# A verb's own refusal, where it differs from its namespace's.
VERB_REFUSAL = {
    "hi:v": OWN_HISTORY,  # a position in the presser's own (empty) history
}
# The verbs that name nothing of anyone else's, so there is nothing to refuse; with why.
NOT_ABOUT_ANYONE = {
    "ci:m": "a mood for the presser's own check-in",
    "ci:h": "the help offer, to whoever presses it",
    "ep:n": "keeps whatever pair it was: names none",
    "dr:i": "the presser's own consent in a programme",
    "dr:o": "the presser's own consent in a programme",
    "pair:x": "Cancel",
    "unpair:x": "Cancel",
    "mx:x": "Cancel",
    "st:x": "Cancel",
    "exp:x": "Cancel",
}
# Beside one button per verb, further data a verb must refuse just the same.
VARIANTS = {
    "mt:e:{pair}:20990101": STALE_METER,  # a day to come: still not theirs, first
    "hi:v:{entry}": OWN_HISTORY,  # a position as large as a key
    "dr:f:{mentor}": STALE,  # another victim's erasure
}


def forged(ids: dict[str, int]) -> dict[str, str]:
    """Every verb's data with the victims' ids, and what an outsider is told for it."""
    matrix = {}
    for namespace, made in every_button(ids).items():
        assert namespace in REFUSAL, f"{namespace}: say what an outsider is told"
        for data in made:
            verb = ":".join(data.split(":")[:2])
            if verb not in NOT_ABOUT_ANYONE:
                matrix[data] = VERB_REFUSAL.get(verb, REFUSAL[namespace])
    return matrix | {template.format(**ids): told for template, told in VARIANTS.items()}


COMMANDS = (
    "/mentor",
    "/mentee",
    "/met",
    "/meetings",
    "/endpair",
    "/history",
    "/unpair",
    "/pair",
    "/match",
    "/stats",
    "/export",
)


async def snapshot(bot: RunningBot) -> dict[str, list[str]]:
    async with bot.sessionmaker() as session:
        return {
            table: sorted(
                repr(tuple(row)) for row in await session.execute(text(f"SELECT * FROM {table}"))
            )
            for table in WATCHED
        }


def transcript_lengths(bot: RunningBot, users: list[SandboxUser]) -> list[int]:
    return [len(bot.sandbox.state.messages(user.id)) for user in users]


def new_messages(bot: RunningBot, user: SandboxUser, seen: int) -> list[dict[str, Any]]:
    return [m for m in bot.sandbox.state.messages(user.id)[seen:] if m["sender"] == "bot"]


@pytest.fixture
async def world(bot: RunningBot) -> dict[str, Any]:
    p = await bot.programme("P")
    q = await bot.programme("Q")
    maja = await bot.enrolled(p, Role.COORDINATOR, "Maja")
    lars = await bot.enrolled(p, Role.MENTOR, "Lars")
    ana = await bot.enrolled(p, Role.STUDENT, "Ana")
    max_ = await bot.enrolled(p, Role.MENTOR, "Max")
    eve = await bot.enrolled(p, Role.STUDENT, "Eve")
    olle = await bot.enrolled(q, Role.COORDINATOR, "Olle")
    await bot.pair(p, ana, lars)
    await bot.pair(p, eve, max_)
    bot.says(ana, "/mentor")
    await bot.hears(ana, "writing to Lars")
    bot.says(lars, "/met 2026-09-06")
    await bot.hears(ana, "Lars noted")
    await bot.outbox_settled()
    cipher = bot.application.bot_data.services.cipher
    voice = bot.sandbox.state.files.add("voice")["file_id"]  # one the bot could send
    async with bot.sessionmaker() as session, session.begin():
        ids = {m.telegram_user_id: m.id for m in (await session.scalars(select(Member))).all()}
        entries = []
        for words, shared in ((SECRET, False), (SHARED, True)):
            entry = CheckIn(
                programme_id=p.id,
                member_id=ids[ana.id],
                mood=2,
                shared=shared,
                status=CheckInStatus.DONE,
                created_at=bot.clock.now(),
                completed_at=bot.clock.now(),
            )
            session.add(entry)
            await session.flush()
            entry.reflection = cipher.encrypt(words, bound_to=checkin_binding(entry.id))
            if not shared:  # what a forged "listen" would play, were it not refused
                notes = json.dumps([voice])
                entry.voice_notes = cipher.encrypt(notes, bound_to=checkin_voice_binding(entry.id))
            entries.append(entry.id)
        pair_id = await session.scalar(select(Pair.id).where(Pair.student_id == ids[ana.id]))
        meeting_id = await session.scalar(select(Meeting.id))
        assert pair_id is not None
        await choose_rhythm(  # an open proposal, for Ana to accept
            session, member_id=ids[lars.id], pair_id=pair_id, weeks=6, now=bot.clock.now()
        )
        proposal_id = await session.scalar(select(RhythmProposal.id))
    await bot.outbox_settled()
    return {
        "victims": [ana, lars, maja],
        "outsiders": {"student": eve, "mentor": max_, "coordinator": olle},
        "ids": {
            "pair": pair_id,
            "meeting": meeting_id,
            "proposal": proposal_id,
            "entry": entries[0],
            "mentor": ids[lars.id],
            "student": ids[ana.id],
            "member": ids[ana.id],  # /forget's buttons name the member to erase
            "programme": p.id,
        },
    }


async def pressed_message(bot: RunningBot, user: SandboxUser, kind: str) -> dict[str, Any]:
    """A message of the bot's in the user's chat to forge presses on: a text, or a file
    (the /mydata document), which has no text an edit could replace."""
    if kind == "text":
        bot.says(user, "/help")
        return await bot.hears(user, "/privacy")
    bot.says(user, "/mydata")
    return await bot.hears(user, "everything frizon keeps about you")


def failures_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR or record.exc_info
    ]


@pytest.mark.parametrize("anchor_kind", ["text", "document"])
@pytest.mark.parametrize("role", ["student", "mentor", "coordinator"])
async def test_every_button_against_someone_elses_pair_is_refused(
    bot: RunningBot,
    world: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    role: str,
    anchor_kind: str,
) -> None:
    outsider: SandboxUser = world["outsiders"][role]
    anchor = await pressed_message(bot, outsider, anchor_kind)
    before = await snapshot(bot)
    victims_before = transcript_lengths(bot, world["victims"])

    for data, refusal in forged(world["ids"]).items():
        seen = len(bot.sandbox.state.messages(outsider.id))
        bot.sandbox.state.user_sends_callback_data(outsider.id, anchor["message_id"], data)
        assert (await bot.hears(outsider))["text"] == refusal, (role, data)
        for message in new_messages(bot, outsider, seen):
            assert message["media"] != "voice", (role, data)
            for secret in ("Ana", "Lars", SECRET, SHARED):
                assert secret not in message["text"], (role, data, message["text"])
    await bot.outbox_settled()

    assert await snapshot(bot) == before, role
    assert transcript_lengths(bot, world["victims"]) == victims_before, role
    assert failures_logged(caplog) == [], role


@pytest.mark.parametrize("role", ["student", "mentor", "coordinator"])
async def test_no_command_tells_an_outsider_about_someone_elses_pair(
    bot: RunningBot, world: dict[str, Any], role: str
) -> None:
    outsider: SandboxUser = world["outsiders"][role]
    before = await snapshot(bot)
    for command in COMMANDS:
        seen = len(bot.sandbox.state.messages(outsider.id))
        bot.says(outsider, command)
        await bot.hears(outsider)
        for message in new_messages(bot, outsider, seen):
            for secret in ("Ana", "Lars", SECRET, SHARED):
                assert secret not in message["text"], (role, command, message["text"])
            for row in message["inline_keyboard"]:
                for button in row:
                    assert "Ana" not in button["text"] and "Lars" not in button["text"]
    await bot.outbox_settled()
    after = await snapshot(bot)
    # /mentor and /mentee open the outsider's conversation in their own pair: allowed.
    conversations = after.pop("relay_conversation")
    before.pop("relay_conversation")
    assert after == before, role
    victim_pair = world["ids"]["pair"]
    assert [row for row in conversations if f", {victim_pair}, " in row] == [
        row for row in conversations if row.startswith(f"({world['ids']['student']}, ")
    ]


async def test_a_mentors_and_a_coordinators_own_commands_never_show_anyones_words(
    bot: RunningBot, world: dict[str, Any]
) -> None:
    _, lars, maja = world["victims"]
    for user in (lars, maja):
        for command in ("/history", "/meetings", "/help"):
            bot.says(user, command)
            await bot.hears(user)
    await bot.outbox_settled()
    assert not [m for m in bot.sandbox.state.messages(lars.id) if SECRET in m["text"]]
    assert not [
        m for m in bot.sandbox.state.messages(maja.id) if SECRET in m["text"] or SHARED in m["text"]
    ]
