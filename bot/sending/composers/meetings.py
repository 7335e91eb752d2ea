"""Meetings: the other side asked to confirm a logged one, both asked after a long gap."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.buttons import meetings as meeting_buttons
from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext, Composer
from bot.sending.holds import Hold
from bot.sending.outgoing import Outgoing, text
from bot.services.meetings import last_meeting_day, rhythm_of
from bot.texts.keyboards import Button, Keyboard
from db.models import Delivery, Meeting, Member, Pair, PairStatus


async def compose_meeting_logged(
    session: AsyncSession, delivery: Delivery, member: Member, context: ComposeContext
) -> Outgoing:
    texts = context.texts
    meeting = await session.get_one(Meeting, delivery.subject_id)
    if not meeting.stands or meeting.confirmed_by_id is not None:
        raise CannotCompose("meeting already answered")
    logger = await session.get_one(Member, meeting.logged_by_id)
    locale = member.language
    words = texts.render(
        "meetings/confirm", locale, other=logger.display_name, day=meeting.met_on.isoformat()
    )
    keyboard: Keyboard = (
        (
            Button(
                texts.render_plain("meetings/yes_button", locale),
                meeting_buttons.confirm(meeting.id),
            ),
            Button(
                texts.render_plain("meetings/not_that_day_button", locale),
                meeting_buttons.not_that_day(meeting.id),
            ),
        ),
    )
    return text(member.telegram_user_id, words, keyboard=keyboard)


async def compose_did_you_meet(
    session: AsyncSession, delivery: Delivery, member: Member, context: ComposeContext
) -> Outgoing:
    texts = context.texts
    pair = await session.get_one(Pair, delivery.subject_id)
    if pair.status != PairStatus.ACTIVE:
        raise CannotCompose("pair ended")
    partner = await session.get_one(
        Member, pair.mentor_id if member.id == pair.student_id else pair.student_id
    )
    last = await last_meeting_day(session, pair.id)
    locale = member.language
    words = texts.render(
        "meetings/did_you_meet",
        locale,
        partner=partner.display_name,
        weeks=await rhythm_of(session, pair),
        last=last.isoformat() if last else "",
    )
    keyboard: Keyboard = (
        (
            Button(
                texts.render_plain("meetings/today_button", locale),
                meeting_buttons.met(pair.id, days_back=0),
            ),
            Button(
                texts.render_plain("meetings/yesterday_button", locale),
                meeting_buttons.met(pair.id, days_back=1),
            ),
        ),
        (
            Button(
                texts.render_plain("meetings/not_yet_button", locale),
                meeting_buttons.not_yet(pair.id),
            ),
        ),
    )
    return text(member.telegram_user_id, words, keyboard=keyboard)


MEETING_LOGGED = Composer(Purpose.MEETING_LOGGED, Hold.QUIET_HOURS, compose_meeting_logged)
DID_YOU_MEET = Composer(Purpose.DID_YOU_MEET, Hold.QUIET_HOURS, compose_did_you_meet)
