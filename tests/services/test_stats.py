"""Programme statistics: exact numbers from a seeded programme, and suppression of every
figure about fewer than `min_group_size` people."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.outbox.keys.prompts import cycle_key
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.services.attention import Concern, needing_attention
from bot.services.checkins import start_checkin
from bot.services.engagement import settle_weeks
from bot.services.meetings import answer_meeting, log_meeting
from bot.services.pairing import pair
from bot.services.stats import programme_stats
from bot.services.support import count_help_use
from db.inserts import insert_unless_present
from db.models import (
    CheckIn,
    DeliveryStatus,
    EngagementWeek,
    Meeting,
    MeetingMonth,
    Member,
    Membership,
    MemberStatus,
    Programme,
    Role,
)
from tests.factories import a_member, a_person, a_programme, an_invite


async def members_in_role(session: AsyncSession, programme_id: int, role: Role) -> list[Member]:
    return list(
        (
            await session.scalars(
                select(Member)
                .join(Membership, Membership.member_id == Member.id)
                .where(Membership.programme_id == programme_id, Membership.role == role)
                .order_by(Member.id)
            )
        ).all()
    )


TODAY = date(2026, 9, 7)  # a Monday
SINCE = date(2026, 8, 3)
SEEDED_AT = datetime(2026, 7, 20, 9, tzinfo=UTC)


async def seeded(session: AsyncSession, clock: ManualClock, *, students: int) -> Programme:
    clock.set(SEEDED_AT)
    programme = await a_programme(session, clock.now())
    mentors = [
        await a_member(
            session,
            clock.now(),
            programme,
            Role.MENTOR,
            name=f"Mentor {n}",
            person=a_person(f"M{n}"),
        )
        for n in range(3)
    ]
    pupils = [
        await a_member(
            session,
            clock.now(),
            programme,
            Role.STUDENT,
            name=f"Student {n}",
            person=a_person(f"S{n}"),
        )
        for n in range(students)
    ]
    for _ in range(2):  # invites never used
        await an_invite(session, clock.now(), programme, Role.STUDENT)
    pairs = []
    for student, mentor in zip(pupils, mentors, strict=False):
        view = await pair(
            session,
            now=clock.now(),
            programme=programme,
            student_id=student.member_id,
            mentor_id=mentor.member_id,
            actor="test",
        )
        pairs.append((view.pair_id, student.member_id, mentor.member_id))
    # Two pairs met recently (one confirmed), the third five weeks ago: past its 4 weeks.
    for (pair_id, student_id, mentor_id), days_ago in zip(pairs, (3, 10, 35), strict=True):
        meeting = await log_meeting(
            session,
            member_id=student_id,
            pair_id=pair_id,
            day=TODAY - timedelta(days=days_ago),
            today=TODAY,
            now=clock.now(),
        )
        if days_ago == 3:
            await answer_meeting(
                session, member_id=mentor_id, meeting_id=meeting.id, confirmed=True
            )
    for _ in range(4):
        await count_help_use(session, programme_id=programme.id, today=TODAY)
    await session.flush()
    return programme


async def sent_prompt(
    session: AsyncSession, clock: ManualClock, member_id: int, programme: Programme, day: date
) -> int:
    """A prompt delivered to a member on a cycle day, as the dispatcher and sender leave it."""
    delivery = await enqueue(
        session,
        member_id=member_id,
        purpose=Purpose.PROMPT,
        cycle=cycle_key(programme.id, day),
        due_at=clock.now(),
        subject_id=programme.id,
    )
    delivery.status, delivery.finished_at = DeliveryStatus.SENT, clock.now()
    await session.flush()
    return delivery.id


async def answer(
    session: AsyncSession, clock: ManualClock, member_id: int, mood: int, delivery_id: int | None
) -> None:
    await start_checkin(
        session, now=clock.now(), member_id=member_id, mood=mood, delivery_id=delivery_id
    )


async def with_weeks(session: AsyncSession, clock: ManualClock, programme: Programme) -> None:
    """Four weeks of prompts and entries from six students, plus a mentor's own."""
    students = [member.id for member in await members_in_role(session, programme.id, Role.STUDENT)]
    mentor = (await members_in_role(session, programme.id, Role.MENTOR))[0].id
    plan = {
        # Monday: (students prompted, moods of those who answered, in order)
        date(2026, 8, 3): (6, [1, 2, 3, 3, 4, 5]),
        date(2026, 8, 10): (6, [4, 4, 5]),
        date(2026, 8, 17): (4, [2, 3, 3, 4]),
        date(2026, 8, 31): (6, [5, 5, 4, 3, 2]),
    }
    for monday, (prompted, moods) in plan.items():
        clock.set(datetime.combine(monday, time(16), UTC))
        deliveries = [
            await sent_prompt(session, clock, student, programme, monday)
            for student in students[:prompted]
        ]
        clock.advance(timedelta(days=1))
        for student, delivery, mood in zip(students, deliveries, moods, strict=False):
            await answer(session, clock, student, mood, delivery)
    # An entry of a student's own accord in the first week, and a mentor's own prompt
    # and entry, which are not the students' figures.
    clock.set(datetime(2026, 8, 6, 9, tzinfo=UTC))
    await answer(session, clock, students[0], 1, None)
    await answer(
        session,
        clock,
        mentor,
        1,
        await sent_prompt(session, clock, mentor, programme, date(2026, 8, 3)),
    )
    clock.set(datetime.combine(TODAY, time(8), UTC))


async def test_the_numbers_of_a_seeded_programme(session: AsyncSession, clock: ManualClock) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)

    stats = await programme_stats(
        session, programme=programme, today=TODAY, min_group_size=5, since=SINCE
    )

    assert {f.key: (f.value, f.group) for f in stats.figures} == {
        "invited_students": (8, 8),
        "enrolled_students": (6, 6),
        "invited_mentors": (None, 3),  # three mentors: too few to show
        "enrolled_mentors": (None, 3),
        "active_pairs": (3, 6),
        "pairs_met_within_rhythm": (2, 6),
        "pairs_not_met_within_rhythm": (1, 6),
        # August: two pairs met once, one not; September: one once, two not.
        "meetings_per_pair_month_median": (0.5, 6),
        "pair_months_0": (3, 6),
        "pair_months_1": (3, 6),
        "pair_months_2": (0, 6),
        "pair_months_3plus": (0, 6),
        "prompts_sent": (22, 6),
        "response_rate_percent": (82, 6),  # 18 of 22
        "entries": (19, 6),
        "mood_1": (2, 6),
        "mood_2": (3, 6),
        "mood_3": (5, 6),
        "mood_4": (5, 6),
        "mood_5": (4, 6),
        "help_uses": (4, 6),
    }
    assert [(w.week, w.response_rate, w.moods) for w in stats.weeks] == [
        (date(2026, 8, 3), 100, (2, 1, 2, 1, 1)),  # seven entries by six students
        (date(2026, 8, 10), 50, None),  # three wrote: moods hidden, the rate is not
        (date(2026, 8, 17), None, None),  # four prompted: nothing shown
        (date(2026, 8, 24), None, None),  # no prompts that week
        (date(2026, 8, 31), 83, (0, 1, 1, 1, 2)),
        (date(2026, 9, 7), None, None),
    ]
    assert [(m.month, m.pairs, m.median, m.buckets) for m in stats.months] == [
        (date(2026, 8, 1), 3, 1.0, (1, 2, 0, 0)),
        (date(2026, 9, 1), 3, 0.0, (2, 1, 0, 0)),
    ]


async def test_settled_weeks_are_kept_and_read_back_the_same(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)

    first = await programme_stats(
        session, programme=programme, today=TODAY, min_group_size=5, since=SINCE
    )
    kept = (await session.scalars(select(EngagementWeek.week).order_by(EngagementWeek.week))).all()
    # Settled: two weeks past the week's end; the later weeks are counted afresh each time.
    assert kept == [date(2026, 8, 3), date(2026, 8, 10), date(2026, 8, 17)]
    # A kept week no longer reads the entries: even an entry removed later stays counted.
    await session.execute(
        delete(CheckIn).where(CheckIn.created_at < datetime(2026, 8, 9, tzinfo=UTC))
    )
    again = await programme_stats(
        session, programme=programme, today=TODAY, min_group_size=5, since=SINCE
    )
    assert again == first


async def test_since_limits_the_weeks_months_and_event_counts(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)

    stats = await programme_stats(
        session, programme=programme, today=TODAY, min_group_size=5, since=date(2026, 8, 31)
    )

    assert [w.week for w in stats.weeks] == [date(2026, 8, 31), date(2026, 9, 7)]
    assert stats.value("prompts_sent") == 6 and stats.value("response_rate_percent") == 83
    assert [m.month for m in stats.months] == [date(2026, 8, 1), date(2026, 9, 1)]
    assert stats.value("active_pairs") == 3  # today's state, whatever the window


async def test_pairs_needing_attention_are_named(session: AsyncSession, clock: ManualClock) -> None:
    programme = await seeded(session, clock, students=6)
    mentor = (await members_in_role(session, programme.id, Role.MENTOR))[1]
    mentor.status = MemberStatus.BLOCKED
    await session.flush()

    stats = await programme_stats(session, programme=programme, today=TODAY, min_group_size=5)

    assert [(a.concern, a.name, a.other, a.since, a.who) for a in stats.attention] == [
        (Concern.NO_MEETING, "Student 2", "Mentor 2", date(2026, 8, 3), None),
        (Concern.BLOCKED, "Student 1", "Mentor 1", None, "mentor"),
        (Concern.INVITE_UNUSED, "", "student", SEEDED_AT.date(), None),
        (Concern.INVITE_UNUSED, "", "student", SEEDED_AT.date(), None),
    ]


async def test_a_small_programme_shows_almost_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=4)
    await with_weeks(session, clock, programme)

    stats = await programme_stats(
        session, programme=programme, today=TODAY, min_group_size=5, since=SINCE
    )

    assert stats.value("enrolled_students") is None
    assert stats.value("help_uses") is None  # four students: who asked for help stays hidden
    assert stats.value("response_rate_percent") is None and stats.value("mood_1") is None
    assert all(w.response_rate is None and w.moods is None for w in stats.weeks)
    assert stats.value("invited_students") == 6
    assert stats.value("active_pairs") == 3  # six people in pairs
    relaxed = await programme_stats(
        session, programme=programme, today=TODAY, min_group_size=1, since=SINCE
    )
    assert relaxed.value("help_uses") == 4 and relaxed.value("enrolled_mentors") == 3
    assert relaxed.weeks[0].moods == (2, 1, 2, 0, 0)


async def test_the_background_keeps_settled_weeks_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    await with_weeks(session, clock, programme)

    first = await settle_weeks(session, programme=programme, today=TODAY)
    again = await settle_weeks(session, programme=programme, today=TODAY)
    later = await settle_weeks(session, programme=programme, today=TODAY + timedelta(weeks=1))

    assert (first, again, later) == (3, 0, 1)  # 3 Aug to 17 Aug; then the week of 24 Aug


async def test_every_case_is_counted_and_the_most_urgent_are_named(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    mentor = (await members_in_role(session, programme.id, Role.MENTOR))[1]
    mentor.status = MemberStatus.BLOCKED
    await session.flush()
    # On 20 October every pair is overdue; the one that met longest ago comes first.
    later = TODAY + timedelta(weeks=6)

    found = await needing_attention(session, programme=programme, today=later, limit=1)

    assert found.counts == {
        Concern.NO_MEETING: 3,
        Concern.BLOCKED: 1,
        Concern.LEFT: 0,
        Concern.INVITE_UNUSED: 2,
    }
    assert [(a.concern, a.name, a.since) for a in found.named] == [
        (Concern.NO_MEETING, "Student 2", date(2026, 8, 3)),
        (Concern.BLOCKED, "Student 1", None),
        (Concern.INVITE_UNUSED, "", SEEDED_AT.date()),
    ]
    assert found.unnamed == 3


async def test_settled_months_are_kept_and_read_back_the_same(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=6)
    later = date(2026, 10, 5)  # August has settled (two weeks after its end), September not

    first = await programme_stats(
        session, programme=programme, today=later, min_group_size=5, since=SINCE
    )
    kept = (await session.scalars(select(MeetingMonth))).all()
    await session.execute(delete(Meeting).where(Meeting.met_on < date(2026, 9, 1)))
    again = await programme_stats(
        session, programme=programme, today=later, min_group_size=5, since=SINCE
    )

    assert [(m.month, m.pairs, m.meetings) for m in kept] == [
        (date(2026, 8, 1), 3, {"0": 1, "1": 2})
    ]
    assert again.months[0] == first.months[0]  # August: from the kept counts
    assert [m.buckets for m in first.months] == [(1, 2, 0, 0), (2, 1, 0, 0), (3, 0, 0, 0)]


async def test_a_week_kept_twice_keeps_the_first_counts(
    session: AsyncSession, clock: ManualClock
) -> None:
    """/stats and the background job may keep the same settled week at the same moment."""
    programme = await a_programme(session, clock.now())
    row = {
        "programme_id": programme.id,
        "week": date(2026, 8, 3),
        **{name: 1 for name in ("prompted", "prompted_students", "answered", "entries")},
        **{name: 1 for name in ("authors", "mood_1", "mood_2", "mood_3", "mood_4", "mood_5")},
    }

    await insert_unless_present(session, EngagementWeek, [row])
    await insert_unless_present(session, EngagementWeek, [{**row, "prompted": 2}])

    kept = (await session.scalars(select(EngagementWeek))).all()
    assert [(week.week, week.prompted) for week in kept] == [(date(2026, 8, 3), 1)]
