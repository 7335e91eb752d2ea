"""Meetings of a pair: the rhythm they agree, the days they met, and the question
"did you meet?" when a rhythm has passed without one.

A rhythm is agreed by both: one side proposes, the other accepts (or proposes another);
until then the rhythm that held before holds.

Either side logs a meeting; the other is asked to confirm it or say it was another day.
Only the fact and the day are kept, never what was talked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.keys.meetings import meeting_key, rhythm_key
from bot.outbox.keys.pairs import meeting_gap_key
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.services.audit import member_actor, record_event
from bot.services.errors import Refused
from bot.services.partners import active_pairs_of, other_side
from db.models import (
    Meeting,
    Member,
    Pair,
    PairStatus,
    Programme,
    ProposalStatus,
    RhythmProposal,
)

RHYTHMS = (2, 4, 6, 8)  # weeks between meetings a pair can agree on
MAX_DAYS_BACK = 366  # a meeting logged for a day further back is surely a typo


@dataclass(frozen=True)
class Rhythm:
    """Where a pair's rhythm stands, as one side sees it."""

    weeks: int  # the rhythm that holds: agreed, else the programme's
    agreed: bool
    proposed: int | None  # weeks of the open proposal, if any
    proposed_by_me: bool
    proposal_id: int | None


@dataclass(frozen=True)
class PairMeetings:
    pair_id: int
    partner: str
    rhythm: Rhythm
    meetings: tuple[tuple[date, bool], ...]  # day, confirmed; newest first


@dataclass(frozen=True)
class RhythmAnswer:
    """What a tap on a rhythm or on Accept did. `outcome`: "proposed" (the other side is
    asked), "agreed" (it holds now), or, changing nothing, "already_proposed",
    "already_agreed", "superseded" (an answer to a proposal since replaced)."""

    outcome: str
    weeks: int  # the weeks tapped or accepted
    partner: str
    rhythm: Rhythm  # where it stands afterwards

    @property
    def changed(self) -> bool:
        return self.outcome in ("proposed", "agreed")


async def choose_rhythm(
    session: AsyncSession, *, member_id: int, pair_id: int, weeks: int, now: datetime
) -> RhythmAnswer:
    """A tap on "every N weeks": a proposal to the other side, who is asked through the
    outbox; the rhythm that holds stays until they accept. Tapping what the other side
    proposed accepts it; tapping one's own open proposal, or the agreed rhythm, again
    changes nothing."""
    pair = await _own_active_pair(session, member_id, pair_id)  # before anything else
    if weeks not in RHYTHMS:
        raise Refused("bad_rhythm")
    await _lock(session, pair)
    pending = await _pending_proposal(session, pair.id)
    if pending is not None and pending.weeks == weeks:
        if pending.proposed_by_id != member_id:
            return await _accept(session, pair, pending, member_id, now)
        return await _answer(session, pair, member_id, "already_proposed", weeks)
    if pair.meeting_weeks == weeks:
        return await _answer(session, pair, member_id, "already_agreed", weeks)
    if pending is not None:
        pending.status = ProposalStatus.SUPERSEDED
        pending.answered_at = now
        await session.flush()  # the one open proposal a pair may have is this new one
    proposal = RhythmProposal(
        pair_id=pair.id,
        weeks=weeks,
        proposed_by_id=member_id,
        status=ProposalStatus.PENDING,
        created_at=now,
    )
    session.add(proposal)
    await session.flush()
    await _tell(
        session,
        Purpose.RHYTHM_PROPOSED,
        "rhythm_proposed",
        to=_other(pair, member_id),
        by=member_id,
        pair=pair,
        proposal=proposal,
        now=now,
    )
    return await _answer(session, pair, member_id, "proposed", weeks)


async def accept_rhythm(
    session: AsyncSession, *, member_id: int, pair_id: int, proposal_id: int, now: datetime
) -> RhythmAnswer:
    """Accept on a proposal: it holds for both from now, and the proposer is told. An
    Accept pressed again, or on a proposal since replaced, changes nothing."""
    pair = await _own_active_pair(session, member_id, pair_id)  # before anything else
    await _lock(session, pair)
    proposal = await session.get(RhythmProposal, proposal_id, populate_existing=True)
    if proposal is None or proposal.pair_id != pair.id:
        raise Refused("stale")
    if proposal.status == ProposalStatus.ACCEPTED:
        held = "already_agreed" if pair.meeting_weeks == proposal.weeks else "superseded"
        return await _answer(session, pair, member_id, held, proposal.weeks)
    if proposal.status == ProposalStatus.SUPERSEDED:
        return await _answer(session, pair, member_id, "superseded", proposal.weeks)
    if proposal.proposed_by_id == member_id:  # no button offers this: one's own proposal
        return await _answer(session, pair, member_id, "already_proposed", proposal.weeks)
    return await _accept(session, pair, proposal, member_id, now)


async def _accept(
    session: AsyncSession, pair: Pair, proposal: RhythmProposal, member_id: int, now: datetime
) -> RhythmAnswer:
    proposal.status = ProposalStatus.ACCEPTED
    proposal.answered_at = now
    pair.meeting_weeks = proposal.weeks
    await _tell(
        session,
        Purpose.RHYTHM_AGREED,
        "rhythm_agreed",
        to=proposal.proposed_by_id,
        by=member_id,
        pair=pair,
        proposal=proposal,
        now=now,
    )
    await session.flush()
    return await _answer(session, pair, member_id, "agreed", proposal.weeks)


async def _tell(
    session: AsyncSession,
    purpose: Purpose,
    kind: str,
    *,
    to: int,
    by: int,
    pair: Pair,
    proposal: RhythmProposal,
    now: datetime,
) -> None:
    """A step in agreeing a rhythm: the other side told through the outbox at once, and
    the step in the audit log, in the same transaction."""
    await enqueue(
        session,
        member_id=to,
        purpose=purpose,
        cycle=rhythm_key(proposal.id),
        subject_id=proposal.id,
        due_at=now,
    )
    record_event(
        session,
        now=now,
        kind=kind,
        actor=member_actor(by),
        programme_id=pair.programme_id,
        details={"pair_id": pair.id, "weeks": proposal.weeks, "proposal_id": proposal.id},
    )


async def _answer(
    session: AsyncSession, pair: Pair, member_id: int, outcome: str, weeks: int
) -> RhythmAnswer:
    partner = await session.get_one(Member, _other(pair, member_id))
    return RhythmAnswer(
        outcome, weeks, partner.display_name, await rhythm_for(session, pair, member_id)
    )


async def rhythm_for(session: AsyncSession, pair: Pair, member_id: int) -> Rhythm:
    """The pair's rhythm and open proposal as `member_id` (one side) sees them."""
    pending = await _pending_proposal(session, pair.id)
    return Rhythm(
        await rhythm_of(session, pair),
        pair.meeting_weeks is not None,
        pending.weeks if pending else None,
        pending is not None and pending.proposed_by_id == member_id,
        pending.id if pending else None,
    )


async def _pending_proposal(session: AsyncSession, pair_id: int) -> RhythmProposal | None:
    proposal: RhythmProposal | None = await session.scalar(
        select(RhythmProposal).where(
            RhythmProposal.pair_id == pair_id, RhythmProposal.status == ProposalStatus.PENDING
        )
    )
    return proposal


async def _lock(session: AsyncSession, pair: Pair) -> None:
    """One rhythm step of a pair at a time: both sides tapping at once, or a double tap
    handled twice in parallel, queue here (a row lock on PostgreSQL, the write lock on
    SQLite, by a no-op update), then read what the first one left."""
    await session.execute(
        update(Pair).where(Pair.id == pair.id).values(meeting_weeks=Pair.meeting_weeks)
    )
    await session.refresh(pair)


def _other(pair: Pair, member_id: int) -> int:
    return pair.mentor_id if member_id == pair.student_id else pair.student_id


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
    await enqueue(
        session,
        member_id=_other(pair, member_id),
        purpose=Purpose.MEETING_LOGGED,
        cycle=meeting_key(meeting.id),
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
                await rhythm_for(session, pair, member_id),
                tuple((day, confirmer is not None) for day, confirmer in days),
            )
        )
    return found


async def rhythm_of(session: AsyncSession, pair: Pair) -> int:
    """The rhythm that holds: the one agreed, else the programme's; never a proposal."""
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
                purpose=Purpose.DID_YOU_MEET,
                cycle=meeting_gap_key(pair.id, since),
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
