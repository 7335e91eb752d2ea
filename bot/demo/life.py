"""The demo cohort goes on living while the sandbox's clock controls move time.

Each step of "Advance one week" (and "to the next prompt") lets the cohort do its part
before the sender looks at the outbox: what was queued for them reaches them (see
bot/demo/acts.py), most students answer the prompt they just got, and a
pair that has not met for about three weeks meets, except the one that needs attention.
So the sender spends no pace on people nobody is watching, and /stats goes
on showing a living programme however far the clock is moved. Choices are drawn from a
random seeded by the delivery or pair, so the same steps give the same programme.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.core.crypto import ReflectionCipher
from bot.demo.acts import delivered, write_entry
from bot.demo.cast import COHORT_IDS, ENTRY_TEXTS, FIRST_MENTOR_ID, QUIET_PAIR_STUDENT
from bot.outbox.purposes import Purpose
from bot.services.errors import Refused
from bot.services.meetings import answer_meeting, log_meeting
from db.models import Delivery, Member, Pair, PairStatus, Programme

ANSWERS = 0.7  # of the prompts a demo student gets
MEETS_AFTER = timedelta(days=21)  # and up to a week more, by pair


async def cohort_lives(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, cipher: ReflectionCipher
) -> int:
    """The cohort's part of the time that has passed up to now; returns how many
    deliveries reached them."""
    async with sessionmaker() as session, session.begin():
        members = list(
            await session.scalars(
                select(Member.id).where(
                    Member.telegram_user_id.between(COHORT_IDS[0], COHORT_IDS[-1])
                )
            )
        )
        if not members:
            return 0
        reached = await delivered(session, members, now)
        await _answer(session, now, cipher, reached)
        await _meet(session, now)
        # What the answers and meetings queued for the other side reaches them too.
        return len(reached) + len(await delivered(session, members, now))


async def _answer(
    session: AsyncSession, now: datetime, cipher: ReflectionCipher, delivery_ids: list[int]
) -> None:
    prompts = await session.execute(
        select(Delivery.id, Delivery.member_id)
        .join(Member, Member.id == Delivery.member_id)
        .where(
            Delivery.id.in_(delivery_ids),
            Delivery.purpose == Purpose.PROMPT,
            Member.telegram_user_id < FIRST_MENTOR_ID,  # students; mentors keep theirs
        )
    )
    for delivery_id, member_id in prompts.all():
        chance = random.Random(delivery_id)
        if chance.random() >= ANSWERS:
            continue
        words = chance.choice(ENTRY_TEXTS) if chance.random() < 0.85 else ""
        try:
            await write_entry(
                session,
                now=now,
                cipher=cipher,
                member_id=member_id,
                delivery_id=delivery_id,
                mood=chance.choice((2, 3, 3, 4, 4, 4, 5)),
                words=words,
                share=chance.random() < 0.4,
            )
        except Refused:
            continue  # a prompt a newer one has replaced


async def _meet(session: AsyncSession, now: datetime) -> None:
    student, mentor = aliased(Member), aliased(Member)
    pairs = await session.execute(
        select(Pair, Programme.timezone)
        .join(student, student.id == Pair.student_id)
        .join(mentor, mentor.id == Pair.mentor_id)
        .join(Programme, Programme.id == Pair.programme_id)
        .where(
            Pair.status == PairStatus.ACTIVE,
            student.telegram_user_id.between(COHORT_IDS[0], COHORT_IDS[-1]),
            mentor.telegram_user_id.between(COHORT_IDS[0], COHORT_IDS[-1]),
            student.telegram_user_id != QUIET_PAIR_STUDENT,
        )
    )
    for pair, timezone in pairs.all():
        today = now.astimezone(ZoneInfo(timezone)).date()
        since = pair.last_met_on or pair.started_at.date()
        if today - since < MEETS_AFTER + timedelta(days=pair.id % 7):
            continue
        try:
            meeting = await log_meeting(
                session,
                member_id=pair.student_id,
                pair_id=pair.id,
                day=today,
                today=today,
                now=now,
            )
            await answer_meeting(
                session, member_id=pair.mentor_id, meeting_id=meeting.id, confirmed=True
            )
        except Refused:
            continue
