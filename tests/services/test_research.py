"""Research export: consenting students' entries only, under a stable per-programme
pseudonym, with the programme week and no name, Telegram id or date."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.domain.catalogue import Catalogue
from bot.services.consent import set_consent
from bot.services.research import ResearchExport, research_export, write_csv
from db.models import AuditEvent, Programme, Role
from tests.factories import a_member, a_person, a_programme
from tests.services.data_rights_cast import (
    ANA_NAME,
    ANA_TELEGRAM_ID,
    SECRET_TEXT,
    a_cast,
    an_entry,
    cipher,
)

catalogue = Catalogue.load()


async def consent(
    session: AsyncSession, clock: ManualClock, programme: Programme, member_id: int, yes: bool
) -> None:
    await set_consent(
        session,
        now=clock.now(),
        member_id=member_id,
        programme_id=programme.id,
        consenting=yes,
        actor="test",
    )


async def export(session: AsyncSession, clock: ManualClock, programme: Programme) -> ResearchExport:
    return await research_export(
        session,
        now=clock.now(),
        programme=programme,
        cipher=cipher,
        catalogue=catalogue,
        actor="cli",
    )


def as_csv(result: ResearchExport) -> str:
    out = io.StringIO()
    write_csv(result.rows, out)
    return out.getvalue()


async def test_only_the_entries_of_consenting_students_are_exported(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    ben = await a_member(session, clock.now(), cast.programme, Role.STUDENT, name="Ben Ali")
    cleo = await a_member(session, clock.now(), cast.programme, Role.STUDENT, name="Cleo Lind")
    await an_entry(session, clock, cast.programme, ben.member_id, mood=5, text="Ben's words")
    await an_entry(session, clock, cast.programme, cleo.member_id, mood=1, text="Cleo's words")
    await consent(session, clock, cast.programme, cast.ana, True)
    await consent(session, clock, cast.programme, cleo.member_id, True)
    await consent(session, clock, cast.programme, cleo.member_id, False)  # withdrawn

    result = await export(session, clock, cast.programme)

    assert result.students == 1
    rows = [(r.week, r.theme, r.competence, r.prompt, r.mood, r.reflection) for r in result.rows]
    assert rows == [
        (1, "future", "reflective", "future-can-do-now", 2, SECRET_TEXT),
        (2, "future", "reflective", "future-can-do-now", 4, "a good week"),
        (2, "future", "reflective", "future-can-do-now", 3, ""),
    ]
    assert len({r.pseudonym for r in result.rows}) == 1
    assert "Ben's words" not in as_csv(result) and "Cleo's words" not in as_csv(result)


async def test_the_file_has_no_name_telegram_id_or_date(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    await consent(session, clock, cast.programme, cast.ana, True)

    written = as_csv(await export(session, clock, cast.programme))

    table = list(csv.reader(io.StringIO(written)))
    assert table[0] == ["pseudonym", "week", "theme", "competence", "prompt", "mood", "reflection"]
    assert len(table) == 4 and SECRET_TEXT in written
    assert ANA_NAME not in written and "Ana" not in written
    assert str(ANA_TELEGRAM_ID) not in written and str(cast.ana) not in {r[0] for r in table}
    assert not re.search(r"\d{4}-\d\d-\d\d", written)  # weeks, never dates


async def test_the_pseudonym_is_stable_in_a_programme_and_differs_between_programmes(
    session: AsyncSession, clock: ManualClock
) -> None:
    first = await a_programme(session, clock.now())
    second = await a_programme(session, clock.now())
    person = a_person("Ana Berg")
    ids = []
    for programme in (first, second):
        ana = await a_member(session, clock.now(), programme, Role.STUDENT, person=person)
        await an_entry(session, clock, programme, ana.member_id, mood=3, text="same person")
        await consent(session, clock, programme, ana.member_id, True)
        ids.append(ana.member_id)
    assert ids[0] == ids[1]  # one person, one member row, two programmes

    once = await export(session, clock, first)
    clock.advance(timedelta(weeks=3))
    twice = await export(session, clock, first)
    elsewhere = await export(session, clock, second)

    assert once.rows[0].pseudonym == twice.rows[0].pseudonym
    assert once.rows[0].pseudonym.startswith("S-") and len(once.rows[0].pseudonym) == 12
    assert elsewhere.rows[0].pseudonym != once.rows[0].pseudonym
    assert first.pseudonym_secret != second.pseudonym_secret


async def test_the_first_day_sets_week_one(session: AsyncSession, clock: ManualClock) -> None:
    cast = await a_cast(session, clock)  # entries on the 7th and (two) the 15th of September
    cast.programme.anchor_day = date(2026, 8, 31)  # a Monday, a week before the first
    await consent(session, clock, cast.programme, cast.ana, True)

    result = await export(session, clock, cast.programme)

    assert [r.week for r in result.rows] == [2, 3, 3]


async def test_each_export_is_audited_with_counts_only(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    await consent(session, clock, cast.programme, cast.ana, True)

    await export(session, clock, cast.programme)

    event = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "research_export"))
    assert event is not None and event.programme_id == cast.programme.id
    assert event.details == {"entries": 3, "students": 1}
