"""Pairing: a student gets one mentor per programme, within the mentor's capacity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.outbox.keys.pairs import pair_key
from bot.outbox.keys.prompts import farewell_key
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.services.audit import member_actor, record_event
from bot.services.errors import Refused
from bot.services.relay import forget_conversations_of_pair
from db.models import (
    AuditEvent,
    Member,
    Membership,
    MemberStatus,
    Pair,
    PairStatus,
    Programme,
    Role,
)


@dataclass(frozen=True)
class PairView:
    pair_id: int
    programme_name: str
    student_id: int
    student_name: str
    mentor_id: int
    mentor_name: str


@dataclass(frozen=True)
class Candidate:
    member_id: int
    display_name: str
    free_places: int | None  # mentors only


async def pair(
    session: AsyncSession,
    *,
    now: datetime,
    programme: Programme,
    student_id: int,
    mentor_id: int,
    actor: str,
) -> PairView:
    """Pair a student with a mentor and queue both introductions; refuse with a reason."""
    if student_id == mentor_id:
        raise Refused("same_person")
    student = await _member_in_role(session, programme, student_id, Role.STUDENT, "not_a_student")
    mentor_role = await _membership(session, programme, mentor_id, Role.MENTOR)
    if mentor_role is None:
        raise Refused("not_a_mentor", member_id=mentor_id)
    mentor = await session.get_one(Member, mentor_id)
    # Lock the student's, then the mentor's membership row before checking, so pairings
    # racing for the same student or the mentor's last place are serialised: the later
    # one checks after the earlier has committed. Always in this order: no deadlock.
    await _lock(session, programme.id, student_id, Role.STUDENT)
    await _lock(session, programme.id, mentor_id, Role.MENTOR)
    current = await _active_pair_of(session, programme.id, student_id)
    if current is not None:
        raise Refused(
            "student_has_mentor",
            student=student.display_name,
            mentor=current.mentor.display_name,
            mentor_id=current.mentor_id,
            programme=programme.name,
        )
    taken = await _active_mentees(session, programme.id, mentor_id)
    capacity = mentor_role.capacity or 0
    if taken >= capacity:
        raise Refused("mentor_full", mentor=mentor.display_name, capacity=capacity)
    new_pair = Pair(
        programme_id=programme.id,
        student_id=student_id,
        mentor_id=mentor_id,
        status=PairStatus.ACTIVE,
        started_at=now,
    )
    session.add(new_pair)
    try:
        await session.flush()
    except IntegrityError:
        # The partial unique index is the last guard; the locks above make this rare.
        raise Refused("student_has_mentor", student=student.display_name, mentor="") from None
    for member_id in (student_id, mentor_id):
        await enqueue(
            session,
            member_id=member_id,
            purpose=Purpose.INTRO,
            cycle=pair_key(new_pair.id),
            subject_id=new_pair.id,
            due_at=now,
        )
    record_event(
        session,
        now=now,
        kind="paired",
        actor=actor,
        programme_id=programme.id,
        details={"pair_id": new_pair.id, "student_id": student_id, "mentor_id": mentor_id},
    )
    return PairView(
        new_pair.id,
        programme.name,
        student_id,
        student.display_name,
        mentor_id,
        mentor.display_name,
    )


FAREWELL_PROMPT = "future-farewell"  # in the base catalogue, timing programme_end


async def unpair(
    session: AsyncSession,
    *,
    now: datetime,
    programme: Programme,
    student_id: int,
    actor: str,
    pair_id: int | None = None,
) -> PairView:
    """End the student's active pair; both sides are told, the history is kept.

    `pair_id` names the pair the coordinator was shown: if the student has been paired
    anew since, nothing ends (Refused "no_active_pair")."""
    current = await _active_pair_of(session, programme.id, student_id)
    if current is None or (pair_id is not None and current.id != pair_id):
        raise Refused("no_active_pair", member_id=student_id)
    current.status = PairStatus.ENDED
    current.ended_at = now
    await forget_conversations_of_pair(session, pair_id=current.id)
    coordinators = await session.scalars(
        select(Membership.member_id).where(
            Membership.programme_id == programme.id, Membership.role == Role.COORDINATOR
        )
    )
    # Both sides are told, and every coordinator but the one who did it.
    told = {current.student_id, current.mentor_id} | {
        member_id for member_id in coordinators if member_actor(member_id) != actor
    }
    for member_id in sorted(told):
        await enqueue(
            session,
            member_id=member_id,
            purpose=Purpose.PAIR_ENDED,
            cycle=pair_key(current.id),
            subject_id=current.id,
            due_at=now,
        )
    # A last question to look back on the mentorship, answered like any prompt.
    today = now.astimezone(ZoneInfo(programme.timezone)).date()
    await enqueue(
        session,
        member_id=current.student_id,
        purpose=Purpose.PROMPT,
        cycle=farewell_key(programme.id, today, current.id),
        subject_id=programme.id,
        due_at=now,
        prompt_key=FAREWELL_PROMPT,
    )
    record_event(
        session,
        now=now,
        kind="unpaired",
        actor=actor,
        programme_id=programme.id,
        details={
            "pair_id": current.id,
            "student_id": current.student_id,
            "mentor_id": current.mentor_id,
        },
    )
    return PairView(
        current.id,
        programme.name,
        current.student_id,
        current.student.display_name,
        current.mentor_id,
        current.mentor.display_name,
    )


async def ended_by(
    session: AsyncSession, *, programme_id: int, student_id: int, actor: str
) -> PairView | None:
    """The student's last pair in the programme, if it has ended and `actor` ended it: an
    End asked again (re-delivered after a failure, or a double tap) is shown as done."""
    last = await session.scalar(
        select(Pair)
        .where(Pair.programme_id == programme_id, Pair.student_id == student_id)
        .options(selectinload(Pair.student), selectinload(Pair.mentor))
        .order_by(Pair.id.desc())
        .limit(1)
    )
    if last is None or last.status != PairStatus.ENDED:
        return None
    ended = await session.scalars(
        select(AuditEvent.details).where(
            AuditEvent.programme_id == programme_id,
            AuditEvent.kind == "unpaired",
            AuditEvent.actor == actor,
        )
    )
    if not any(details.get("pair_id") == last.id for details in ended):
        return None
    programme = await session.get_one(Programme, programme_id)
    return PairView(
        last.id,
        programme.name,
        last.student_id,
        last.student.display_name,
        last.mentor_id,
        last.mentor.display_name,
    )


async def active_pairs(session: AsyncSession, *, programme_id: int) -> list[PairView]:
    """The programme's active pairs, by student name."""
    programme = await session.get_one(Programme, programme_id)
    pairs = (
        await session.scalars(
            select(Pair)
            .where(Pair.programme_id == programme_id, Pair.status == PairStatus.ACTIVE)
            .options(selectinload(Pair.student), selectinload(Pair.mentor))
        )
    ).all()
    views = [
        PairView(
            p.id,
            programme.name,
            p.student_id,
            p.student.display_name,
            p.mentor_id,
            p.mentor.display_name,
        )
        for p in pairs
    ]
    return sorted(views, key=lambda view: (view.student_name, view.student_id))


async def unpaired_students(
    session: AsyncSession, *, programme_id: int, only: int | None = None
) -> list[Candidate]:
    paired = select(Pair.student_id).where(
        Pair.programme_id == programme_id, Pair.status == PairStatus.ACTIVE
    )
    query = (
        select(Member.id, Member.display_name)
        .join(Membership, Membership.member_id == Member.id)
        .where(
            Membership.programme_id == programme_id,
            Membership.role == Role.STUDENT,
            Member.id.not_in(paired),
            Member.status != MemberStatus.LEFT,
        )
        .order_by(Member.display_name, Member.id)
    )
    if only is not None:
        query = query.where(Member.id == only)
    return [Candidate(row.id, row.display_name, None) for row in await session.execute(query)]


async def unpaired_student(
    session: AsyncSession, *, programme_id: int, student_id: int
) -> Candidate | None:
    """The student if they are in the programme and have no active mentor, else None."""
    students = await unpaired_students(session, programme_id=programme_id, only=student_id)
    return students[0] if students else None


async def active_pair_of(
    session: AsyncSession, *, programme_id: int, student_id: int
) -> PairView | None:
    found = await _active_pair_of(session, programme_id, student_id)
    if found is None:
        return None
    programme = await session.get_one(Programme, programme_id)
    return PairView(
        found.id,
        programme.name,
        found.student_id,
        found.student.display_name,
        found.mentor_id,
        found.mentor.display_name,
    )


async def mentors_with_room(session: AsyncSession, *, programme_id: int) -> list[Candidate]:
    taken = (
        select(Pair.mentor_id, func.count().label("n"))
        .where(Pair.programme_id == programme_id, Pair.status == PairStatus.ACTIVE)
        .group_by(Pair.mentor_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Member.id,
            Member.display_name,
            Membership.capacity,
            func.coalesce(taken.c.n, 0).label("taken"),
        )
        .join(Membership, Membership.member_id == Member.id)
        .outerjoin(taken, taken.c.mentor_id == Member.id)
        .where(Membership.programme_id == programme_id, Membership.role == Role.MENTOR)
        .order_by(Member.display_name, Member.id)
    )
    return [
        Candidate(row.id, row.display_name, (row.capacity or 0) - row.taken)
        for row in rows
        if (row.capacity or 0) > row.taken
    ]


async def _membership(
    session: AsyncSession, programme: Programme, member_id: int, role: Role
) -> Membership | None:
    return await session.scalar(
        select(Membership).where(
            Membership.programme_id == programme.id,
            Membership.member_id == member_id,
            Membership.role == role,
        )
    )


async def _lock(session: AsyncSession, programme_id: int, member_id: int, role: Role) -> None:
    """Take a row lock (PostgreSQL) or the write lock (SQLite) with a no-op update."""
    await session.execute(
        update(Membership)
        .where(
            Membership.programme_id == programme_id,
            Membership.member_id == member_id,
            Membership.role == role,
        )
        .values(capacity=Membership.capacity)
    )


async def _member_in_role(
    session: AsyncSession, programme: Programme, member_id: int, role: Role, reason: str
) -> Member:
    if await _membership(session, programme, member_id, role) is None:
        raise Refused(reason, member_id=member_id)
    member = await session.get_one(Member, member_id)
    if member.status == MemberStatus.LEFT:  # erased or gone: nobody to introduce
        raise Refused("member_left", member_id=member_id)
    return member


async def _active_pair_of(session: AsyncSession, programme_id: int, student_id: int) -> Pair | None:
    return await session.scalar(
        select(Pair)
        .where(
            Pair.programme_id == programme_id,
            Pair.student_id == student_id,
            Pair.status == PairStatus.ACTIVE,
        )
        .options(selectinload(Pair.student), selectinload(Pair.mentor))
    )


async def _active_mentees(session: AsyncSession, programme_id: int, mentor_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Pair)
        .where(
            Pair.programme_id == programme_id,
            Pair.mentor_id == mentor_id,
            Pair.status == PairStatus.ACTIVE,
        )
    )
    return int(count or 0)


async def end_own_pair(
    session: AsyncSession, *, now: datetime, member_id: int, pair_id: int
) -> PairView:
    """A student or mentor ends their own pair: the same as a coordinator's /unpair."""
    pair = await session.get(Pair, pair_id)
    if pair is None or member_id not in (pair.student_id, pair.mentor_id):
        raise Refused("not_your_pair")
    if pair.status != PairStatus.ACTIVE:
        raise Refused("no_active_pair", member_id=pair.student_id)
    programme = await session.get_one(Programme, pair.programme_id)
    return await unpair(
        session,
        now=now,
        programme=programme,
        student_id=pair.student_id,
        actor=member_actor(member_id),
    )
