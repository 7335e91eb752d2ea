"""The pair keeps the day of its last meeting that stands, as meetings are logged and
disputed: the statistics read it instead of every meeting."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.services.meetings import answer_meeting, log_meeting
from bot.services.pairing import pair
from db.models import Pair, Role
from tests.factories import a_member, a_person, a_programme

TODAY = date(2026, 9, 7)


async def test_the_pair_remembers_its_last_meeting_that_stands(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock)
    ana = await a_member(
        session, clock, programme, Role.STUDENT, name="Ana", person=a_person("Ana")
    )
    lars = await a_member(
        session, clock, programme, Role.MENTOR, name="Lars", person=a_person("Lars")
    )
    made = await pair(
        session,
        clock=clock,
        programme=programme,
        student_id=ana.member_id,
        mentor_id=lars.member_id,
        actor="test",
    )
    the_pair = await session.get_one(Pair, made.pair_id)
    days = []

    async def met(day: date) -> int:
        meeting = await log_meeting(
            session,
            member_id=ana.member_id,
            pair_id=the_pair.id,
            day=day,
            today=TODAY,
            now=clock.now(),
        )
        days.append(the_pair.last_met_on)
        return meeting.id

    await met(date(2026, 8, 20))
    await met(date(2026, 8, 10))  # an older meeting logged later changes nothing
    latest = await met(date(2026, 9, 1))
    await answer_meeting(session, member_id=lars.member_id, meeting_id=latest, confirmed=False)

    assert days == [date(2026, 8, 20), date(2026, 8, 20), date(2026, 9, 1)]
    assert the_pair.last_met_on == date(2026, 8, 20)  # "not that day": back to the one before
