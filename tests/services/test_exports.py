"""CSV exports: exact rows for a seeded programme, suppression, the audit event with counts
only, no reflection text anywhere, and cells that spreadsheets will not run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.services.checkins import add_text, finish, read_reflection, start_checkin
from bot.services.erasure import NO_NAME, erase_member
from bot.services.exports import (
    ENGAGEMENT_HEADER,
    MEETINGS_HEADER,
    PAIRS_HEADER,
    Export,
    What,
    csv_file_bytes,
    csv_text,
    export,
    guarded,
)
from bot.services.meetings import answer_meeting, choose_rhythm, log_meeting
from bot.services.pairing import pair, unpair
from bot.texts.names import erased_name
from bot.texts.templates import Texts
from db.models import AuditEvent, CheckIn, Pair, Programme, Role
from tests.factories import a_member, a_person, a_programme
from tests.services.test_stats import SINCE, TODAY, members_in_role, seeded, with_weeks

MORNING = datetime.combine(TODAY, time(8), UTC)  # 10:00 in Stockholm
# prompts/messages/<locale>/members/erased_name.j2
ERASED_WORDS = [("en", "Former member"), ("sv", "Tidigare deltagare")]


async def with_more_meetings(
    session: AsyncSession, clock: ManualClock, programme: Programme
) -> None:
    """On top of the statistics' programme (three pairs since 20 July; meetings on 3 Aug,
    28 Aug and 4 Sep, the last one confirmed): a rhythm agreed, a meeting logged by a
    mentor, one the student disputed, an ended pair and a new one."""
    students = await members_in_role(session, programme.id, Role.STUDENT)
    mentors = await members_in_role(session, programme.id, Role.MENTOR)
    pairs = {
        p.student_id: p.id
        for p in (await session.scalars(select(Pair).where(Pair.programme_id == programme.id)))
    }
    for side in (mentors[1], students[1]):  # proposed by one side, accepted by the other
        await choose_rhythm(
            session, member_id=side.id, pair_id=pairs[students[1].id], weeks=2, now=clock.now()
        )
    await log_meeting(
        session,
        member_id=mentors[0].id,
        pair_id=pairs[students[0].id],
        day=date(2026, 8, 10),
        today=TODAY,
        now=clock.now(),
    )
    disputed = await log_meeting(
        session,
        member_id=mentors[2].id,
        pair_id=pairs[students[2].id],
        day=date(2026, 8, 20),
        today=TODAY,
        now=clock.now(),
    )
    await answer_meeting(session, member_id=students[2].id, meeting_id=disputed.id, confirmed=False)
    clock.set(datetime(2026, 9, 5, 12, tzinfo=UTC))
    await unpair(
        session, now=clock.now(), programme=programme, student_id=students[2].id, actor="t"
    )
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=students[3].id,
        mentor_id=mentors[0].id,
        actor="test",
    )
    clock.set(MORNING)
    await session.flush()


async def exported(
    session: AsyncSession,
    clock: ManualClock,
    programme: Programme,
    what: What,
    *,
    since: date | None = None,
    min_group_size: int = 5,
    locale: str = "en",
) -> Export:
    return await export(
        session,
        now=clock.now(),
        programme=programme,
        what=what,
        min_group_size=min_group_size,
        actor="member:1",
        erased_name=erased_name(Texts(), locale),
        since=since,
    )


async def test_pairs_are_listed_with_rhythm_meetings_and_last_meeting(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_more_meetings(session, clock, programme)

    made = await exported(session, clock, programme, What.PAIRS)

    assert made.table.header == PAIRS_HEADER
    assert csv_text(made.table).splitlines()[1:] == [
        "Student 0,Mentor 0,active,2026-07-20,,4,programme default,2,2026-09-04",
        "Student 1,Mentor 1,active,2026-07-20,,2,pair,1,2026-08-28",
        # The disputed day does not count; the ended pair keeps its history.
        "Student 2,Mentor 2,ended,2026-07-20,2026-09-05,4,programme default,1,2026-08-03",
        "Student 3,Mentor 0,active,2026-09-05,,4,programme default,0,",
    ]


async def test_since_counts_meetings_from_that_day_and_leaves_out_pairs_ended_before(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_more_meetings(session, clock, programme)

    from_mid_august = await exported(session, clock, programme, What.PAIRS, since=date(2026, 8, 15))
    after_the_ending = await exported(session, clock, programme, What.PAIRS, since=date(2026, 9, 6))

    assert [(row[0], row[7], row[8]) for row in from_mid_august.table.rows] == [
        ("Student 0", "1", "2026-09-04"),
        ("Student 1", "1", "2026-08-28"),
        ("Student 2", "0", "2026-08-03"),  # the last meeting is a fact about today
        ("Student 3", "0", ""),
    ]
    assert [row[0] for row in after_the_ending.table.rows] == [
        "Student 0",
        "Student 1",
        "Student 3",
    ]


async def test_meetings_show_who_logged_them_and_whether_they_were_confirmed(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_more_meetings(session, clock, programme)

    every = await exported(session, clock, programme, What.MEETINGS)
    recent = await exported(session, clock, programme, What.MEETINGS, since=date(2026, 8, 20))

    assert every.table.header == MEETINGS_HEADER
    assert every.table.rows == (
        ("Student 2", "Mentor 2", "2026-08-03", "student", "not yet"),
        ("Student 0", "Mentor 0", "2026-08-10", "mentor", "not yet"),
        ("Student 2", "Mentor 2", "2026-08-20", "mentor", "disputed"),
        ("Student 1", "Mentor 1", "2026-08-28", "student", "not yet"),
        ("Student 0", "Mentor 0", "2026-09-04", "student", "yes"),
    )
    assert recent.table.rows == every.table.rows[2:]


@pytest.mark.parametrize(
    ("locale", "words"), [("en", "Former member"), ("sv", "Tidigare deltagare")]
)
async def test_an_erased_member_reads_as_the_templates_words_in_the_readers_language(
    session: AsyncSession, clock: ManualClock, locale: str, words: str
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_more_meetings(session, clock, programme)
    erased = (await members_in_role(session, programme.id, Role.STUDENT))[2]
    await erase_member(session, now=clock.now(), member_id=erased.id, actor="cli")

    pairs = await exported(session, clock, programme, What.PAIRS, locale=locale)
    meetings = await exported(session, clock, programme, What.MEETINGS, locale=locale)

    assert erased.display_name == NO_NAME  # the row keeps no name, not even these words
    assert [row[:3] for row in pairs.table.rows if row[1] == "Mentor 2"] == [
        (words, "Mentor 2", "ended")
    ]
    assert [row[:3] for row in meetings.table.rows if row[1] == "Mentor 2"] == [
        (words, "Mentor 2", "2026-08-03"),
        (words, "Mentor 2", "2026-08-20"),
    ]
    assert f"{words},Mentor 2,ended" in csv_text(pairs.table)


async def test_engagement_is_one_row_per_week_with_small_groups_suppressed(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)

    made = await exported(session, clock, programme, What.ENGAGEMENT, since=SINCE)

    hidden = ("suppressed",) * 5
    assert made.table.header == ENGAGEMENT_HEADER
    assert made.table.rows == (
        ("2026-08-03", "100", "2", "1", "2", "1", "1"),
        ("2026-08-10", "50", *hidden),  # three wrote: moods hidden, the rate is not
        ("2026-08-17", "suppressed", *hidden),  # four prompted: nothing shown
        ("2026-08-24", "", "", "", "", "", ""),  # nothing happened: empty, not hidden
        ("2026-08-31", "83", "0", "1", "1", "1", "2"),
        ("2026-09-07", "", "", "", "", "", ""),
    )
    assert csv_text(made.table).splitlines()[:3] == [
        "week,response_rate_percent,mood_1,mood_2,mood_3,mood_4,mood_5",
        "2026-08-03,100,2,1,2,1,1",
        "2026-08-10,50,suppressed,suppressed,suppressed,suppressed,suppressed",
    ]


async def test_a_smaller_group_size_shows_what_the_default_suppresses(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)

    made = await exported(session, clock, programme, What.ENGAGEMENT, since=SINCE, min_group_size=3)

    assert made.table.rows[1] == ("2026-08-10", "50", "0", "0", "0", "2", "1")


async def test_every_export_is_an_audit_event_with_counts_only(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)

    await exported(session, clock, programme, What.MEETINGS)
    await exported(session, clock, programme, What.ENGAGEMENT, since=SINCE)
    events = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "export").order_by(AuditEvent.id)
        )
    ).all()

    assert [(e.actor, e.programme_id, e.details, e.created_at) for e in events] == [
        ("member:1", programme.id, {"what": "meetings", "rows": 3, "since": None}, MORNING),
        (
            "member:1",
            programme.id,
            {"what": "engagement", "rows": 6, "since": "2026-08-03"},
            MORNING,
        ),
    ]


async def test_no_export_contains_reflection_text(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)
    cipher = ReflectionCipher(new_key())
    ana = (await members_in_role(session, programme.id, Role.STUDENT))[0]
    secret = "Nobody must know I cried after the ward round"
    started = await start_checkin(
        session, now=clock.now(), member_id=ana.id, mood=1, delivery_id=None
    )
    await add_text(
        session, member_id=ana.id, message_id=1, text=secret, cipher=cipher, now=clock.now()
    )
    await finish(
        session, now=clock.now(), member_id=ana.id, checkin_id=started.checkin_id, share=True
    )
    stored = await session.get_one(CheckIn, started.checkin_id)
    assert stored.reflection is not None
    assert read_reflection(cipher, stored) == secret

    for what in What:
        made = await exported(session, clock, programme, what)
        text = csv_text(made.table)
        assert secret not in text and "ward round" not in text
        assert stored.reflection.hex() not in text


async def test_names_that_look_like_formulas_are_quoted(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    names = ['=HYPERLINK("http://evil","x")', "@SUM(A1)", "+46 70", "-Bo", "Ana Berg"]
    mentor = await a_member(
        session,
        clock.now(),
        programme,
        Role.MENTOR,
        name="@Lars",
        capacity=5,
        person=a_person("@Lars"),
    )
    for name in names:
        student = await a_member(
            session, clock.now(), programme, Role.STUDENT, name=name, person=a_person(name)
        )
        await pair(
            session,
            now=clock.now(),
            programme=programme,
            student_id=student.member_id,
            mentor_id=mentor.member_id,
            actor="test",
        )

    made = await exported(session, clock, programme, What.PAIRS)
    cells = list(csv.reader(io.StringIO(csv_text(made.table))))[1:]

    # Sorted here: the databases' collations order punctuation differently.
    assert sorted((row[0], row[1]) for row in cells) == [
        ("'+46 70", "'@Lars"),
        ("'-Bo", "'@Lars"),
        ('\'=HYPERLINK("http://evil","x")', "'@Lars"),
        ("'@SUM(A1)", "'@Lars"),
        ("Ana Berg", "'@Lars"),
    ]
    assert "+46 70" in {row[0] for row in made.table.rows}  # the data itself is unchanged
    assert (guarded("\tx"), guarded("\rx"), guarded("2026-09-07")) == ("'\tx", "'\rx", "2026-09-07")


async def test_the_file_is_utf8_with_a_byte_order_mark_and_a_safe_name(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now(), name="Vår / klinik: 2026")
    await a_member(session, clock.now(), programme, Role.STUDENT, person=a_person("Åsa Öberg"))

    made = await exported(session, clock, programme, What.PAIRS)

    assert csv_file_bytes(made.table).startswith(b"\xef\xbb\xbfstudent,mentor,")
    assert made.file_name == "Vår-klinik-2026-pairs-2026-09-07.csv"


async def test_an_empty_programme_exports_only_the_header(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())

    made = await exported(session, clock, programme, What.MEETINGS)

    assert made.table.rows == ()
    assert csv_text(made.table) == "student,mentor,met_on,logged_by,confirmed\n"
