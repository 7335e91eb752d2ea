"""A nudge to a mentor about a pair, with the one next step its kind offers."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.buttons import meetings as meeting_buttons
from bot.buttons import relay as relay_buttons
from bot.outbox.keys.nudges import NudgeKey
from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext, Composer
from bot.sending.holds import Hold
from bot.sending.outgoing import Outgoing, text
from bot.services.meetings import last_meeting_day, rhythm_of
from bot.texts.keyboards import Button
from db.models import Delivery, Member, Pair, PairStatus

# The one next step each nudge offers: (button template, its data for the pair).
NEXT_STEP: dict[str, tuple[str, Callable[[int], str]]] = {
    "no_meeting": ("nudges/suggest_button", relay_buttons.suggest_time),
    "low_mood": ("relay/reply_button", relay_buttons.write_to),
    "silent": ("relay/reply_button", relay_buttons.write_to),
    "gone": ("nudges/meetings_button", meeting_buttons.show_meetings),
}


async def compose_nudge(
    session: AsyncSession, delivery: Delivery, mentor: Member, context: ComposeContext
) -> Outgoing:
    texts = context.texts
    pair = await session.get_one(Pair, delivery.subject_id)
    if pair.status != PairStatus.ACTIVE:
        raise CannotCompose("pair ended")
    student = await session.get_one(Member, pair.student_id)
    try:
        kind = NudgeKey.parse(delivery.cycle).kind
    except ValueError as error:
        raise CannotCompose(str(error)) from None
    if kind not in NEXT_STEP:
        raise CannotCompose(f"nudge {kind!r}")
    locale = mentor.language
    last = await last_meeting_day(session, pair.id)
    words = texts.render(
        "nudges/nudge",
        locale,
        kind=kind,
        student=student.display_name,
        weeks=await rhythm_of(session, pair),
        last=last.isoformat() if last else "",
        gone=student.status.value,
    )
    template, data = NEXT_STEP[kind]
    button = Button(texts.render_plain(template, locale, name=student.display_name), data(pair.id))
    return text(mentor.telegram_user_id, words, keyboard=((button,),))


NUDGE = Composer(Purpose.NUDGE, Hold.QUIET_HOURS, compose_nudge)
