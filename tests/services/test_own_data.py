"""/mydata: a member's own data, reflections readable, and nobody else's beyond the
partner's name."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.services.consent import set_consent
from bot.services.erasure import erase_member
from bot.services.own_data import as_json, own_data
from bot.services.pairing import pair
from bot.texts.names import erased_name
from bot.texts.templates import Texts
from db.models import Role
from tests.factories import a_member
from tests.services.data_rights_cast import (
    ANA_NAME,
    ANA_TELEGRAM_ID,
    SECRET_TEXT,
    a_cast,
    an_entry,
    cipher,
)


async def test_a_student_gets_profile_roles_pair_meetings_entries_and_consent(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    await set_consent(
        session,
        now=clock.now(),
        member_id=cast.ana,
        programme_id=cast.programme.id,
        consenting=True,
        actor="test",
    )

    data = json.loads(
        as_json(
            await own_data(
                session, member_id=cast.ana, cipher=cipher, now=clock.now(), erased_name="gone"
            )
        )
    )

    profile = data["profile"]
    assert (profile["name"], profile["telegram_user_id"]) == (ANA_NAME, ANA_TELEGRAM_ID)
    assert (profile["timezone"], profile["quiet_hours"]) == ("Europe/Helsinki", "22:00-07:00")
    assert data["memberships"] == [
        {
            "programme": cast.programme.name,
            "role": "student",
            "joined_at": "2026-09-07T11:00:00+03:00",  # in her own time zone
            "research_consent": True,
            "research_consent_changed_at": data["memberships"][0]["research_consent_changed_at"],
        }
    ]
    [the_pair] = data["pairs"]
    assert (the_pair["partner"], the_pair["your_role"], the_pair["status"]) == (
        "Lars Ek",
        "student",
        "active",
    )
    [meeting] = data["meetings"]
    assert (meeting["partner"], meeting["logged_by"], meeting["confirmed"]) == (
        "Lars Ek",
        "you",
        False,
    )
    texts = [(e["mood"], e["reflection"], e["shared_with_mentor"]) for e in data["checkins"]]
    assert texts == [(2, SECRET_TEXT, False), (4, "a good week", True), (3, "", False)]
    assert data["checkins"][0]["theme"] == "future"


async def test_nothing_about_anyone_else_is_included(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    ben = await a_member(session, clock.now(), cast.programme, Role.STUDENT, name="Ben Ali")
    await pair(
        session,
        now=clock.now(),
        programme=cast.programme,
        student_id=ben.member_id,
        mentor_id=cast.lars,
        actor="test",
    )
    await an_entry(session, clock, cast.programme, ben.member_id, mood=1, text="Ben's own words")

    ana = as_json(
        await own_data(
            session, member_id=cast.ana, cipher=cipher, now=clock.now(), erased_name="gone"
        )
    )
    lars = json.loads(
        as_json(
            await own_data(
                session, member_id=cast.lars, cipher=cipher, now=clock.now(), erased_name="gone"
            )
        )
    )

    assert b"Ben" not in ana and b"Maja" not in ana
    assert lars["checkins"] == []  # a mentor's copy holds no mentee's words
    assert sorted(p["partner"] for p in lars["pairs"]) == [ANA_NAME, "Ben Ali"]
    assert "Ben's own words" not in json.dumps(lars) and SECRET_TEXT not in json.dumps(lars)
    assert lars["memberships"][0]["capacity"] == 2


async def test_a_partner_since_erased_reads_as_the_templates_words_in_the_members_language(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    await erase_member(session, now=clock.now(), member_id=cast.ana, actor="cli")

    lars = await own_data(
        session,
        member_id=cast.lars,
        cipher=cipher,
        now=clock.now(),
        erased_name=erased_name(Texts(), "sv"),
    )

    [pair] = lars["pairs"]
    assert (pair["partner"], pair["status"]) == ("Tidigare deltagare", "ended")
    assert {m["partner"] for m in lars["meetings"]} == {"Tidigare deltagare"}
    assert ANA_NAME not in json.dumps(lars)
