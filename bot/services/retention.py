"""Retention: a programme's personal data is kept for its retention period after its last
day (default twelve months), then erased as /forget erases it; the anonymous counts stay.

The coordinators are told a week before, once (the notice's outbox key names the
programme and the day). Nothing is erased sooner than a week after they were told: when
the day comes closer at short notice (a shorter retention, an earlier last day, a bot
that was down), the erasure waits until a week has passed since the notice.

What a run does for a programme whose day has come: its active pairs end without
notices (the programme is over), the ids of messages relayed in its pairs go, every
reflection text and voice note in it is erased, and so are the names on its invites and
the chat a roster came from in its audit log;
each member whose every programme has reached its erasure day is erased as /forget
erases them (bot/services/erasure.py), and one still in a programme that runs on keeps
their name and account until that one's day. A programme without a last day keeps its
data until one is set. Each run that erases anything is an audit event of counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.durations import Period, parse_period
from bot.outbox.keys.retention import RetentionKey
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.services.audit import record_event
from bot.services.erasure import SYNTHETIC_ID_BASE, erase_member, erase_words
from bot.services.roster import IMPORTED
from db.models import (
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Invite,
    Member,
    Membership,
    Pair,
    PairStatus,
    Programme,
    RelayConversation,
    RelayLink,
    Role,
)

NOTICE_AHEAD = timedelta(days=7)
ACTOR = "retention"


@dataclass(frozen=True)
class RetentionRun:
    """What one run did in one programme, in counts: all its audit event keeps."""

    programme_id: int
    erasure_day: str
    members_erased: int
    members_kept_for_other_programmes: int
    reflections_erased: int
    entries_kept_anonymously: int
    pairs_ended: int
    relay_links_removed: int
    conversations_closed: int
    invites_cleared: int
    roster_sources_cleared: int

    @property
    def erased_anything(self) -> bool:
        return any(
            (
                self.members_erased,
                self.reflections_erased,
                self.pairs_ended,
                self.relay_links_removed,
                self.conversations_closed,
                self.invites_cleared,
                self.roster_sources_cleared,
            )
        )


@dataclass(frozen=True)
class RetentionReport:
    notices_queued: int
    runs: tuple[RetentionRun, ...]


def erasure_day(programme: Programme) -> date | None:
    """The local day the programme's personal data is erased: its retention after the
    day following its last day; None without a last day."""
    if programme.last_day is None:
        return None
    return parse_period(programme.retention).after(programme.last_day + timedelta(days=1))


def erasure_start(programme: Programme) -> datetime | None:
    """The first moment of the erasure day, in the programme's time zone."""
    day = erasure_day(programme)
    if day is None:
        return None
    return datetime.combine(day, time(), ZoneInfo(programme.timezone))


def erasure_moment(programme: Programme) -> datetime | None:
    """When the erasure runs, in the programme's time zone: the erasure day's start, or a
    week after the coordinators were told of that day if that is later; None without a
    last day."""
    start, day = erasure_start(programme), erasure_day(programme)
    if start is None:
        return None
    told_at = programme.retention_noticed_at
    if told_at is None or programme.retention_notice_day != day:
        return start
    return max(start, (told_at + NOTICE_AHEAD).astimezone(start.tzinfo))


async def set_retention(
    session: AsyncSession, *, now: datetime, programme: Programme, retention: Period, actor: str
) -> date | None:
    """Keep the programme's personal data this long after its last day; returns the
    erasure day it gives (None while the programme has no last day)."""
    programme.retention = str(retention)
    record_event(
        session,
        now=now,
        kind="retention_changed",
        actor=actor,
        programme_id=programme.id,
        details={"retention": programme.retention},
    )
    await session.flush()
    return erasure_day(programme)


async def apply_retention(session: AsyncSession, *, now: datetime) -> RetentionReport:
    """Tell the coordinators of every programme whose erasure is a week away, and erase
    where the day has come and they were told a week ago. Repeats do nothing new."""
    programmes = (
        await session.scalars(
            select(Programme).where(Programme.last_day.is_not(None)).order_by(Programme.id)
        )
    ).all()
    notices, runs = 0, []
    for programme in programmes:
        start, day = erasure_start(programme), erasure_day(programme)
        if start is None or day is None or now < start - NOTICE_AHEAD:
            continue
        if programme.retention_notice_day != day:
            if await _holds_personal_data(session, programme.id):
                notices += await _tell_coordinators(session, now, programme, day)
            continue
        if not _erasure_due(programme, now):
            continue
        run = await _erase_programme(session, now, programme, day)
        if run.erased_anything:
            record_event(
                session,
                now=now,
                kind="retention",
                actor=ACTOR,
                programme_id=programme.id,
                details=asdict(run),
            )
            runs.append(run)
    await session.flush()
    return RetentionReport(notices, tuple(runs))


async def _tell_coordinators(
    session: AsyncSession, now: datetime, programme: Programme, day: date
) -> int:
    coordinators = (
        await session.scalars(
            select(Membership.member_id).where(
                Membership.programme_id == programme.id, Membership.role == Role.COORDINATOR
            )
        )
    ).all()
    for member_id in coordinators:
        await enqueue(
            session,
            member_id=member_id,
            purpose=Purpose.RETENTION_NOTICE,
            cycle=str(RetentionKey(programme.id, day)),
            subject_id=programme.id,
            due_at=now,
        )
    # Recorded even with no coordinator to tell: the week's wait counts from here.
    programme.retention_notice_day, programme.retention_noticed_at = day, now
    return len(coordinators)


async def _holds_personal_data(session: AsyncSession, programme_id: int) -> bool:
    """Whether anything is left to erase: a member not yet erased, or a reflection."""
    member = await session.scalar(
        select(Membership.id)
        .join(Member, Member.id == Membership.member_id)
        .where(Membership.programme_id == programme_id, Member.telegram_user_id > SYNTHETIC_ID_BASE)
        .limit(1)
    )
    if member is not None:
        return True
    reflection = await session.scalar(
        select(CheckIn.id)
        .where(
            CheckIn.programme_id == programme_id,
            or_(CheckIn.reflection.is_not(None), CheckIn.voice_notes.is_not(None)),
        )
        .limit(1)
    )
    return reflection is not None


async def _erase_programme(
    session: AsyncSession, now: datetime, programme: Programme, day: date
) -> RetentionRun:
    pairs_ended = await _end_pairs_quietly(session, now, programme.id)
    links, conversations = await _forget_relays(session, programme.id)
    reflections, entries = await _erase_reflections(session, now, programme.id)
    # Before the members: erasing a coordinator clears the rosters they sent, uncounted.
    roster_sources = await _forget_roster_sources(session, programme.id)
    erased, kept = await _erase_members(session, now, programme.id)
    return RetentionRun(
        programme_id=programme.id,
        erasure_day=day.isoformat(),
        members_erased=erased,
        members_kept_for_other_programmes=kept,
        reflections_erased=reflections,
        entries_kept_anonymously=entries,
        pairs_ended=pairs_ended,
        relay_links_removed=links,
        conversations_closed=conversations,
        invites_cleared=await _clear_invites(session, programme.id),
        roster_sources_cleared=roster_sources,
    )


async def _end_pairs_quietly(session: AsyncSession, now: datetime, programme_id: int) -> int:
    """The programme is over: its pairs end as facts with a date, and nobody is told (the
    coordinators were, a week ago), so no member hears of an erasure they did not ask for."""
    active = (
        await session.scalars(
            select(Pair).where(Pair.programme_id == programme_id, Pair.status == PairStatus.ACTIVE)
        )
    ).all()
    for pair in active:
        pair.status, pair.ended_at = PairStatus.ENDED, now
    return len(active)


async def _forget_relays(session: AsyncSession, programme_id: int) -> tuple[int, int]:
    pair_ids = select(Pair.id).where(Pair.programme_id == programme_id)
    links = await session.execute(delete(RelayLink).where(RelayLink.pair_id.in_(pair_ids)))
    conversations = await session.execute(
        delete(RelayConversation).where(RelayConversation.pair_id.in_(pair_ids))
    )
    return _rowcount(links), _rowcount(conversations)


async def _erase_reflections(
    session: AsyncSession, now: datetime, programme_id: int
) -> tuple[int, int]:
    """Every entry of the programme keeps its mood, theme and time, never its words or
    voice notes, also a member's who is kept for another programme: (reflections erased,
    entries kept)."""
    kept = await session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.programme_id == programme_id)
    )
    # Only entries with something left to erase are read: a later look reads none.
    entries = (
        await session.scalars(
            select(CheckIn).where(
                CheckIn.programme_id == programme_id,
                or_(
                    CheckIn.reflection.is_not(None),
                    CheckIn.voice_notes.is_not(None),
                    CheckIn.source.is_not(None),
                    CheckIn.last_message_id.is_not(None),
                    CheckIn.status == CheckInStatus.WRITING,
                ),
            )
        )
    ).all()
    return erase_words(entries, now), kept or 0


async def _erase_members(
    session: AsyncSession, now: datetime, programme_id: int
) -> tuple[int, int]:
    """Erase each member not yet erased whose every programme has reached its day:
    (erased, kept for a programme that runs on)."""
    member_ids = (
        await session.scalars(
            select(Membership.member_id)
            .join(Member, Member.id == Membership.member_id)
            .where(
                Membership.programme_id == programme_id,
                Member.telegram_user_id > SYNTHETIC_ID_BASE,
            )
            .distinct()
            .order_by(Membership.member_id)
        )
    ).all()
    erased = kept = 0
    for member_id in member_ids:
        if await _in_a_running_programme(session, now, member_id):
            kept += 1
            continue
        await erase_member(session, now=now, member_id=member_id, actor=ACTOR)
        erased += 1
    return erased, kept


async def _in_a_running_programme(session: AsyncSession, now: datetime, member_id: int) -> bool:
    programmes = (
        await session.scalars(
            select(Programme)
            .join(Membership, Membership.programme_id == Programme.id)
            .where(Membership.member_id == member_id)
            .distinct()
        )
    ).all()
    return any(not _erasure_due(programme, now) for programme in programmes)


def _erasure_due(programme: Programme, now: datetime) -> bool:
    """Its coordinators were told of its erasure day, and the erasure's moment has come."""
    moment = erasure_moment(programme)
    told = programme.retention_notice_day is not None
    return (
        moment is not None
        and told
        and programme.retention_notice_day == erasure_day(programme)
        and now >= moment
    )


async def _clear_invites(session: AsyncSession, programme_id: int) -> int:
    """Names and tags from the roster, on used invites and on ones nobody took up."""
    invites = (
        await session.scalars(select(Invite).where(Invite.programme_id == programme_id))
    ).all()
    # Read in Python: a JSON column's None may be stored as JSON null, which IS NOT NULL.
    named = [i for i in invites if i.name or i.mentor_name or i.tags]
    for invite in named:
        invite.name, invite.mentor_name, invite.tags = None, None, None
    return len(named)


async def _forget_roster_sources(session: AsyncSession, programme_id: int) -> int:
    """A roster sent in the chat is audited with the message it came in, whose chat is the
    coordinator's Telegram id; kept only so the same message is not imported twice."""
    events = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.programme_id == programme_id, AuditEvent.kind == IMPORTED
            )
        )
    ).all()
    sourced = [event for event in events if "source" in event.details]
    for event in sourced:
        # A new dict, so the JSON column sees the change.
        event.details = {key: value for key, value in event.details.items() if key != "source"}
    return len(sourced)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
