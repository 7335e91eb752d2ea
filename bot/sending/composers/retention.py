"""A week before a programme's personal data is erased: to each of its coordinators."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.durations import parse_period
from bot.outbox.keys.retention import RetentionKey
from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext, Composer
from bot.sending.holds import Hold
from bot.sending.outgoing import Outgoing, text
from bot.services.retention import erasure_day, erasure_moment
from db.models import Delivery, Member, Programme


async def compose_retention_notice(
    session: AsyncSession, delivery: Delivery, coordinator: Member, context: ComposeContext
) -> Outgoing:
    programme = await session.get_one(Programme, delivery.subject_id)
    try:
        told = RetentionKey.parse(delivery.cycle).day
    except ValueError as error:
        raise CannotCompose(str(error)) from None
    moment = erasure_moment(programme)
    if moment is None or programme.last_day is None or erasure_day(programme) != told:
        # The retention or the last day changed since: a notice for the new day follows.
        raise CannotCompose("the erasure day changed")
    retention = parse_period(programme.retention)
    words = context.texts.render(
        "retention/notice",
        coordinator.language,
        day=moment.date().isoformat(),
        programme=programme.name,
        amount=retention.amount,
        unit=retention.unit,
        last_day=programme.last_day.isoformat(),
    )
    return text(coordinator.telegram_user_id, words)


RETENTION_NOTICE = Composer(Purpose.RETENTION_NOTICE, Hold.QUIET_HOURS, compose_retention_notice)
