"""Check-ins: a mood, then optional reflection text or voice notes, then shared with the
mentor or kept.

The text is encrypted before it is stored and decrypted only to show it to its author
or, for shared entries, to their mentor. Several messages in a row form one entry. A
voice note is kept as Telegram's file id only, encrypted the same way in a column of its
own; the recording stays with Telegram, and nothing else about it is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.crypto import ReflectionCipher, checkin_binding, checkin_voice_binding
from bot.outbox.keys.shared_entries import shared_entry_key
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.services.errors import Refused
from bot.services.pairing import PairView, active_pair_of
from db.models import CheckIn, CheckInStatus, Delivery, DeliveryStatus, Member, Membership, Role

MOODS = range(1, 6)
OPEN_FOR = timedelta(hours=12)  # an entry takes words for this long after its mood
MAX_REFLECTION = 64_000  # characters: about sixteen full Telegram messages
MAX_VOICE_NOTES = 10  # per entry: enough to think aloud, few enough to send on
PARAGRAPH = "\n\n"


@dataclass(frozen=True)
class MentorRef:
    """The mentor a share question names; sharing checks it is still them."""

    member_id: int
    name: str


@dataclass(frozen=True)
class Started:
    checkin_id: int
    mood: int


@dataclass(frozen=True)
class Added:
    """Words or a voice note folded into the open entry."""

    checkin_id: int
    first: bool
    mentor: MentorRef | None  # who could see it if shared; None without an active mentor


@dataclass(frozen=True)
class Finished:
    shared: bool
    mentor: str | None
    mentor_gone: bool = False  # asked to share, but the pair had ended: kept private


async def start_checkin(
    session: AsyncSession,
    *,
    now: datetime,
    member_id: int,
    mood: int,
    delivery_id: int | None,
    source: str | None = None,
    theme_of: Callable[[str], str | None] = lambda key: None,
) -> Started:
    """Record a mood, for a prompt or on its own; an unfinished entry is kept private.

    `source` names what started it (a button press); the same source again — Telegram
    re-delivering the press after a crash — returns the entry it already made.
    """
    if mood not in MOODS:
        raise Refused("stale")
    if source is not None:
        existing = await session.scalar(select(CheckIn).where(CheckIn.source == source))
        if existing is not None and existing.member_id == member_id:
            return Started(existing.id, existing.mood)
    programme_id, prompt_key = await _source(session, member_id, delivery_id)
    theme = theme_of(prompt_key) if prompt_key else None
    unfinished = await _open(session, member_id, now)
    if unfinished is not None:
        unfinished.status, unfinished.completed_at = CheckInStatus.DONE, now
    checkin = CheckIn(
        programme_id=programme_id,
        member_id=member_id,
        delivery_id=delivery_id,
        prompt_key=prompt_key,
        theme=theme,
        mood=mood,
        source=source,
        shared=False,
        status=CheckInStatus.WRITING,
        created_at=now,
    )
    session.add(checkin)
    await session.flush()
    return Started(checkin.id, mood)


async def add_text(
    session: AsyncSession,
    *,
    member_id: int,
    message_id: int,
    text: str,
    cipher: ReflectionCipher,
    now: datetime,
) -> Added | None:
    """Fold a message into the open entry; None if no entry is open."""
    checkin = await _open(session, member_id, now)
    if checkin is None:
        return None
    mentor = await _mentor(session, checkin)
    before = read_reflection(cipher, checkin)
    voices = read_voice_notes(cipher, checkin)
    if _folded_before(checkin, message_id):
        # Telegram re-delivered a message already folded in: add nothing, but answer as
        # the first time, so a lost share question is asked again.
        return Added(checkin.id, first=before == text and not voices, mentor=mentor)
    combined = _appended(before, text)
    checkin.reflection = cipher.encrypt(combined, bound_to=checkin_binding(checkin.id))
    checkin.last_message_id = message_id
    return Added(checkin.id, first=not before and not voices, mentor=mentor)


async def add_voice(
    session: AsyncSession,
    *,
    member_id: int,
    message_id: int,
    file_id: str,
    caption: str | None,
    cipher: ReflectionCipher,
    now: datetime,
) -> Added | None:
    """Fold a voice note (its file id) and any caption, as words, into the open entry;
    None if no entry is open. Past MAX_VOICE_NOTES nothing is added (Refused)."""
    checkin = await _open(session, member_id, now)
    if checkin is None:
        return None
    mentor = await _mentor(session, checkin)
    before = read_reflection(cipher, checkin)
    voices = read_voice_notes(cipher, checkin)
    if _folded_before(checkin, message_id):  # re-delivered: as in add_text
        first = voices == [file_id] and before == (caption or "")
        return Added(checkin.id, first=first, mentor=mentor)
    if len(voices) >= MAX_VOICE_NOTES:
        raise Refused("too_many_voice_notes", limit=MAX_VOICE_NOTES)
    if caption:
        combined = _appended(before, caption)
        checkin.reflection = cipher.encrypt(combined, bound_to=checkin_binding(checkin.id))
    checkin.voice_notes = cipher.encrypt(
        json.dumps([*voices, file_id]), bound_to=checkin_voice_binding(checkin.id)
    )
    checkin.last_message_id = message_id
    return Added(checkin.id, first=not before and not voices, mentor=mentor)


def _folded_before(checkin: CheckIn, message_id: int) -> bool:
    """Message ids only grow within a chat, and an entry's messages are folded in order."""
    return checkin.last_message_id is not None and message_id <= checkin.last_message_id


def _appended(before: str, text: str) -> str:
    combined = f"{before}{PARAGRAPH}{text}" if before else text
    if len(combined) > MAX_REFLECTION:
        raise Refused("too_long")
    return combined


async def finish(
    session: AsyncSession,
    *,
    now: datetime,
    member_id: int,
    checkin_id: int,
    share: bool,
    mentor_id: int | None = None,
) -> Finished:
    """Close the entry; a shared one is queued for the mentor, a private one reaches nobody.

    `mentor_id` is the mentor the share button named: if the student has another mentor
    by now, nothing is shared (Refused "mentor_changed") and the entry stays open for a
    fresh question; if the pair has ended, the entry is kept private.

    An entry already finished as asked — the same press again, when Telegram re-delivers
    it after a failure, or a double tap — answers as the first time did: what is true of
    the entry is what the student hears. Asked otherwise, nothing changes and the refusal
    says how it was finished ("already_shared", "already_kept").
    """
    checkin = await session.get(CheckIn, checkin_id)
    if checkin is None or checkin.member_id != member_id:
        raise Refused("stale")
    pair = await active_pair_of(session, programme_id=checkin.programme_id, student_id=member_id)
    if checkin.status != CheckInStatus.WRITING:
        return await _finished_before(session, checkin, share=share, pair=pair)
    if share and pair is not None and mentor_id is not None and pair.mentor_id != mentor_id:
        raise Refused("mentor_changed")
    shared = share and pair is not None
    checkin.status, checkin.completed_at, checkin.shared = CheckInStatus.DONE, now, shared
    if shared and pair is not None:
        await enqueue(
            session,
            member_id=pair.mentor_id,
            purpose=Purpose.SHARED_ENTRY,
            cycle=shared_entry_key(checkin.id),
            subject_id=checkin.id,
            due_at=now,
        )
    return Finished(shared, pair.mentor_name if pair else None, mentor_gone=share and not shared)


async def _finished_before(
    session: AsyncSession, checkin: CheckIn, *, share: bool, pair: PairView | None
) -> Finished:
    """What finishing an already finished entry again comes to (see `finish`)."""
    if checkin.shared:
        mentor = await session.scalar(
            select(Member.display_name)
            .join(Delivery, Delivery.member_id == Member.id)
            .where(
                Delivery.purpose == Purpose.SHARED_ENTRY,
                Delivery.cycle == shared_entry_key(checkin.id),
            )
            .order_by(Delivery.id.desc())
            .limit(1)
        )
        if not share:
            raise Refused("already_shared", mentor=mentor or "")
        return Finished(True, mentor)
    if not share:
        return Finished(False, pair.mentor_name if pair else None)
    if pair is None:  # asked to share, with the pair over: kept private, as the first time
        return Finished(False, None, mentor_gone=True)
    raise Refused("already_kept")


async def open_entry(session: AsyncSession, *, member_id: int, now: datetime) -> int | None:
    checkin = await _open(session, member_id, now)
    return None if checkin is None else checkin.id


async def _open(session: AsyncSession, member_id: int, now: datetime) -> CheckIn | None:
    """The entry still taking words; one left open for OPEN_FOR is closed, privately, so
    words written days later are not folded into it."""
    checkin = await session.scalar(
        select(CheckIn)
        .where(CheckIn.member_id == member_id, CheckIn.status == CheckInStatus.WRITING)
        .order_by(CheckIn.id.desc())
        .limit(1)
    )
    if checkin is not None and now - checkin.created_at > OPEN_FOR:
        checkin.status, checkin.completed_at = CheckInStatus.DONE, now
        return None
    return checkin


async def _mentor(session: AsyncSession, checkin: CheckIn) -> MentorRef | None:
    pair = await active_pair_of(
        session, programme_id=checkin.programme_id, student_id=checkin.member_id
    )
    return MentorRef(pair.mentor_id, pair.mentor_name) if pair else None


async def _source(
    session: AsyncSession, member_id: int, delivery_id: int | None
) -> tuple[int, str | None]:
    """Programme and prompt of a new entry; refuse prompts that cannot be answered."""
    if delivery_id is None:
        programme_id = await session.scalar(
            select(Membership.programme_id)
            .where(Membership.member_id == member_id, Membership.role == Role.STUDENT)
            .order_by(Membership.programme_id)
            .limit(1)
        )
        if programme_id is None:
            raise Refused("not_student")
        return programme_id, None
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None or delivery.member_id != member_id or delivery.purpose != Purpose.PROMPT:
        raise Refused("stale")
    answered = await session.scalar(select(CheckIn.id).where(CheckIn.delivery_id == delivery_id))
    if answered is not None:
        raise Refused("already_answered")
    newer = await session.scalar(
        select(Delivery.id).where(
            Delivery.member_id == member_id,
            Delivery.purpose == Purpose.PROMPT,
            Delivery.id > delivery_id,
            Delivery.status == DeliveryStatus.SENT,  # only prompts that reached the student
        )
    )
    if newer is not None:
        raise Refused("old_prompt")
    assert delivery.subject_id is not None  # a prompt's subject is its programme
    return delivery.subject_id, delivery.prompt_key


async def skip_text(session: AsyncSession, *, member_id: int, checkin_id: int) -> MentorRef | None:
    """The student skips writing; returns the mentor's name for the share question."""
    checkin = await session.get(CheckIn, checkin_id)
    if checkin is None or checkin.member_id != member_id:
        raise Refused("stale")
    if checkin.status != CheckInStatus.WRITING:
        raise Refused("already_done")
    return await _mentor(session, checkin)


def read_reflection(cipher: ReflectionCipher, checkin: CheckIn) -> str:
    """The entry's words, decrypted; empty when the student wrote none."""
    if not checkin.reflection:
        return ""
    return cipher.decrypt(checkin.reflection, bound_to=checkin_binding(checkin.id))


def read_voice_notes(cipher: ReflectionCipher, checkin: CheckIn) -> list[str]:
    """The file ids of the entry's voice notes, in the order sent; empty when none."""
    if not checkin.voice_notes:
        return []
    file_ids = json.loads(
        cipher.decrypt(checkin.voice_notes, bound_to=checkin_voice_binding(checkin.id))
    )
    return [str(file_id) for file_id in file_ids]
