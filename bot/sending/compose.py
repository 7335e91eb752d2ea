"""What a queued delivery says: its purpose and subject, rendered for its recipient."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.crypto import ReflectionCipher
from bot.domain.catalogue import Catalogue
from bot.outbox.keys.nudges import NudgeKey
from bot.outbox.purposes import Purpose
from bot.services.checkins import read_reflection
from bot.services.digest import summarise
from bot.services.erasure import is_erased
from bot.services.meetings import RHYTHMS, Rhythm, last_meeting_day, rhythm_for, rhythm_of
from bot.texts.keyboards import Button, Keyboard, mood_keyboard
from bot.texts.templates import Texts
from db.models import (
    CheckIn,
    Delivery,
    Meeting,
    Member,
    Pair,
    PairStatus,
    Programme,
    ProposalStatus,
    RhythmProposal,
)

# Telegram allows 4096 characters a message, counted after HTML is parsed; reflection
# text is cut into parts well below that, at line or word boundaries where possible.
PART_LENGTH = 3500


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    parts: tuple[str, ...]  # sent in order as separate messages
    keyboard: Keyboard = ()  # under the last part


@dataclass(frozen=True)
class Composer:
    texts: Texts
    cipher: ReflectionCipher
    catalogue: Catalogue


class UnknownPurpose(Exception):
    """A delivery this version of frizon cannot compose; it is failed, never retried."""


async def compose(session: AsyncSession, delivery: Delivery, composer: Composer) -> Outgoing:
    member = await session.get_one(Member, delivery.member_id)
    if delivery.subject_id is None:
        raise UnknownPurpose(delivery.purpose)
    if delivery.purpose in (Purpose.INTRO, Purpose.PAIR_ENDED):
        text = await _about_pair(session, delivery, member, composer.texts)
        keyboard: Keyboard = ()
        if delivery.purpose == Purpose.INTRO:
            pair = await session.get_one(Pair, delivery.subject_id)
            keyboard = rhythm_keyboard(
                composer.texts, member.language, pair.id, await rhythm_for(session, pair, member.id)
            )
        return Outgoing(member.telegram_user_id, (text,), keyboard)
    if delivery.purpose == Purpose.MEETING_LOGGED:
        return await _meeting_logged(session, delivery.subject_id, member, composer.texts)
    if delivery.purpose in (Purpose.RHYTHM_PROPOSED, Purpose.RHYTHM_AGREED):
        return await _rhythm(session, delivery, member, composer.texts)
    if delivery.purpose == Purpose.DID_YOU_MEET:
        return await _did_you_meet(session, delivery.subject_id, member, composer.texts)
    if delivery.purpose == Purpose.NUDGE:
        return await _nudge(session, delivery, member, composer.texts)
    if delivery.purpose == Purpose.DIGEST:
        return await _digest(session, delivery, member, composer.texts)
    if delivery.purpose == Purpose.PROMPT:
        text = _prompt(delivery, member, composer)
        keyboard = mood_keyboard(composer.texts, member.language, delivery_id=delivery.id)
        return Outgoing(member.telegram_user_id, (text,), keyboard)
    if delivery.purpose == Purpose.SHARED_ENTRY:
        parts = await _shared_entry(session, delivery.subject_id, member, composer)
        return Outgoing(member.telegram_user_id, parts)
    raise UnknownPurpose(delivery.purpose)


async def _about_pair(
    session: AsyncSession, delivery: Delivery, member: Member, texts: Texts
) -> str:
    pair = await session.get_one(Pair, delivery.subject_id)
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
    kind = "intro" if delivery.purpose == Purpose.INTRO else "ended"
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


async def _meeting_logged(
    session: AsyncSession, meeting_id: int, member: Member, texts: Texts
) -> Outgoing:
    meeting = await session.get_one(Meeting, meeting_id)
    if not meeting.stands or meeting.confirmed_by_id is not None:
        raise UnknownPurpose("meeting already answered")
    logger = await session.get_one(Member, meeting.logged_by_id)
    locale = member.language
    text = texts.render(
        "meetings/confirm", locale, other=logger.display_name, day=meeting.met_on.isoformat()
    )
    keyboard = (
        (
            Button(texts.render_plain("meetings/yes_button", locale), f"mt:c:{meeting.id}"),
            Button(
                texts.render_plain("meetings/not_that_day_button", locale), f"mt:n:{meeting.id}"
            ),
        ),
    )
    return Outgoing(member.telegram_user_id, (text,), keyboard)


async def _did_you_meet(
    session: AsyncSession, pair_id: int, member: Member, texts: Texts
) -> Outgoing:
    pair = await session.get_one(Pair, pair_id)
    if pair.status != PairStatus.ACTIVE:
        raise UnknownPurpose("pair ended")
    partner = await session.get_one(
        Member, pair.mentor_id if member.id == pair.student_id else pair.student_id
    )
    last = await last_meeting_day(session, pair.id)
    locale = member.language
    text = texts.render(
        "meetings/did_you_meet",
        locale,
        partner=partner.display_name,
        weeks=await rhythm_of(session, pair),
        last=last.isoformat() if last else "",
    )
    keyboard = (
        (
            Button(texts.render_plain("meetings/today_button", locale), f"mt:d:{pair.id}:0"),
            Button(texts.render_plain("meetings/yesterday_button", locale), f"mt:d:{pair.id}:1"),
        ),
        (Button(texts.render_plain("meetings/not_yet_button", locale), f"mt:x:{pair.id}"),),
    )
    return Outgoing(member.telegram_user_id, (text,), keyboard)


# The one next step each nudge offers: (button template, callback verb).
NEXT_STEP = {
    "no_meeting": ("nudges/suggest_button", "rl:s"),
    "low_mood": ("relay/reply_button", "rl:o"),
    "silent": ("relay/reply_button", "rl:o"),
    "gone": ("nudges/meetings_button", "mt:l"),
}


async def _nudge(
    session: AsyncSession, delivery: Delivery, mentor: Member, texts: Texts
) -> Outgoing:
    pair = await session.get_one(Pair, delivery.subject_id)
    if pair.status != PairStatus.ACTIVE:
        raise UnknownPurpose("pair ended")
    student = await session.get_one(Member, pair.student_id)
    try:
        kind = NudgeKey.parse(delivery.cycle).kind
    except ValueError as error:
        raise UnknownPurpose(str(error)) from None
    if kind not in NEXT_STEP:
        raise UnknownPurpose(f"nudge {kind!r}")
    locale = mentor.language
    last = await last_meeting_day(session, pair.id)
    text = texts.render(
        "nudges/nudge",
        locale,
        kind=kind,
        student=student.display_name,
        weeks=await rhythm_of(session, pair),
        last=last.isoformat() if last else "",
        gone=student.status.value,
    )
    template, verb = NEXT_STEP[kind]
    button = Button(
        texts.render_plain(template, locale, name=student.display_name), f"{verb}:{pair.id}"
    )
    return Outgoing(mentor.telegram_user_id, (text,), ((button,),))


async def _digest(
    session: AsyncSession, delivery: Delivery, mentor: Member, texts: Texts
) -> Outgoing:
    summaries = await summarise(session, mentor_id=mentor.id, now=delivery.due_at)
    if not summaries:
        raise UnknownPurpose("no mentees any more")
    text = texts.render(
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
    return Outgoing(mentor.telegram_user_id, (text,))


async def _rhythm(
    session: AsyncSession, delivery: Delivery, member: Member, texts: Texts
) -> Outgoing:
    """To the other side: a proposal to accept or answer with another; to the proposer:
    that it was accepted. Each with the rhythm keyboard as it stands when sent."""
    proposal = await session.get_one(RhythmProposal, delivery.subject_id)
    pair = await session.get_one(Pair, proposal.pair_id)
    if pair.status != PairStatus.ACTIVE:
        raise UnknownPurpose("pair ended")
    proposing = delivery.purpose == "rhythm_proposed"
    if proposing and proposal.status != ProposalStatus.PENDING:
        raise UnknownPurpose("proposal already answered")  # the newer one says it all
    other = await session.get_one(
        Member, pair.mentor_id if member.id == pair.student_id else pair.student_id
    )
    rhythm = await rhythm_for(session, pair, member.id)
    locale = member.language
    text = texts.render(
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
            f"mt:y:{pair.id}:{proposal.id}",
        )
        keyboard = ((accept,), *keyboard)
    return Outgoing(member.telegram_user_id, (text,), keyboard)


def rhythm_keyboard(texts: Texts, locale: str, pair_id: int, rhythm: Rhythm) -> Keyboard:
    """How often to meet, two a row: the rhythm that holds ticked, an open proposal named."""
    buttons = [
        Button(
            texts.render_plain(
                "meetings/rhythm_button",
                locale,
                weeks=weeks,
                current=rhythm.weeks,
                proposed=rhythm.proposed or 0,
            ),
            f"mt:a:{pair_id}:{weeks}",
        )
        for weeks in RHYTHMS
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def _prompt(delivery: Delivery, member: Member, composer: Composer) -> str:
    key = delivery.prompt_key or ""
    # A mentor's own reflection prompts come from the mentor part of the catalogue.
    prompt = composer.catalogue.get("student", key) or composer.catalogue.get("mentor", key)
    if prompt is None:
        raise UnknownPurpose(f"prompt {delivery.prompt_key!r} is no longer in the catalogue")
    first_name = member.display_name.split()[0] if member.display_name.split() else ""
    # The catalogue renders (and escapes) the prompt; Markup keeps it from being escaped twice.
    words = Markup(composer.catalogue.render(prompt, member.language, name=first_name))
    return composer.texts.render("checkin/prompt", member.language, prompt=words)


async def _shared_entry(
    session: AsyncSession, checkin_id: int, mentor: Member, composer: Composer
) -> tuple[str, ...]:
    """A shared entry, in the mentor's language: a header, then the student's own words."""
    checkin = await session.get_one(CheckIn, checkin_id)
    if not checkin.shared:  # withdrawn before it went out: it must reach nobody
        raise UnknownPurpose("entry no longer shared")
    still_paired = await session.scalar(
        select(Pair.id).where(
            Pair.programme_id == checkin.programme_id,
            Pair.student_id == checkin.member_id,
            Pair.mentor_id == mentor.id,
            Pair.status == PairStatus.ACTIVE,
        )
    )
    if still_paired is None:  # unpaired before it went out: the ex-mentor gets nothing
        raise UnknownPurpose("no longer this student's mentor")
    student = await session.get_one(Member, checkin.member_id)
    text = read_reflection(composer.cipher, checkin)
    locale = mentor.language
    header = composer.texts.render(
        "checkin/shared_entry",
        locale,
        student=student.display_name,
        mood_word=composer.texts.render_plain("checkin/mood_word", locale, mood=checkin.mood),
        prompt=_prompt_text(checkin.prompt_key, locale, composer),
        has_text=bool(text),
    )
    bodies = [
        composer.texts.render("checkin/shared_text", locale, text=part) for part in split_text(text)
    ]
    return (header, *bodies)


def _prompt_text(prompt_key: str | None, locale: str, composer: Composer) -> Markup | str:
    """The question the entry answers, in the mentor's language, if it came from a prompt."""
    prompt = composer.catalogue.get("student", prompt_key) if prompt_key else None
    if prompt is None:
        return ""
    return Markup(composer.catalogue.render(prompt, locale, name=""))


def split_text(text: str, limit: int = PART_LENGTH) -> list[str]:
    """Cut text into parts of at most `limit` characters, preferring paragraph, line and
    word boundaries; joining the parts gives back the text (less the whitespace cut at)."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        # The first kind of boundary found in the window's second half, else a hard cut.
        cut = next(
            (
                found
                for boundary in ("\n\n", "\n", " ")
                if (found := window.rfind(boundary)) >= limit // 2
            ),
            limit,
        )
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
