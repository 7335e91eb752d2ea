"""The weekly digest to each mentor: per mentee, the last meeting, how many entries they
shared since the last digest, and the nudges sent since then. Counts and dates only:
shared entries themselves have already reached the mentor on their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.outbox.keys.digests import digest_key
from bot.outbox.keys.nudges import NudgeKey
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.services.meetings import last_meeting_day
from db.models import (
    CheckIn,
    Delivery,
    DeliveryStatus,
    Member,
    Pair,
    PairStatus,
    Programme,
)


@dataclass(frozen=True)
class MenteeSummary:
    name: str
    last_meeting: date | None
    shared_entries: int
    nudges: tuple[str, ...]


async def queue_digests(session: AsyncSession, *, now: datetime, weekday: int, at: time) -> int:
    """Queue this week's digest for every mentor with a mentee whose local digest time
    (weekday, at) has come; once per mentor and ISO week."""
    mentors = (
        await session.execute(
            select(Member, Programme.timezone)
            .join(Pair, Pair.mentor_id == Member.id)
            .join(Programme, Programme.id == Pair.programme_id)
            .where(Pair.status == PairStatus.ACTIVE)
            .distinct()
        )
    ).all()
    queued = 0
    for mentor, programme_zone in mentors:
        local = now.astimezone(ZoneInfo(mentor.timezone or programme_zone))
        monday = local.date() - timedelta(days=local.weekday())
        moment = datetime.combine(monday + timedelta(days=weekday), at, tzinfo=local.tzinfo)
        if local < moment:
            continue
        year, week, _ = local.isocalendar()
        await enqueue(
            session,
            member_id=mentor.id,
            purpose=Purpose.DIGEST,
            cycle=digest_key(year, week),
            subject_id=mentor.id,
            due_at=now,
        )
        queued += 1
    return queued


async def summarise(session: AsyncSession, *, mentor_id: int, now: datetime) -> list[MenteeSummary]:
    """What the digest says, from the last digest that went out (or a week ago) to now."""
    previous = await session.scalar(
        select(func.max(Delivery.finished_at)).where(
            Delivery.member_id == mentor_id,
            Delivery.purpose == Purpose.DIGEST,
            Delivery.status == DeliveryStatus.SENT,
        )
    )
    since = previous or now - timedelta(days=7)
    pairs = (
        await session.scalars(
            select(Pair)
            .where(Pair.mentor_id == mentor_id, Pair.status == PairStatus.ACTIVE)
            .options(selectinload(Pair.student))
            .order_by(Pair.id)
        )
    ).all()
    summaries = []
    for pair in pairs:
        shared = await session.scalar(
            select(func.count())
            .select_from(CheckIn)
            .where(
                CheckIn.member_id == pair.student_id,
                CheckIn.programme_id == pair.programme_id,
                CheckIn.shared,
                CheckIn.created_at >= max(since, pair.started_at),
            )
        )
        nudge_keys = (
            await session.scalars(
                select(Delivery.cycle).where(
                    Delivery.member_id == mentor_id,
                    Delivery.purpose == Purpose.NUDGE,
                    Delivery.subject_id == pair.id,
                    Delivery.created_at >= since,
                )
            )
        ).all()
        summaries.append(
            MenteeSummary(
                pair.student.display_name,
                await last_meeting_day(session, pair.id),
                int(shared or 0),
                tuple(sorted({NudgeKey.parse(key).kind for key in nudge_keys})),
            )
        )
    return summaries
