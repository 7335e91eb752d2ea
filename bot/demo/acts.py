"""What demo people do, as the real flows record it: receive what the services queued
for them, and write an entry. The history written at start-up (bot/demo/cohort.py) and
the cohort living on (bot/demo/life.py) both act through these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.crypto import ReflectionCipher
from bot.services.checkins import add_text, finish, start_checkin
from db.models import Delivery, DeliveryStatus


async def delivered(session: AsyncSession, member_ids: Sequence[int], now: datetime) -> list[int]:
    """What the services queued for demo people has reached them, as the sender records a
    message Telegram accepted, sparing the sender's pace for the page. One the sender has
    claimed already is left to it. Returns the deliveries so recorded."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.member_id.in_(member_ids),
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.claimed_at.is_(None),
            Delivery.due_at <= now,
        )
        .values(status=DeliveryStatus.SENT, finished_at=now, attempts=1)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


async def write_entry(
    session: AsyncSession,
    *,
    now: datetime,
    cipher: ReflectionCipher,
    member_id: int,
    delivery_id: int | None,
    mood: int,
    words: str,
    share: bool,
) -> None:
    """A demo student's entry, as the check-in flow records one: a mood, perhaps some
    words (encrypted), then shared with the mentor or kept."""
    started = await start_checkin(
        session, now=now, member_id=member_id, mood=mood, delivery_id=delivery_id
    )
    if words:
        await add_text(
            session,
            member_id=member_id,
            message_id=1,  # the first and only message of the entry
            text=words,
            cipher=cipher,
            now=now,
        )
    await finish(session, now=now, member_id=member_id, checkin_id=started.checkin_id, share=share)
