"""Nudges to mentors: short notices when a pair may need them, through the outbox.

Kinds: no meeting for longer than the agreed rhythm plus a grace; a shared entry with a
low mood; a mentee who has not answered their last three prompts (the fact only); a
mentee who blocked the bot or left. Each kind has a cool-down per pair: the outbox key
carries the cool-down period, so a kind is queued at most once per period. Only what a
student chose to share can cause a low-mood nudge; a private entry causes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.outbox.keys.nudges import NudgeKey
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.services.meetings import rhythm_of
from db.models import CheckIn, Delivery, DeliveryStatus, MemberStatus, Pair, PairStatus

MEETING_GRACE = timedelta(days=7)
LOW_MOOD = 2  # moods 1 and 2 of 5
SILENT_AFTER = 3  # unanswered prompts in a row
COOL_DOWN = {  # days
    "no_meeting": 14,
    "low_mood": 7,
    "silent": 14,
    "gone": 30,
}


async def queue_nudges(session: AsyncSession, *, today: date, now: datetime) -> int:
    """Queue every nudge that is due; returns how many kinds fired (new or not)."""
    pairs = (
        await session.scalars(
            select(Pair).where(Pair.status == PairStatus.ACTIVE).options(selectinload(Pair.student))
        )
    ).all()
    fired = 0
    for pair in pairs:
        for kind in await _due_kinds(session, pair, today, now):
            period = today.toordinal() // COOL_DOWN[kind]
            await enqueue(
                session,
                member_id=pair.mentor_id,
                purpose=Purpose.NUDGE,
                cycle=str(NudgeKey(kind, pair.id, period)),
                subject_id=pair.id,
                due_at=now,
            )
            fired += 1
    return fired


async def _due_kinds(session: AsyncSession, pair: Pair, today: date, now: datetime) -> list[str]:
    kinds = []
    if pair.student.status in (MemberStatus.BLOCKED, MemberStatus.LEFT):
        kinds.append("gone")
    since = pair.last_met_on or pair.started_at.date()
    if today - since > timedelta(weeks=await rhythm_of(session, pair)) + MEETING_GRACE:
        kinds.append("no_meeting")
    low = await session.scalar(
        select(CheckIn.id).where(
            CheckIn.programme_id == pair.programme_id,
            CheckIn.member_id == pair.student_id,
            CheckIn.shared,
            CheckIn.mood <= LOW_MOOD,
            CheckIn.created_at >= max(now - timedelta(days=COOL_DOWN["low_mood"]), pair.started_at),
        )
    )
    if low is not None:
        kinds.append("low_mood")
    if await _silent(session, pair):
        kinds.append("silent")
    return kinds


async def _silent(session: AsyncSession, pair: Pair) -> bool:
    """The student's last three prompts, all sent while paired, none answered, and no
    entry of their own (/checkin) since the first of them: someone who writes is not
    silent, whichever way they write."""
    recent = (
        await session.execute(
            select(Delivery.id, Delivery.due_at)
            .where(
                Delivery.member_id == pair.student_id,
                Delivery.purpose == Purpose.PROMPT,
                Delivery.status == DeliveryStatus.SENT,
                Delivery.due_at >= pair.started_at,
            )
            .order_by(Delivery.due_at.desc())
            .limit(SILENT_AFTER)
        )
    ).all()
    if len(recent) < SILENT_AFTER:
        return False
    since = min(due_at for _, due_at in recent)
    wrote = await session.scalar(
        select(CheckIn.id)
        .where(
            CheckIn.member_id == pair.student_id,
            CheckIn.programme_id == pair.programme_id,
            or_(CheckIn.delivery_id.in_([id_ for id_, _ in recent]), CheckIn.created_at >= since),
        )
        .limit(1)
    )
    return wrote is None
