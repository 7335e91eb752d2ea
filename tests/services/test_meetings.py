"""The pair keeps the day of its last meeting that stands, as meetings are logged and
disputed: the statistics read it instead of every meeting. The same step again (a press
re-delivered after a failure) is the same meeting, the same answer."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.outbox.purposes import Purpose
from bot.services.attention import Concern, needing_attention
from bot.services.errors import Refused
from bot.services.meetings import (
    accept_rhythm,
    answer_meeting,
    ask_overdue_pairs,
    choose_rhythm,
    log_meeting,
    rhythm_of,
)
from bot.services.pairing import pair
from db.models import AuditEvent, Delivery, Pair, Programme, ProposalStatus, RhythmProposal, Role
from tests.factories import a_member, a_person, a_programme

TODAY = date(2026, 9, 7)


async def test_the_pair_remembers_its_last_meeting_that_stands(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ana = await a_member(
        session, clock.now(), programme, Role.STUDENT, name="Ana", person=a_person("Ana")
    )
    lars = await a_member(
        session, clock.now(), programme, Role.MENTOR, name="Lars", person=a_person("Lars")
    )
    made = await pair(
        session,
        now=clock.now(),
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


async def ana_and_lars(session: AsyncSession, clock: ManualClock) -> tuple[int, int, int]:
    programme = await a_programme(session, clock.now())
    ana = await a_member(
        session, clock.now(), programme, Role.STUDENT, name="Ana", person=a_person("Ana")
    )
    lars = await a_member(
        session, clock.now(), programme, Role.MENTOR, name="Lars", person=a_person("Lars")
    )
    made = await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=ana.member_id,
        mentor_id=lars.member_id,
        actor="test",
    )
    return ana.member_id, lars.member_id, made.pair_id


async def test_logging_the_same_meeting_again_is_the_same_meeting_asked_about_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    ana, lars, pair_id = await ana_and_lars(session, clock)

    async def log(member_id: int) -> int:
        meeting = await log_meeting(
            session, member_id=member_id, pair_id=pair_id, day=TODAY, today=TODAY, now=clock.now()
        )
        return meeting.id

    first = await log(ana)
    assert await log(ana) == first
    questions = await session.scalars(
        select(Delivery).where(Delivery.purpose == Purpose.MEETING_LOGGED)
    )
    assert [q.member_id for q in questions.all()] == [lars]
    with pytest.raises(Refused, match="already_logged"):
        await log(lars)  # the other side logs the day Ana did: theirs to confirm instead
    await answer_meeting(session, member_id=lars, meeting_id=first, confirmed=True)
    with pytest.raises(Refused, match="already_logged"):
        await log(ana)  # confirmed since: no longer "Lars is asked to confirm it"


@pytest.mark.parametrize("confirmed", [True, False])
async def test_the_same_answer_to_a_meeting_again_is_taken_and_the_other_refused(
    session: AsyncSession, clock: ManualClock, confirmed: bool
) -> None:
    ana, lars, pair_id = await ana_and_lars(session, clock)
    meeting = await log_meeting(
        session, member_id=ana, pair_id=pair_id, day=TODAY, today=TODAY, now=clock.now()
    )
    await answer_meeting(session, member_id=lars, meeting_id=meeting.id, confirmed=confirmed)

    again = await answer_meeting(
        session, member_id=lars, meeting_id=meeting.id, confirmed=confirmed
    )

    assert (again.stands, again.confirmed_by_id) == ((True, lars) if confirmed else (False, None))
    with pytest.raises(Refused, match="already_answered"):
        await answer_meeting(
            session, member_id=lars, meeting_id=meeting.id, confirmed=not confirmed
        )


async def test_someone_elses_pair_is_refused_before_the_day_or_the_rhythm_is_read(
    session: AsyncSession, clock: ManualClock
) -> None:
    _, _, pair_id = await ana_and_lars(session, clock)
    eve, _, _ = await ana_and_lars(session, clock)

    with pytest.raises(Refused, match="not_yours"):
        await choose_rhythm(session, member_id=eve, pair_id=pair_id, weeks=3, now=clock.now())
    with pytest.raises(Refused, match="not_yours"):
        await accept_rhythm(session, member_id=eve, pair_id=pair_id, proposal_id=1, now=clock.now())
    with pytest.raises(Refused, match="not_yours"):
        await log_meeting(
            session,
            member_id=eve,
            pair_id=pair_id,
            day=date(2099, 1, 1),
            today=TODAY,
            now=clock.now(),
        )


async def test_a_rhythm_holds_once_the_other_side_accepts_it(
    session: AsyncSession, clock: ManualClock
) -> None:
    ana, lars, pair_id = await ana_and_lars(session, clock)

    async def choose(member_id: int, weeks: int) -> tuple[str, int, int | None]:
        answer = await choose_rhythm(
            session, member_id=member_id, pair_id=pair_id, weeks=weeks, now=clock.now()
        )
        return answer.outcome, answer.rhythm.weeks, answer.rhythm.proposed

    assert await choose(ana, 2) == ("proposed", 4, 2)  # the programme's 4 holds meanwhile
    assert await choose(ana, 2) == ("already_proposed", 4, 2)
    assert await choose(lars, 6) == ("proposed", 4, 6)  # Lars answers with another
    assert await choose(ana, 6) == ("agreed", 6, None)  # tapping his proposal accepts it
    assert await choose(lars, 6) == ("already_agreed", 6, None)

    proposals = (await session.scalars(select(RhythmProposal).order_by(RhythmProposal.id))).all()
    assert [(p.weeks, p.status) for p in proposals] == [
        (2, ProposalStatus.SUPERSEDED),
        (6, ProposalStatus.ACCEPTED),
    ]
    deliveries = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
    told = [(d.purpose, d.member_id) for d in deliveries if d.purpose.startswith("rhythm")]
    assert told == [("rhythm_proposed", lars), ("rhythm_proposed", ana), ("rhythm_agreed", lars)]
    events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    rhythm_events = [(e.kind, e.details["weeks"]) for e in events if e.kind.startswith("rhythm")]
    assert rhythm_events == [("rhythm_proposed", 2), ("rhythm_proposed", 6), ("rhythm_agreed", 6)]

    accepted, replaced = proposals[1].id, proposals[0].id
    again = await accept_rhythm(
        session, member_id=ana, pair_id=pair_id, proposal_id=accepted, now=clock.now()
    )
    old = await accept_rhythm(
        session, member_id=lars, pair_id=pair_id, proposal_id=replaced, now=clock.now()
    )
    assert (again.outcome, old.outcome) == ("already_agreed", "superseded")
    assert (await session.get_one(Pair, pair_id)).meeting_weeks == 6


async def test_an_accept_on_another_pairs_proposal_is_refused(
    session: AsyncSession, clock: ManualClock
) -> None:
    ana, _, pair_id = await ana_and_lars(session, clock)
    _, max_, other_pair = await ana_and_lars(session, clock)
    await choose_rhythm(session, member_id=max_, pair_id=other_pair, weeks=2, now=clock.now())
    theirs = await session.scalar(select(RhythmProposal.id))
    assert theirs is not None

    with pytest.raises(Refused, match="stale"):  # Ana's own pair, Eve's proposal
        await accept_rhythm(
            session, member_id=ana, pair_id=pair_id, proposal_id=theirs, now=clock.now()
        )
    assert (await session.get_one(Pair, pair_id)).meeting_weeks is None
    assert (await session.get_one(Pair, other_pair)).meeting_weeks is None


async def test_statistics_and_questions_read_the_agreed_rhythm_never_a_proposal(
    session: AsyncSession, clock: ManualClock
) -> None:
    ana, lars, pair_id = await ana_and_lars(session, clock)
    the_pair = await session.get_one(Pair, pair_id)
    programme = await session.get_one(Programme, the_pair.programme_id)
    three_weeks_on = the_pair.started_at.date() + timedelta(weeks=3)
    await choose_rhythm(session, member_id=ana, pair_id=pair_id, weeks=2, now=clock.now())

    assert await rhythm_of(session, the_pair) == 4
    assert await ask_overdue_pairs(session, today=three_weeks_on, now=clock.now()) == 0
    attention = await needing_attention(session, programme=programme, today=three_weeks_on)
    assert attention.counts[Concern.NO_MEETING] == 0

    await choose_rhythm(session, member_id=lars, pair_id=pair_id, weeks=2, now=clock.now())

    assert await rhythm_of(session, the_pair) == 2
    attention = await needing_attention(session, programme=programme, today=three_weeks_on)
    assert attention.counts[Concern.NO_MEETING] == 1
    assert await ask_overdue_pairs(session, today=three_weeks_on, now=clock.now()) == 1


@pytest.mark.parametrize("second_tap", ["accept", "the same rhythm"])
async def test_two_accepts_at_once_agree_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock, second_tap: str
) -> None:
    async with sessionmaker() as session, session.begin():
        ana, lars, pair_id = await ana_and_lars(session, clock)
        await choose_rhythm(session, member_id=ana, pair_id=pair_id, weeks=2, now=clock.now())
        proposal_id = await session.scalar(select(RhythmProposal.id))
        assert proposal_id is not None
    first_holds_its_lock = asyncio.Event()

    async def first() -> str:
        async with sessionmaker() as session, session.begin():
            answer = await accept_rhythm(
                session, member_id=lars, pair_id=pair_id, proposal_id=proposal_id, now=clock.now()
            )
            first_holds_its_lock.set()
            await asyncio.sleep(0.3)  # keep the transaction open while the second one tries
        return answer.outcome

    async def second() -> str:
        await first_holds_its_lock.wait()
        async with sessionmaker() as session, session.begin():
            if second_tap == "accept":
                answer = await accept_rhythm(
                    session,
                    member_id=lars,
                    pair_id=pair_id,
                    proposal_id=proposal_id,
                    now=clock.now(),
                )
            else:
                answer = await choose_rhythm(
                    session, member_id=lars, pair_id=pair_id, weeks=2, now=clock.now()
                )
        return answer.outcome

    assert list(await asyncio.gather(first(), second())) == ["agreed", "already_agreed"]
    async with sessionmaker() as session:
        told = (
            await session.scalars(select(Delivery).where(Delivery.purpose == Purpose.RHYTHM_AGREED))
        ).all()
        assert [d.member_id for d in told] == [ana]
        assert (await session.get_one(Pair, pair_id)).meeting_weeks == 2
