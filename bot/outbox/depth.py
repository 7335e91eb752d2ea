"""How many deliveries wait in the outbox, by purpose and state: counted when /metrics is
scraped. Only pending rows are read (the ``ix_delivery_due`` index leads with status), so
the cost follows the queue, not the history of everything ever sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.purposes import Purpose
from db.models import Delivery, DeliveryStatus

KNOWN = frozenset(Purpose)


async def outbox_depth(session: AsyncSession, *, now: datetime) -> list[tuple[str, str, int]]:
    """(purpose, state, count) of pending deliveries; state is "sending" (claimed, in
    flight), "due" (may go now) or "later" (not yet due, or backing off after an error)."""
    state = case(
        (Delivery.claimed_at.is_not(None), literal("sending")),
        (func.coalesce(Delivery.next_attempt_at, Delivery.due_at) <= now, literal("due")),
        else_=literal("later"),
    )
    # Grouped outside: PostgreSQL does not see one CASE with its parameters bound twice
    # (in SELECT and in GROUP BY) as the same expression.
    pending = (
        select(Delivery.purpose, state.label("state"))
        .where(Delivery.status == DeliveryStatus.PENDING)
        .subquery()
    )
    rows = await session.execute(
        select(pending.c.purpose, pending.c.state, func.count()).group_by(
            pending.c.purpose, pending.c.state
        )
    )
    counts: dict[tuple[str, str], int] = {}
    for purpose, where, count in rows:
        # A row written by a newer frizon may name a purpose this one does not know.
        key = (purpose if purpose in KNOWN else "other", str(where))
        counts[key] = counts.get(key, 0) + int(count)
    return [(purpose, where, count) for (purpose, where), count in sorted(counts.items())]
