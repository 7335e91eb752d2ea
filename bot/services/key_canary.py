"""Whether the reflection key is the one this database's text was written with.

A changed key does not fail loudly: text written before reads as "cannot decrypt", and
new text is written with the new key, so the database ends up holding both. The canary
(one known value, encrypted with the key at first start) finds that at start-up and in
`frizon doctor`, before anything is written with the wrong key.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.crypto import (
    KEY_CANARY_BINDING,
    CannotDecrypt,
    ReflectionCipher,
    Written,
    checkin_binding,
)
from db.inserts import insert_unless_present
from db.models import CheckIn, KeyCanary

ROW = 1
CANARY_TEXT = "frizon key canary"


class KeyFit(Enum):
    OPENS = "opens"  # the canary (or, before it, the newest reflection) decrypts
    NOTHING_STORED = "nothing stored"  # a new database: any key is the first
    WRONG_KEY = "wrong key"


async def key_fit(session: AsyncSession, cipher: ReflectionCipher) -> KeyFit:
    """Read-only: the canary decrypted, or where there is none yet (a database from before
    it) the newest stored reflection."""
    canary = await session.get(KeyCanary, ROW)
    if canary is not None:
        return _fit(cipher, canary.value, KEY_CANARY_BINDING, expected=CANARY_TEXT)
    newest = (
        await session.execute(
            select(CheckIn.id, CheckIn.reflection)
            .where(CheckIn.reflection.is_not(None))
            .order_by(CheckIn.id.desc())
            .limit(1)
        )
    ).first()
    if newest is None or newest.reflection is None:
        return KeyFit.NOTHING_STORED
    return _fit(cipher, newest.reflection, checkin_binding(newest.id), expected=None)


async def keep_canary(session: AsyncSession, cipher: ReflectionCipher, *, now: datetime) -> KeyFit:
    """`key_fit`, and a canary written with this key when there is none and the key fits
    (two instances starting at once: the first one's stands). After a rotation the canary
    an old key wrote is written again with the current one: the database is the new
    key's now, and a start with only the old key would write beside the new key's text."""
    fit = await key_fit(session, cipher)
    if fit is KeyFit.WRONG_KEY:
        return fit
    canary = await session.get(KeyCanary, ROW)
    if canary is None:
        value = cipher.encrypt(CANARY_TEXT, bound_to=KEY_CANARY_BINDING)
        await insert_unless_present(
            session, KeyCanary, [{"id": ROW, "value": value, "created_at": now}]
        )
    elif cipher.written_with(canary.value, bound_to=KEY_CANARY_BINDING) is Written.OLD:
        canary.value = cipher.encrypt(CANARY_TEXT, bound_to=KEY_CANARY_BINDING)
    return fit


async def give_up_lost_keys(
    session: AsyncSession, cipher: ReflectionCipher, *, now: datetime
) -> None:
    """Every key that wrote this database is lost: its reflections cannot be read again.
    The canary is written anew with this key so that frizon starts and everything else
    goes on; the unreadable text stays where it is (a key found later still opens it)."""
    await session.execute(delete(KeyCanary))
    value = cipher.encrypt(CANARY_TEXT, bound_to=KEY_CANARY_BINDING)
    session.add(KeyCanary(id=ROW, value=value, created_at=now))


def _fit(cipher: ReflectionCipher, stored: bytes, binding: str, *, expected: str | None) -> KeyFit:
    try:
        text = cipher.decrypt(stored, bound_to=binding)
    except CannotDecrypt:
        return KeyFit.WRONG_KEY
    return KeyFit.OPENS if expected is None or text == expected else KeyFit.WRONG_KEY
