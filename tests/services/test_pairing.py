"""Pairing rules: one active mentor per student, capacity holds, every change is audited."""

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.services.erasure import erase_member
from bot.services.errors import Refused
from bot.services.pairing import ended_by, mentors_with_room, pair, unpair, unpaired_students
from db.models import AuditEvent, Delivery, Pair, PairStatus, Programme, Role
from tests.factories import a_member, a_programme


async def pair_them(
    session: AsyncSession, clock: ManualClock, programme: Programme, student: int, mentor: int
) -> None:
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=student,
        mentor_id=mentor,
        actor="test",
    )


async def test_pairing_queues_an_introduction_for_both_sides(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    mentor = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")

    await pair_them(session, clock, programme, student.member_id, mentor.member_id)

    deliveries = (await session.scalars(select(Delivery).order_by(Delivery.member_id))).all()
    assert [(d.member_id, d.purpose) for d in deliveries] == [
        (student.member_id, "intro"),
        (mentor.member_id, "intro"),
    ]


async def test_a_student_has_at_most_one_active_mentor(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    first = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")
    second = await a_member(session, clock.now(), programme, Role.MENTOR, name="Eva")
    await pair_them(session, clock, programme, student.member_id, first.member_id)

    with pytest.raises(Refused) as refusal:
        await pair_them(session, clock, programme, student.member_id, second.member_id)

    assert refusal.value.reason == "student_has_mentor"
    assert refusal.value.details["mentor"] == "Lars"


async def test_a_mentor_at_capacity_is_refused(session: AsyncSession, clock: ManualClock) -> None:
    programme = await a_programme(session, clock.now())
    mentor = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars", capacity=1)
    ana = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    bo = await a_member(session, clock.now(), programme, Role.STUDENT, name="Bo")
    await pair_them(session, clock, programme, ana.member_id, mentor.member_id)

    with pytest.raises(Refused) as refusal:
        await pair_them(session, clock, programme, bo.member_id, mentor.member_id)

    assert refusal.value.reason == "mentor_full"
    assert refusal.value.details == {"mentor": "Lars", "capacity": 1}


@pytest.mark.parametrize(
    ("student_role", "mentor_role", "reason"),
    [
        (Role.MENTOR, Role.MENTOR, "not_a_student"),
        (Role.STUDENT, Role.STUDENT, "not_a_mentor"),
        (Role.COORDINATOR, Role.MENTOR, "not_a_student"),
    ],
)
async def test_roles_must_match(
    session: AsyncSession, clock: ManualClock, student_role: Role, mentor_role: Role, reason: str
) -> None:
    programme = await a_programme(session, clock.now())
    one = await a_member(session, clock.now(), programme, student_role, name="One")
    other = await a_member(session, clock.now(), programme, mentor_role, name="Other")

    with pytest.raises(Refused) as refusal:
        await pair_them(session, clock, programme, one.member_id, other.member_id)

    assert refusal.value.reason == reason


async def test_membership_in_another_programme_does_not_count(
    session: AsyncSession, clock: ManualClock
) -> None:
    here = await a_programme(session, clock.now())
    elsewhere = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), here, Role.STUDENT, name="Ana")
    mentor = await a_member(session, clock.now(), elsewhere, Role.MENTOR, name="Lars")

    with pytest.raises(Refused) as refusal:
        await pair_them(session, clock, here, student.member_id, mentor.member_id)

    assert refusal.value.reason == "not_a_mentor"


async def test_nobody_mentors_themselves(session: AsyncSession, clock: ManualClock) -> None:
    programme = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")

    with pytest.raises(Refused) as refusal:
        await pair_them(session, clock, programme, student.member_id, student.member_id)

    assert refusal.value.reason == "same_person"


async def test_unpairing_keeps_the_pair_as_ended_and_frees_both(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    mentor = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars", capacity=1)
    await pair_them(session, clock, programme, student.member_id, mentor.member_id)

    await unpair(
        session, now=clock.now(), programme=programme, student_id=student.member_id, actor="test"
    )

    ended = await session.scalar(select(Pair))
    assert ended is not None and ended.status == PairStatus.ENDED and ended.ended_at is not None
    assert [s.member_id for s in await unpaired_students(session, programme_id=programme.id)] == [
        student.member_id
    ]
    assert [m.member_id for m in await mentors_with_room(session, programme_id=programme.id)] == [
        mentor.member_id
    ]


async def test_unpairing_a_student_without_a_mentor_is_refused(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")

    with pytest.raises(Refused) as refusal:
        await unpair(
            session,
            now=clock.now(),
            programme=programme,
            student_id=student.member_id,
            actor="test",
        )

    assert refusal.value.reason == "no_active_pair"


async def test_every_pairing_change_is_an_audit_event(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    mentor = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")
    await pair_them(session, clock, programme, student.member_id, mentor.member_id)
    await unpair(
        session, now=clock.now(), programme=programme, student_id=student.member_id, actor="cli"
    )

    events = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.kind.in_(["paired", "unpaired"]))
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [(e.kind, e.actor, e.details["student_id"]) for e in events] == [
        ("paired", "test", student.member_id),
        ("unpaired", "cli", student.member_id),
    ]


async def test_the_database_refuses_a_second_active_pair_for_a_student(
    session: AsyncSession, clock: ManualClock
) -> None:
    """The partial unique index guards the rule even when two requests race past the check."""
    from sqlalchemy.exc import IntegrityError

    programme = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    lars = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")
    eva = await a_member(session, clock.now(), programme, Role.MENTOR, name="Eva")
    for mentor in (lars, eva):
        session.add(
            Pair(
                programme_id=programme.id,
                student_id=student.member_id,
                mentor_id=mentor.member_id,
                status=PairStatus.ACTIVE,
                started_at=clock.now(),
            )
        )

    with pytest.raises(IntegrityError):
        await session.flush()


async def test_two_pairings_racing_for_a_mentors_last_place_cannot_both_win(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        mentor = await a_member(
            session, clock.now(), programme, Role.MENTOR, name="Lars", capacity=1
        )
        ana = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
        bo = await a_member(session, clock.now(), programme, Role.STUDENT, name="Bo")
    first_holds_its_lock = asyncio.Event()

    async def first() -> str:
        async with sessionmaker() as session, session.begin():
            found = await session.get_one(Programme, programme.id)
            await pair_them(session, clock, found, ana.member_id, mentor.member_id)
            first_holds_its_lock.set()
            await asyncio.sleep(0.3)  # keep the transaction open while the second one tries
        return "paired"

    async def second() -> str:
        await first_holds_its_lock.wait()
        try:
            async with sessionmaker() as session, session.begin():
                found = await session.get_one(Programme, programme.id)
                await pair_them(session, clock, found, bo.member_id, mentor.member_id)
        except Refused as refusal:
            return refusal.reason
        return "paired"

    assert await asyncio.gather(first(), second()) == ["paired", "mentor_full"]
    async with sessionmaker() as session:
        assert len((await session.scalars(select(Pair))).all()) == 1


async def test_two_pairings_racing_for_one_student_name_the_winning_mentor(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        lars = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")
        eva = await a_member(session, clock.now(), programme, Role.MENTOR, name="Eva")
        ana = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    first_holds_its_lock = asyncio.Event()

    async def first() -> str:
        async with sessionmaker() as session, session.begin():
            found = await session.get_one(Programme, programme.id)
            await pair_them(session, clock, found, ana.member_id, lars.member_id)
            first_holds_its_lock.set()
            await asyncio.sleep(0.3)  # keep the transaction open while the second one tries
        return "paired"

    async def second() -> str:
        await first_holds_its_lock.wait()
        try:
            async with sessionmaker() as session, session.begin():
                found = await session.get_one(Programme, programme.id)
                await pair_them(session, clock, found, ana.member_id, eva.member_id)
        except Refused as refusal:
            return f"{refusal.reason}: {refusal.details['mentor']}"
        return "paired"

    assert await asyncio.gather(first(), second()) == ["paired", "student_has_mentor: Lars"]


async def test_an_erased_student_is_neither_listed_nor_paired(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ana = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    ben = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ben")
    lars = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")
    await erase_member(session, now=clock.now(), member_id=ana.member_id, actor="test")

    waiting = await unpaired_students(session, programme_id=programme.id)
    with pytest.raises(Refused) as refused:
        await pair_them(session, clock, programme, ana.member_id, lars.member_id)

    assert [c.member_id for c in waiting] == [ben.member_id]
    assert refused.value.reason == "member_left"
    assert await session.scalar(select(Pair)) is None


async def test_a_pair_ended_is_found_again_only_by_whoever_ended_it(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ana = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
    lars = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")
    await pair_them(session, clock, programme, ana.member_id, lars.member_id)

    async def found(actor: str) -> tuple[str, str] | None:
        view = await ended_by(
            session, programme_id=programme.id, student_id=ana.member_id, actor=actor
        )
        return None if view is None else (view.student_name, view.mentor_name)

    assert await found("member:1") is None  # still active
    await unpair(
        session, now=clock.now(), programme=programme, student_id=ana.member_id, actor="member:1"
    )

    assert await found("member:1") == ("Ana", "Lars")
    assert await found("member:2") is None  # someone else did not end it
    await pair_them(session, clock, programme, ana.member_id, lars.member_id)
    assert await found("member:1") is None  # paired again: nothing ended now
