"""The outbox: proactive messages are rows, written in the transaction that caused them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.purposes import Purpose
from db.inserts import insert_unless_present
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

    The row is inserted unless its key is present (INSERT … ON CONFLICT DO NOTHING): two
    writers queueing the same message at the same moment — the leader's periodic look at
    the pairs and the sandbox's clock moving — both succeed, and one row stands.
    """
    await insert_unless_present(
        session,
        Delivery,
        [
            {
                "member_id": member_id,
                "purpose": purpose,
                "cycle": cycle,
                "subject_id": subject_id,
                "prompt_key": prompt_key,
                "status": DeliveryStatus.PENDING,
                "due_at": due_at,
                "created_at": due_at,
                "attempts": 0,
            }
        ],
    )
    found = await session.scalars(
        select(Delivery).where(
            Delivery.member_id == member_id, Delivery.purpose == purpose, Delivery.cycle == cycle
        )
    )
    return found.one()
