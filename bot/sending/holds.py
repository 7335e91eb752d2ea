"""What may hold a delivery back just before it is composed: each purpose declares one
(bot/sending/composers/), and the sender asks it instead of knowing purposes.

Neither looks at a blocked or left member: a blocked member's send fails "blocked" at
Telegram (and marks them blocked), and erasure cancels what waited for a member who left.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.dispatch import DoNotSend, SendLater, quiet_until, recheck
from db.models import Delivery


class Hold(Enum):
    # A reflection prompt, rechecked against its schedule (bot/services/dispatch.py:
    # recheck): missed if the bot was down past the grace; held by the member's pause,
    # their quiet hours and the programme's quiet periods; skipped if held past the next
    # cycle. Its subject is the programme, read with its quiet periods.
    SCHEDULE = "schedule"
    # Anything else the bot sends on its own: it waits out the member's quiet hours only;
    # a pause or a quiet period is about prompts, not about the pair.
    QUIET_HOURS = "quiet hours"


async def held_back(
    session: AsyncSession, delivery: Delivery, hold: Hold, *, now: datetime, grace: timedelta
) -> SendLater | DoNotSend | None:
    """Sent later or not at all, or None: it may go out now."""
    if hold is Hold.SCHEDULE:
        decision = await recheck(session, delivery, now=now, grace=grace)
        return decision if isinstance(decision, SendLater | DoNotSend) else None
    later = await quiet_until(session, delivery.member_id, now)
    return SendLater(later) if later is not None else None
