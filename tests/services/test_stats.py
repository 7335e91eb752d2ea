"""Programme statistics: exact numbers from a seeded programme, and suppression of every
figure about fewer than `min_group_size` people."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.services.meetings import answer_meeting, log_meeting
from bot.services.pairing import pair
from bot.services.stats import programme_stats
from bot.services.support import count_help_use
from db.models import Programme, Role
from tests.factories import a_member, a_person, a_programme, an_invite

TODAY = date(2026, 9, 7)


async def seeded(session: AsyncSession, clock: ManualClock, *, students: int) -> Programme:
    programme = await a_programme(session, clock)
    mentors = [
        await a_member(
            session, clock, programme, Role.MENTOR, name=f"Mentor {n}", person=a_person(f"M{n}")
        )
        for n in range(3)
    ]
    pupils = [
        await a_member(
            session, clock, programme, Role.STUDENT, name=f"Student {n}", person=a_person(f"S{n}")
        )
        for n in range(students)
    ]
    for _ in range(2):  # invites never used
        await an_invite(session, clock, programme, Role.STUDENT)
    pairs = []
    for student, mentor in zip(pupils, mentors, strict=False):
        view = await pair(
            session,
            clock=clock,
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


async def test_the_numbers_of_a_seeded_programme(session: AsyncSession, clock: ManualClock) -> None:
    programme = await seeded(session, clock, students=6)

    stats = await programme_stats(session, programme=programme, today=TODAY, min_group_size=5)

    assert {f.key: (f.value, f.group) for f in stats.figures} == {
        "invited_students": (8, 8),
        "enrolled_students": (6, 6),
        "invited_mentors": (None, 3),  # three mentors: too few to show
        "enrolled_mentors": (None, 3),
        "active_pairs": (3, 6),
        "pairs_met_within_rhythm": (2, 6),
        "help_uses": (4, 6),
    }


async def test_a_small_programme_shows_almost_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await seeded(session, clock, students=4)

    stats = await programme_stats(session, programme=programme, today=TODAY, min_group_size=5)

    assert stats.value("enrolled_students") is None
    assert stats.value("help_uses") is None  # four students: who asked for help stays hidden
    assert stats.value("invited_students") == 6
    assert stats.value("active_pairs") == 3  # six people in pairs
    relaxed = await programme_stats(session, programme=programme, today=TODAY, min_group_size=1)
    assert relaxed.value("help_uses") == 4 and relaxed.value("enrolled_mentors") == 3
