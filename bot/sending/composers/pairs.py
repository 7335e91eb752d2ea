"""A pair introduced or ended: to the student, the mentor and the coordinators."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.purposes import Purpose
from bot.sending.composer import ComposeContext, Composer
from bot.sending.holds import Hold
from bot.sending.keyboards import rhythm_keyboard
from bot.sending.outgoing import Outgoing, text
from bot.services.erasure import is_erased
from bot.services.meetings import rhythm_for
from bot.texts.templates import Texts
from db.models import Delivery, Member, Pair, Programme


async def compose_intro(
    session: AsyncSession, delivery: Delivery, member: Member, context: ComposeContext
) -> Outgoing:
    """The introduction, with how often to meet under it."""
    pair = await session.get_one(Pair, delivery.subject_id)
    words = await _about_pair(session, pair, "intro", member, context.texts)
    keyboard = rhythm_keyboard(
        context.texts, member.language, pair.id, await rhythm_for(session, pair, member.id)
    )
    return text(member.telegram_user_id, words, keyboard=keyboard)


async def compose_pair_ended(
    session: AsyncSession, delivery: Delivery, member: Member, context: ComposeContext
) -> Outgoing:
    pair = await session.get_one(Pair, delivery.subject_id)
    words = await _about_pair(session, pair, "ended", member, context.texts)
    return text(member.telegram_user_id, words)


INTRO = Composer(Purpose.INTRO, Hold.QUIET_HOURS, compose_intro)
PAIR_ENDED = Composer(Purpose.PAIR_ENDED, Hold.QUIET_HOURS, compose_pair_ended)


async def _about_pair(
    session: AsyncSession, pair: Pair, kind: str, member: Member, texts: Texts
) -> str:
    programme = await session.get_one(Programme, pair.programme_id)
    student = await session.get_one(Member, pair.student_id)
    mentor = await session.get_one(Member, pair.mentor_id)
    side = (
        "student"
        if member.id == pair.student_id
        else "mentor"
        if member.id == pair.mentor_id
        else "coordinator"
    )
    # The coordinator is told which side asked to be erased, not handed the description
    # as if it were a name ("The pair a former member who … and Lars Ek has ended").
    erased = "student" if is_erased(student) else "mentor" if is_erased(mentor) else ""
    return texts.render(
        f"pairing/{kind}_{side}",
        member.language,
        programme=programme.name,
        student=_name_for(student, member.language, texts),
        mentor=_name_for(mentor, member.language, texts),
        erased=erased,
    )


def _name_for(person: Member, locale: str, texts: Texts) -> str:
    """A person's name; an erased one is described in the reader's language instead."""
    if is_erased(person):
        return texts.render_plain("pairing/erased_name", locale)
    return person.display_name
