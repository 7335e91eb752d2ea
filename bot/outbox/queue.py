"""The outbox: proactive messages are rows, written in the transaction that caused them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.purposes import Purpose
from db.models import Delivery, DeliveryStatus


async def enqueue(
    session: AsyncSession,
    *,
    member_id: int,
    purpose: Purpose,
    cycle: str,
    due_at: datetime,
    subject_id: int | None = None,
    prompt_key: str | None = None,
) -> Delivery:
    """Queue a message once per (member, purpose, cycle); a repeat returns the existing row.

    The unique constraint on those three columns is the real guard: a concurrent
    duplicate fails its transaction instead of sending twice.
    """
    existing = await session.scalar(
        select(Delivery).where(
            Delivery.member_id == member_id, Delivery.purpose == purpose, Delivery.cycle == cycle
        )
    )
    if existing is not None:
        return existing
    delivery = Delivery(
        member_id=member_id,
        purpose=purpose,
        cycle=cycle,
        subject_id=subject_id,
        prompt_key=prompt_key,
        status=DeliveryStatus.PENDING,
        due_at=due_at,
        created_at=due_at,
        attempts=0,
    )
    session.add(delivery)
    return delivery
