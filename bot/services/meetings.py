"""Meetings of a pair: the rhythm they agree, the days they met, and the question
"did you meet?" when a rhythm has passed without one.

Either side logs a meeting; the other is asked to confirm it or say it was another day.
Only the fact and the day are kept, never what was talked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox import enqueue
from bot.services.errors import Refused
from bot.services.partners import active_pairs_of, other_side
from db.models import Meeting, Pair, PairStatus, Programme

RHYTHMS = (2, 4, 6, 8)  # weeks between meetings a pair can agree on
MAX_DAYS_BACK = 366  # a meeting logged for a day further back is surely a typo


@dataclass(frozen=True)
class PairMeetings:
    pair_id: int
    partner: str
    weeks: int
    agreed: bool
    meetings: tuple[tuple[date, bool], ...]  # day, confirmed; newest first


async def agree_rhythm(session: AsyncSession, *, member_id: int, pair_id: int, weeks: int) -> int:
    """Set the pair's meeting rhythm; either side may; returns the weeks."""
    pair = await _own_active_pair(session, member_id, pair_id)  # before anything else
    if weeks not in RHYTHMS:
        raise Refused("bad_rhythm")
    pair.meeting_weeks = weeks
    return weeks


async def log_meeting(
    session: AsyncSession, *, member_id: int, pair_id: int, day: date, today: date, now: datetime
) -> Meeting:
    """Record that the pair met on `day`; the other side is asked to confirm."""
    pair = await _own_active_pair(session, member_id, pair_id)  # before anything else
    if day > today:
        raise Refused("future_day")
    if (today - day).days > MAX_DAYS_BACK:
        raise Refused("too_long_ago")
    existing = await session.scalar(
        select(Meeting).where(Meeting.pair_id == pair.id, Meeting.met_on == day, Meeting.stands)
    )
    if existing is not None:
        if (existing.logged_by_id, existing.confirmed_by_id) == (member_id, None):
            # The same press again (re-delivered after a failure, or a double tap): it
            # was noted, and the other side asked, the first time; say so again.
            return existing
        raise Refused("already_logged", day=day.isoformat())
    meeting = Meeting(
        pair_id=pair.id, met_on=day, logged_by_id=member_id, stands=True, created_at=now
    )
    session.add(meeting)
    await session.flush()
    await _remember_last_meeting(session, pair)
    other = pair.mentor_id if member_id == pair.student_id else pair.student_id
    await enqueue(
        session,
        member_id=other,
        purpose="meeting_logged",
        cycle=f"meeting:{meeting.id}",
        subject_id=meeting.id,
        due_at=now,
    )
    return meeting


async def answer_meeting(
    session: AsyncSession, *, member_id: int, meeting_id: int, confirmed: bool
) -> Meeting:
    """The other side confirms the day, or says it was not that day (the meeting then no
    longer counts, and they can log the right one). The same answer again (a press
    re-delivered after a failure) is taken as given; the other answer is refused."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise Refused("stale")
    pair = await session.get_one(Pair, meeting.pair_id)
    if member_id not in (pair.student_id, pair.mentor_id) or member_id == meeting.logged_by_id:
        raise Refused("not_yours")
    if meeting.confirmed_by_id == member_id and confirmed:
        return meeting
    if not meeting.stands and not confirmed:  # only this member can have said so
        return meeting
    if meeting.confirmed_by_id is not None or not meeting.stands:
        raise Refused("already_answered")
    if confirmed:
        meeting.confirmed_by_id = member_id
    else:
        meeting.stands = False
        await session.flush()
        await _remember_last_meeting(session, pair)
    return meeting


async def _remember_last_meeting(session: AsyncSession, pair: Pair) -> None:
    """Keep the pair's last standing meeting day on the pair itself, so that statistics
    over thousands of pairs need not read every meeting."""
    pair.last_met_on = await last_meeting_day(session, pair.id)


async def meetings_of(session: AsyncSession, *, member_id: int) -> list[PairMeetings]:
    """The member's active pairs with their rhythm and meetings, newest first."""
    pairs = await active_pairs_of(session, member_id)
    found = []
    for pair in pairs:
        days = await session.execute(
            select(Meeting.met_on, Meeting.confirmed_by_id)
            .where(Meeting.pair_id == pair.id, Meeting.stands)
            .order_by(Meeting.met_on.desc())
        )
        partner = other_side(pair, member_id)
        found.append(
            PairMeetings(
                pair.id,
                partner.display_name,
                await rhythm_of(session, pair),
                pair.meeting_weeks is not None,
                tuple((day, confirmer is not None) for day, confirmer in days),
            )
        )
    return found


async def rhythm_of(session: AsyncSession, pair: Pair) -> int:
    if pair.meeting_weeks is not None:
        return pair.meeting_weeks
    programme = await session.get_one(Programme, pair.programme_id)
    return programme.meeting_weeks


async def ask_overdue_pairs(session: AsyncSession, *, today: date, now: datetime) -> int:
    """Ask both sides "did you meet?" once for every active pair whose rhythm has passed
    since their last meeting (or since they were paired). Returns how many were asked."""
    pairs = (await session.scalars(select(Pair).where(Pair.status == PairStatus.ACTIVE))).all()
    asked = 0
    for pair in pairs:
        last = pair.last_met_on
        since = last or pair.started_at.date()
        if today - since <= timedelta(weeks=await rhythm_of(session, pair)):
            continue
        for member_id in (pair.student_id, pair.mentor_id):
            await enqueue(
                session,
                member_id=member_id,
                purpose="did_you_meet",
                cycle=f"pair:{pair.id}:since:{since.isoformat()}",  # once per gap
                subject_id=pair.id,
                due_at=now,
            )
        asked += 1
    return asked


async def last_meeting_day(session: AsyncSession, pair_id: int) -> date | None:
    day: date | None = await session.scalar(
        select(Meeting.met_on)
        .where(Meeting.pair_id == pair_id, Meeting.stands)
        .order_by(Meeting.met_on.desc())
        .limit(1)
    )
    return day


async def _own_active_pair(session: AsyncSession, member_id: int, pair_id: int) -> Pair:
    pair = await session.get(Pair, pair_id)
    if pair is None or member_id not in (pair.student_id, pair.mentor_id):
        raise Refused("not_yours")
    if pair.status != PairStatus.ACTIVE:
        raise Refused("pair_ended")
    return pair
