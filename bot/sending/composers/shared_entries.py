"""A shared entry, in the mentor's language: a header, then the student's own words in
parts Telegram accepts, then their voice notes, each sent again by its file id as a voice
message. It reaches nobody once withdrawn or once the pair has ended."""

from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.crypto import CannotDecrypt
from bot.outbox.purposes import Purpose
from bot.sending.composer import CannotCompose, ComposeContext, Composer
from bot.sending.holds import Hold
from bot.sending.outgoing import Media, MediaKind, Outgoing, Part, Text
from bot.sending.splitting import split_text
from bot.services.checkins import read_reflection, read_voice_notes
from db.models import CheckIn, Delivery, Member, Pair, PairStatus


async def compose_shared_entry(
    session: AsyncSession, delivery: Delivery, mentor: Member, context: ComposeContext
) -> Outgoing:
    checkin = await session.get_one(CheckIn, delivery.subject_id)
    if not checkin.shared:  # withdrawn before it went out: it must reach nobody
        raise CannotCompose("entry no longer shared")
    still_paired = await session.scalar(
        select(Pair.id).where(
            Pair.programme_id == checkin.programme_id,
            Pair.student_id == checkin.member_id,
            Pair.mentor_id == mentor.id,
            Pair.status == PairStatus.ACTIVE,
        )
    )
    if still_paired is None:  # unpaired before it went out: the ex-mentor gets nothing
        raise CannotCompose("no longer this student's mentor")
    student = await session.get_one(Member, checkin.member_id)
    try:
        words = read_reflection(context.cipher, checkin)
        voice_notes = read_voice_notes(context.cipher, checkin)
    except CannotDecrypt:
        raise CannotCompose("its words can't be read: the key that wrote them is lost") from None
    texts, locale = context.texts, mentor.language
    header = texts.render(
        "checkin/shared_entry",
        locale,
        student=student.display_name,
        mood_word=texts.render_plain("checkin/mood_word", locale, mood=checkin.mood),
        prompt=_prompt_text(checkin.prompt_key, locale, context),
        has_text=bool(words),
        voice_notes=len(voice_notes),
    )
    bodies = [texts.render("checkin/shared_text", locale, text=part) for part in split_text(words)]
    parts: list[Part] = [Text(header), *map(Text, bodies)]
    parts += [Media(MediaKind.VOICE, file_id) for file_id in voice_notes]
    return Outgoing(mentor.telegram_user_id, tuple(parts))


SHARED_ENTRY = Composer(Purpose.SHARED_ENTRY, Hold.QUIET_HOURS, compose_shared_entry)


def _prompt_text(prompt_key: str | None, locale: str, context: ComposeContext) -> Markup | str:
    """The question the entry answers, in the mentor's language, if it came from a prompt."""
    prompt = context.catalogue.get("student", prompt_key) if prompt_key else None
    if prompt is None:
        return ""
    return Markup(context.catalogue.render(prompt, locale, name=""))
