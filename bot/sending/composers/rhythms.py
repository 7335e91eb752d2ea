"""A rhythm proposed (to the other side, to accept or answer) or agreed (to the proposer),
each with the rhythm keyboard as it stands when sent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.buttons import meetings as meeting_buttons
from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext, Composer
from bot.sending.holds import Hold
from bot.sending.keyboards import rhythm_keyboard
from bot.sending.outgoing import Outgoing, text
from bot.services.meetings import rhythm_for
from bot.texts.keyboards import Button
from db.models import Delivery, Member, Pair, PairStatus, ProposalStatus, RhythmProposal


async def compose_rhythm(
    session: AsyncSession, delivery: Delivery, member: Member, context: ComposeContext
) -> Outgoing:
    texts = context.texts
    proposal = await session.get_one(RhythmProposal, delivery.subject_id)
    pair = await session.get_one(Pair, proposal.pair_id)
    if pair.status != PairStatus.ACTIVE:
        raise CannotCompose("pair ended")
    proposing = delivery.purpose == Purpose.RHYTHM_PROPOSED
    if proposing and proposal.status != ProposalStatus.PENDING:
        raise CannotCompose("proposal already answered")  # the newer one says it all
    other = await session.get_one(
        Member, pair.mentor_id if member.id == pair.student_id else pair.student_id
    )
    rhythm = await rhythm_for(session, pair, member.id)
    locale = member.language
    words = texts.render(
        f"meetings/{delivery.purpose}",
        locale,
        other=other.display_name,
        weeks=proposal.weeks,
        holds=rhythm.weeks,
        agreed=rhythm.agreed,
    )
    keyboard = rhythm_keyboard(texts, locale, pair.id, rhythm)
    if proposing:
        accept = Button(
            texts.render_plain("meetings/accept_button", locale, weeks=proposal.weeks),
            meeting_buttons.accept_rhythm(pair.id, proposal.id),
        )
        keyboard = ((accept,), *keyboard)
    return text(member.telegram_user_id, words, keyboard=keyboard)


RHYTHM_PROPOSED = Composer(Purpose.RHYTHM_PROPOSED, Hold.QUIET_HOURS, compose_rhythm)
RHYTHM_AGREED = Composer(Purpose.RHYTHM_AGREED, Hold.QUIET_HOURS, compose_rhythm)
