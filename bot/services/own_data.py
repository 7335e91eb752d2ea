"""A member's own data, as one JSON document for /mydata: everything frizon keeps about
them, with their reflections decrypted, and nothing about anyone else beyond the name of
the person they were paired with.

An entry's voice notes are listed as what frizon keeps of them, Telegram's file ids; the
recordings stay with Telegram (and in the member's own chat), and /history plays them
back, so the file does not carry them."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.core.crypto import CannotDecrypt, ReflectionCipher
from bot.services.checkins import read_reflection, read_voice_notes
from bot.services.errors import Refused
from db.models import (
    CheckIn,
    CheckInStatus,
    Meeting,
    Member,
    Membership,
    Pair,
    RhythmProposal,
    Role,
)

When = Callable[[datetime | None], str | None]

FORMAT = "frizon-my-data/1"


async def own_data(
    session: AsyncSession,
    *,
    member_id: int,
    cipher: ReflectionCipher,
    now: datetime,
    erased_name: str,
) -> dict[str, Any]:
    """The member's profile, roles, pairs, meetings, rhythm proposals, entries and consent,
    as plain values; a partner since erased (who keeps no name) reads as `erased_name`."""
    member = await session.scalar(
        select(Member)
        .where(Member.id == member_id)
        .options(selectinload(Member.memberships).selectinload(Membership.programme))
    )
    if member is None:
        raise Refused("not_enrolled")
    memberships = sorted(member.memberships, key=lambda m: (m.programme_id, m.role.value))
    zone = ZoneInfo(
        member.timezone or (memberships[0].programme.timezone if memberships else "UTC")
    )

    def when(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")

    pairs = (
        await session.scalars(
            select(Pair)
            .where(or_(Pair.student_id == member_id, Pair.mentor_id == member_id))
            .options(selectinload(Pair.student), selectinload(Pair.mentor))
            .order_by(Pair.id)
        )
    ).all()
    programmes = {m.programme_id: m.programme.name for m in memberships}
    return {
        "format": FORMAT,
        "exported_at": when(now),
        "profile": {
            "name": member.display_name,
            "telegram_user_id": member.telegram_user_id,
            "language": member.language,
            "timezone": member.timezone,
            "quiet_hours": member.quiet_hours,
            "paused_until": when(member.paused_until),
            "status": member.status.value,
            "joined_at": when(member.created_at),
        },
        "memberships": [_membership(m, when) for m in memberships],
        "pairs": [_pair(p, member_id, programmes, when, erased_name) for p in pairs],
        "meetings": await _meetings(session, pairs, member_id, erased_name),
        "rhythm_proposals": await _rhythm_proposals(session, pairs, member_id, when, erased_name),
        "checkins": await _checkins(session, member_id, cipher, programmes, when),
    }


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _membership(membership: Membership, when: When) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "programme": membership.programme.name,
        "role": membership.role.value,
        "joined_at": when(membership.created_at),
    }
    if membership.role == Role.MENTOR:
        shown["capacity"] = membership.capacity
    if membership.role == Role.STUDENT:
        shown["research_consent"] = membership.research_consent
        shown["research_consent_changed_at"] = when(membership.consent_changed_at)
    return shown


def _partner_name(pair: Pair, member_id: int, erased_name: str) -> str:
    partner = pair.mentor if pair.student_id == member_id else pair.student
    return partner.display_name or erased_name


def _pair(
    pair: Pair, member_id: int, programmes: dict[int, str], when: When, erased_name: str
) -> dict[str, Any]:
    mine_as_student = pair.student_id == member_id
    return {
        "programme": programmes.get(pair.programme_id),
        "your_role": "student" if mine_as_student else "mentor",
        "partner": _partner_name(pair, member_id, erased_name),
        "status": pair.status.value,
        "started_at": when(pair.started_at),
        "ended_at": when(pair.ended_at),
        "agreed_meeting_weeks": pair.meeting_weeks,
    }


async def _rhythm_proposals(
    session: AsyncSession, pairs: Sequence[Pair], member_id: int, when: When, erased_name: str
) -> list[dict[str, Any]]:
    """The meeting rhythms either side of the member's pairs proposed, and what became of them."""
    partner_of = {p.id: _partner_name(p, member_id, erased_name) for p in pairs}
    proposals = (
        await session.scalars(
            select(RhythmProposal)
            .where(RhythmProposal.pair_id.in_(list(partner_of)))
            .order_by(RhythmProposal.id)
        )
    ).all()
    return [
        {
            "partner": partner_of[p.pair_id],
            "weeks": p.weeks,
            "proposed_by": "you" if p.proposed_by_id == member_id else "partner",
            "proposed_at": when(p.created_at),
            "status": p.status.value,
            "answered_at": when(p.answered_at),
        }
        for p in proposals
    ]


async def _meetings(
    session: AsyncSession, pairs: Sequence[Pair], member_id: int, erased_name: str
) -> list[dict[str, Any]]:
    partner_of = {p.id: _partner_name(p, member_id, erased_name) for p in pairs}
    meetings = (
        await session.scalars(
            select(Meeting)
            .where(Meeting.pair_id.in_(list(partner_of)))
            .order_by(Meeting.met_on, Meeting.id)
        )
    ).all()
    return [
        {
            "partner": partner_of[m.pair_id],
            "met_on": _day(m.met_on),
            "logged_by": "you" if m.logged_by_id == member_id else "partner",
            "confirmed": m.confirmed_by_id is not None,
            "counted": m.stands,  # False: the other side said it was not that day
        }
        for m in meetings
    ]


async def _checkins(
    session: AsyncSession,
    member_id: int,
    cipher: ReflectionCipher,
    programmes: dict[int, str],
    when: When,
) -> list[dict[str, Any]]:
    entries = (
        await session.scalars(
            select(CheckIn)
            .where(CheckIn.member_id == member_id)
            .order_by(CheckIn.created_at, CheckIn.id)
        )
    ).all()
    shown = []
    for entry in entries:
        try:
            text: str | None = read_reflection(cipher, entry)
        except CannotDecrypt:  # written under a key the operator no longer has
            text = None
        try:
            voice_notes: list[str] | None = read_voice_notes(cipher, entry)
        except CannotDecrypt:
            voice_notes = None
        shown.append(
            {
                "programme": programmes.get(entry.programme_id),
                "written_at": when(entry.created_at),
                "prompt": entry.prompt_key,
                "theme": entry.theme,
                "mood": entry.mood,
                "reflection": text,
                "voice_notes": voice_notes,  # Telegram file ids, in the order sent
                "shared_with_mentor": entry.shared,
                "finished": entry.status == CheckInStatus.DONE,
            }
        )
    return shown


def _day(day: date) -> str:
    return day.isoformat()
