"""Matching suggestions for one programme: the cohort from the database, and accepting them.

What matching knows about a person comes from the invite they enrolled with (a roster
row): tags, the mentor a student asked for, and languages. A person's languages are the
one the bot speaks to them in (Member.language), the roster's language column, and any
listed in a "languages" tag (e.g. "sv;en"), which is therefore not compared as a tag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.matching import (
    NOT_REACHABLE,
    Mentor,
    Proposal,
    Student,
    Unmatched,
    allowed,
    suggest,
)
from bot.services.errors import Refused
from bot.services.pairing import PairView, mentors_with_room, pair, unpaired_students
from db.models import Invite, Member, MemberStatus, Pair, PairStatus, Programme, Role

LANGUAGES_TAG = "languages"


@dataclass(frozen=True)
class Cohort:
    students: tuple[Student, ...]
    mentors: tuple[Mentor, ...]
    ended: frozenset[tuple[int, int]]
    away: tuple[Unmatched, ...] = ()  # students who cannot be introduced now


@dataclass(frozen=True)
class Declined:
    """An accepted suggestion that could not be paired; nothing changed for it."""

    student_id: int
    mentor_id: int
    student_name: str
    mentor_name: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Applied:
    paired: tuple[PairView, ...]
    declined: tuple[Declined, ...]


async def load_cohort(session: AsyncSession, *, programme_id: int) -> Cohort:
    """Unpaired students, mentors with room, and the programme's ended pairs."""
    students = await unpaired_students(session, programme_id=programme_id)
    mentors = await mentors_with_room(session, programme_id=programme_id)
    ids = [c.member_id for c in (*students, *mentors)]
    members = {
        m.id: m for m in (await session.scalars(select(Member).where(Member.id.in_(ids)))).all()
    }
    invites = await _invites(session, programme_id, ids)
    ended = await session.execute(
        select(Pair.student_id, Pair.mentor_id).where(
            Pair.programme_id == programme_id, Pair.status == PairStatus.ENDED
        )
    )
    reachable = {i for i, m in members.items() if m.status == MemberStatus.ACTIVE}
    cohort_students = []
    away = []
    for candidate in students:
        if candidate.member_id not in reachable:
            away.append(Unmatched(candidate.member_id, candidate.display_name, NOT_REACHABLE))
            continue
        invite = invites.get((candidate.member_id, Role.STUDENT))
        cohort_students.append(
            Student(
                candidate.member_id,
                candidate.display_name,
                _languages(members[candidate.member_id], invite),
                _tags(invite),
                invite.mentor_name if invite else None,
            )
        )
    cohort_mentors = []
    for candidate in mentors:
        if candidate.member_id not in reachable:
            continue  # an introduction would not reach them
        invite = invites.get((candidate.member_id, Role.MENTOR))
        roster_name = invite.name if invite and invite.name else None
        cohort_mentors.append(
            Mentor(
                candidate.member_id,
                candidate.display_name,
                _languages(members[candidate.member_id], invite),
                candidate.free_places or 0,
                _tags(invite),
                (roster_name,) if roster_name and roster_name != candidate.display_name else (),
            )
        )
    return Cohort(
        tuple(cohort_students),
        tuple(cohort_mentors),
        frozenset((row.student_id, row.mentor_id) for row in ended),
        tuple(away),
    )


async def suggestions(session: AsyncSession, *, programme_id: int) -> Proposal:
    """The suggested pairs for a programme, and every unpaired student left without one."""
    cohort = await load_cohort(session, programme_id=programme_id)
    proposal = suggest(cohort.students, cohort.mentors, cohort.ended)
    unmatched = sorted(
        (*proposal.unmatched, *cohort.away), key=lambda u: (u.student_name.casefold(), u.student_id)
    )
    return Proposal(proposal.suggestions, tuple(unmatched))


async def apply(
    session: AsyncSession,
    *,
    now: datetime,
    programme: Programme,
    accepted: Sequence[tuple[int, int]],
    actor: str,
) -> Applied:
    """Pair each accepted (student, mentor) as a coordinator's /pair would. One that is no
    longer possible is declined with the reason, and the others still go through."""
    cohort = await load_cohort(session, programme_id=programme.id)
    students = {s.id: s for s in cohort.students}
    mentors = {m.id: m for m in cohort.mentors}
    names = await _names(session, [member_id for pair_ids in accepted for member_id in pair_ids])
    paired: list[PairView] = []
    declined: list[Declined] = []
    for student_id, mentor_id in accepted:
        try:
            student, mentor = students.get(student_id), mentors.get(mentor_id)
            # Otherwise pair() gives the precise reason (already paired, full, not in it).
            if student is not None and mentor is not None:
                _check_rules(student, mentor, cohort.ended)
            paired.append(
                await pair(
                    session,
                    now=now,
                    programme=programme,
                    student_id=student_id,
                    mentor_id=mentor_id,
                    actor=actor,
                )
            )
        except Refused as refusal:
            declined.append(
                Declined(
                    student_id,
                    mentor_id,
                    names.get(student_id, f"member {student_id}"),
                    names.get(mentor_id, f"member {mentor_id}"),
                    refusal.reason,
                    refusal.details,
                )
            )
    return Applied(tuple(paired), tuple(declined))


def _check_rules(student: Student, mentor: Mentor, ended: frozenset[tuple[int, int]]) -> None:
    if allowed(student, mentor, ended):
        return
    if (student.id, mentor.id) in ended:
        raise Refused("ended_before", student=student.name, mentor=mentor.name)
    raise Refused("no_shared_language", student=student.name, mentor=mentor.name)


async def _invites(
    session: AsyncSession, programme_id: int, member_ids: list[int]
) -> dict[tuple[int, Role], Invite]:
    """The invite each member enrolled with, per role (the newest, should there be two)."""
    found = await session.scalars(
        select(Invite)
        .where(Invite.programme_id == programme_id, Invite.used_by_id.in_(member_ids))
        .order_by(Invite.used_at, Invite.id)
    )
    return {(invite.used_by_id or 0, invite.role): invite for invite in found}


async def _names(session: AsyncSession, member_ids: list[int]) -> dict[int, str]:
    rows = await session.execute(
        select(Member.id, Member.display_name).where(Member.id.in_(member_ids))
    )
    return {row.id: row.display_name for row in rows}


def _languages(member: Member, invite: Invite | None) -> frozenset[str]:
    spoken = {member.language.lower()}
    if invite is not None and invite.language:
        spoken.add(invite.language.lower())
    listed = (invite.tags or {}).get(LANGUAGES_TAG, "") if invite is not None else ""
    spoken |= {item.strip().lower() for item in listed.split(";") if item.strip()}
    return frozenset(spoken)


def _tags(invite: Invite | None) -> dict[str, str]:
    if invite is None or not invite.tags:
        return {}
    return {key: value for key, value in invite.tags.items() if key != LANGUAGES_TAG}
