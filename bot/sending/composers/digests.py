"""A mentor's weekly digest: each mentee's last meeting, shared entries and nudges."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext, Composer
from bot.sending.holds import Hold
from bot.sending.outgoing import Outgoing, text
from bot.services.digest import summarise
from db.models import Delivery, Member


async def compose_digest(
    session: AsyncSession, delivery: Delivery, mentor: Member, context: ComposeContext
) -> Outgoing:
    summaries = await summarise(session, mentor_id=mentor.id, now=delivery.due_at)
    if not summaries:
        raise CannotCompose("no mentees any more")
    words = context.texts.render(
        "digest/weekly",
        mentor.language,
        mentees=[
            {
                "name": s.name,
                "last_meeting": s.last_meeting.isoformat() if s.last_meeting else "",
                "shared_entries": s.shared_entries,
                "nudges": list(s.nudges),
            }
            for s in summaries
        ],
    )
    return text(mentor.telegram_user_id, words)


DIGEST = Composer(Purpose.DIGEST, Hold.QUIET_HOURS, compose_digest)
