"""After a key rotation: what old keys wrote, re-encrypted with the current key, and how
much is left.

The running bot's leader re-encrypts a batch of check-ins at a time, each batch its own
transaction, so a crash loses at most the batch in hand; the next pass starts over from
the first check-in and passes over what the current key wrote already (it names its key,
see bot/core/crypto.py). A value is written back only if it is still the one that was
read, so text a student adds meanwhile is never overwritten with the older words. Each
value keeps its row's binding: the reflection's and the voice notes' are not the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.core.crypto import ReflectionCipher, Written, checkin_binding, checkin_voice_binding
from db.models import CheckIn

CENSUS_BATCH = 1000
StoredRow = Row[int, bytes | None, bytes | None]
Column = InstrumentedAttribute[Any]


@dataclass
class KeyCensus:
    """Check-ins holding encrypted text, by the key it was written with (a check-in with
    both columns counts once, by its worse one)."""

    current: int = 0
    old: int = 0
    unreadable: int = 0


@dataclass
class Batch:
    reencrypted: int = 0  # check-ins
    unreadable: int = 0
    last_id: int | None = None  # None: no check-in after the one asked for


async def key_census(session: AsyncSession, cipher: ReflectionCipher) -> KeyCensus:
    """Read-only: every check-in with text or voice notes, classified."""
    census = KeyCensus()
    after = 0
    while True:
        rows = await _rows_after(session, after, CENSUS_BATCH)
        if not rows:
            return census
        for row in rows:
            worst = _worst(written for _, _, written in _values(cipher, row))
            if worst is Written.UNREADABLE:
                census.unreadable += 1
            elif worst is Written.OLD:
                census.old += 1
            else:
                census.current += 1
        after = rows[-1].id


@dataclass(frozen=True)
class Fresh:
    """One value to write back: `fresh` replaces `stored` if that is still what is there."""

    checkin_id: int
    column: Column
    stored: bytes
    fresh: bytes


async def reencrypt_batch(
    session: AsyncSession, cipher: ReflectionCipher, *, after_id: int, limit: int
) -> Batch:
    """Re-encrypt the old-key values of the next `limit` check-ins after `after_id`; the
    caller commits. What no configured key reads is left as it is."""
    batch, values = await reencrypted_values(session, cipher, after_id=after_id, limit=limit)
    await write_back(session, values)
    return batch


async def reencrypted_values(
    session: AsyncSession, cipher: ReflectionCipher, *, after_id: int, limit: int
) -> tuple[Batch, list[Fresh]]:
    """Read-only: the next check-ins' old-key values, encrypted again with the current key."""
    batch, values = Batch(), []
    rows = await _rows_after(session, after_id, limit)
    for row in rows:
        changed = False
        for column, binding, written in _values(cipher, row):
            if written is Written.UNREADABLE:
                batch.unreadable += 1
            elif written is Written.OLD:
                stored = getattr(row, column.key)
                fresh = cipher.reencrypt(stored, bound_to=binding)
                values.append(Fresh(row.id, column, stored, fresh))
                changed = True
        batch.reencrypted += changed
    batch.last_id = rows[-1].id if rows else None
    return batch, values


async def write_back(session: AsyncSession, values: list[Fresh]) -> None:
    """Each value where it still is as read: one a student changed meanwhile (written with
    the current key already) stands."""
    for value in values:
        await session.execute(
            update(CheckIn)
            .where(CheckIn.id == value.checkin_id, value.column == value.stored)
            .values({value.column: value.fresh})
            .execution_options(synchronize_session=False)
        )


async def _rows_after(session: AsyncSession, after_id: int, limit: int) -> Sequence[StoredRow]:
    result = await session.execute(
        select(CheckIn.id, CheckIn.reflection, CheckIn.voice_notes)
        .where(
            CheckIn.id > after_id,
            or_(CheckIn.reflection.is_not(None), CheckIn.voice_notes.is_not(None)),
        )
        .order_by(CheckIn.id)
        .limit(limit)
    )
    return result.all()


def _values(cipher: ReflectionCipher, row: StoredRow) -> Iterator[tuple[Column, str, Written]]:
    """(column, binding, which key wrote it) for each encrypted value of the row."""
    if row.reflection:
        binding = checkin_binding(row.id)
        yield CheckIn.reflection, binding, cipher.written_with(row.reflection, bound_to=binding)
    if row.voice_notes:
        binding = checkin_voice_binding(row.id)
        yield CheckIn.voice_notes, binding, cipher.written_with(row.voice_notes, bound_to=binding)


def _worst(written: Iterable[Written]) -> Written:
    found = set(written)
    for worst in (Written.UNREADABLE, Written.OLD):
        if worst in found:
            return worst
    return Written.CURRENT
