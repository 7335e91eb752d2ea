"""A student's own entries: read back page by page (voice notes played back), shared or
made private, or deleted.

Only the author reaches these functions with their own member id; every function
checks that the entry belongs to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.crypto import CannotDecrypt, ReflectionCipher
from bot.outbox.keys.shared_entries import shared_entry_key
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.services.checkins import read_reflection, read_voice_notes
from bot.services.errors import Refused
from bot.services.pairing import active_pair_of
from db.models import CheckIn, CheckInStatus, Delivery, DeliveryStatus


@dataclass(frozen=True)
class Entry:
    checkin_id: int
    position: int  # 0 is the newest
    total: int
    created_at: datetime
    mood: int
    shared: bool
    text: str
    voice_notes: int  # how many; `voice_notes_of` gives their file ids to play back
    mentor: str | None  # the active mentor, who would see it if shared
    mentor_id: int | None
    delivered: bool  # a shared copy already reached the mentor
    unreadable: bool = False  # written with a key the operator no longer has


async def entry_at(
    session: AsyncSession, *, member_id: int, position: int, cipher: ReflectionCipher
) -> Entry | None:
    """The member's finished entry at `position` (newest first), or None if there is none."""
    finished = (CheckIn.member_id == member_id, CheckIn.status == CheckInStatus.DONE)
    total = int(
        await session.scalar(select(func.count()).select_from(CheckIn).where(*finished)) or 0
    )
    if total == 0:
        return None
    position = min(max(position, 0), total - 1)
    checkin = await session.scalar(
        select(CheckIn)
        .where(*finished)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .offset(position)
        .limit(1)
    )
    assert checkin is not None
    pair = await active_pair_of(session, programme_id=checkin.programme_id, student_id=member_id)
    delivered = await session.scalar(
        select(Delivery.id).where(
            Delivery.purpose == Purpose.SHARED_ENTRY,
            Delivery.subject_id == checkin.id,
            Delivery.status == DeliveryStatus.SENT,
        )
    )
    try:
        text, voice_notes = read_reflection(cipher, checkin), read_voice_notes(cipher, checkin)
    except CannotDecrypt:  # every key that could read it is gone: the words are lost
        text, voice_notes, unreadable = "", [], True
    else:
        unreadable = False
    return Entry(
        checkin_id=checkin.id,
        position=position,
        total=total,
        created_at=checkin.created_at,
        mood=checkin.mood,
        shared=checkin.shared,
        text=text,
        voice_notes=len(voice_notes),
        mentor=pair.mentor_name if pair else None,
        mentor_id=pair.mentor_id if pair else None,
        delivered=delivered is not None,
        unreadable=unreadable,
    )


async def set_shared(
    session: AsyncSession,
    *,
    now: datetime,
    member_id: int,
    checkin_id: int,
    share: bool,
    mentor_id: int | None = None,
) -> None:
    """Share an entry with the current mentor, or make it private again.

    Making it private stops a copy that has not gone out yet; one that already reached
    the mentor's chat cannot be called back, and the author is told so.
    """
    checkin = await _own_finished(session, member_id, checkin_id)
    if share:
        pair = await active_pair_of(
            session, programme_id=checkin.programme_id, student_id=member_id
        )
        if pair is None:
            raise Refused("no_mentor")
        if mentor_id is not None and pair.mentor_id != mentor_id:
            raise Refused("mentor_changed")  # the button named someone else
        await enqueue(
            session,
            member_id=pair.mentor_id,
            purpose=Purpose.SHARED_ENTRY,
            cycle=shared_entry_key(checkin.id),
            subject_id=checkin.id,
            due_at=now,
        )
    checkin.shared = share


async def voice_notes_of(
    session: AsyncSession, *, member_id: int, checkin_id: int, cipher: ReflectionCipher
) -> list[str]:
    """The file ids of the voice notes in the member's own finished entry, in the order
    sent, to send back to them; empty when it has none."""
    checkin = await _own_finished(session, member_id, checkin_id)
    return read_voice_notes(cipher, checkin)


async def delete_entry(session: AsyncSession, *, member_id: int, checkin_id: int) -> None:
    """Delete an entry for good — its words and its voice notes' file ids with the row —
    with any copy still waiting to go to the mentor (one that already reached the mentor's
    chat stays there)."""
    checkin = await _own_finished(session, member_id, checkin_id)
    # Every copy's row goes too: a pending one must not be sent, and on SQLite a later
    # entry may get this id again and must not look "already shared".
    await session.execute(
        delete(Delivery).where(
            Delivery.purpose == Purpose.SHARED_ENTRY, Delivery.subject_id == checkin.id
        )
    )
    await session.delete(checkin)


async def is_own_entry(session: AsyncSession, *, member_id: int, checkin_id: int) -> bool:
    """Whether the entry is the member's own finished one: asked before any step about it."""
    checkin = await session.get(CheckIn, checkin_id)
    return _is_own_finished(checkin, member_id)


async def is_gone(session: AsyncSession, *, checkin_id: int) -> bool:
    """No entry has this id (any more): a deletion asked again has nothing left to do."""
    return await session.get(CheckIn, checkin_id) is None


async def _own_finished(session: AsyncSession, member_id: int, checkin_id: int) -> CheckIn:
    checkin = await session.get(CheckIn, checkin_id)
    if checkin is None or not _is_own_finished(checkin, member_id):
        raise Refused("stale")
    return checkin


def _is_own_finished(checkin: CheckIn | None, member_id: int) -> bool:
    return (
        checkin is not None
        and checkin.member_id == member_id
        and checkin.status == CheckInStatus.DONE
    )
