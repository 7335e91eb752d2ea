"""Encryption at rest for reflection text and voice notes' file ids: AES-256-GCM with keys
the operator holds.

A key is 32 random bytes, written as URL-safe base64 (`frizon key`). A stored value is a
format byte, the id of the key it was written with (4 bytes derived from the key, never
the key itself), a 12-byte random nonce and the ciphertext with its tag, so a changed or
truncated value fails to decrypt instead of returning wrong text; the tag also covers the
row the value belongs to, so a value moved to another row fails too.

The cipher is a key ring: the current key encrypts; old keys (kept configured while a
rotation re-encrypts what they wrote, see bot/services/key_rotation.py) only decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence
from enum import Enum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

UNBOUND = b"\x01"  # the first format: readable still, no longer written
BOUND = b"\x02"  # bound to its row, but not naming its key: readable still, no longer written
VERSION = b"\x03"  # bound to its row and naming its key, see encrypt()
NONCE_BYTES = 12
KEY_ID_BYTES = 4
TAG_BYTES = 16


class KeyProblem(ValueError):
    """A key that cannot be used; the message says why, never the key."""


class CannotDecrypt(Exception):
    """Stored text that no key of the ring can read (another key, or damaged data)."""


class Written(Enum):
    """Which of the ring's keys a stored value was written with."""

    CURRENT = "current"
    OLD = "old"  # readable, with a key kept only for reading
    UNREADABLE = "unreadable"  # by no configured key: its key is lost, or the data damaged


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _raw_key(key: str, name: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise KeyProblem(f"the {name} is not URL-safe base64") from None
    if len(raw) != 32:
        raise KeyProblem(f"the {name} must be 32 bytes (44 base64 characters)")
    return raw


def _key_id(raw: bytes) -> bytes:
    # A keyed hash: names the key in stored values without telling anything about it.
    return hmac.digest(raw, b"frizon reflection key id", hashlib.sha256)[:KEY_ID_BYTES]


class ReflectionCipher:
    def __init__(self, key: str, old_keys: Sequence[str] = ()) -> None:
        raw = _raw_key(key, "reflection key")
        self._current_id = _key_id(raw)
        self._keys = {self._current_id: AESGCM(raw)}
        for position, old in enumerate(old_keys, start=1):
            old_raw = _raw_key(old, f"old reflection key no. {position}")
            self._keys.setdefault(_key_id(old_raw), AESGCM(old_raw))

    @property
    def has_old_keys(self) -> bool:
        return len(self._keys) > 1

    def encrypt(self, text: str, *, bound_to: str) -> bytes:
        """`bound_to` names where the value is stored (e.g. "checkin:42"): authenticated,
        not stored, so a value copied to another row does not decrypt there."""
        header = VERSION + self._current_id
        nonce = os.urandom(NONCE_BYTES)
        body = self._keys[self._current_id].encrypt(
            nonce, text.encode("utf-8"), header + bound_to.encode()
        )
        return header + nonce + body

    def decrypt(self, stored: bytes, *, bound_to: str) -> str:
        version = stored[:1]
        if version == VERSION:
            if len(stored) < 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES:
                raise CannotDecrypt("too short")
            header, rest = stored[: 1 + KEY_ID_BYTES], stored[1 + KEY_ID_BYTES :]
            aead = self._keys.get(header[1:])
            if aead is None:
                raise CannotDecrypt("written with a key that is not configured")
            return self._open(aead, rest, header + bound_to.encode())
        if version not in (BOUND, UNBOUND) or len(stored) < 1 + NONCE_BYTES + TAG_BYTES:
            raise CannotDecrypt("unknown format")
        # The older formats do not name their key: each key of the ring is tried.
        associated = version if version == UNBOUND else version + bound_to.encode()
        for aead in self._keys.values():
            try:
                return self._open(aead, stored[1:], associated)
            except CannotDecrypt:
                continue
        raise CannotDecrypt("wrong key, damaged data, or not stored here")

    def written_with(self, stored: bytes, *, bound_to: str) -> Written:
        """Whether the current key wrote the value, an old one, or none that is configured."""
        if stored[:1] == VERSION and stored[1 : 1 + KEY_ID_BYTES] == self._current_id:
            return Written.CURRENT
        try:
            self.decrypt(stored, bound_to=bound_to)
        except CannotDecrypt:
            return Written.UNREADABLE
        return Written.OLD

    def reencrypt(self, stored: bytes, *, bound_to: str) -> bytes:
        """The same text under the current key, bound to the same place; CannotDecrypt when
        no key of the ring reads it."""
        return self.encrypt(self.decrypt(stored, bound_to=bound_to), bound_to=bound_to)

    @staticmethod
    def _open(aead: AESGCM, rest: bytes, associated: bytes) -> str:
        nonce, body = rest[:NONCE_BYTES], rest[NONCE_BYTES:]
        try:
            return aead.decrypt(nonce, body, associated).decode("utf-8")
        except InvalidTag:
            raise CannotDecrypt("wrong key, damaged data, or not stored here") from None


def checkin_binding(checkin_id: int) -> str:
    """What a check-in's reflection is bound to."""
    return f"checkin:{checkin_id}"


def checkin_voice_binding(checkin_id: int) -> str:
    """What a check-in's voice notes are bound to: not the text's binding, so neither
    column's value decrypts in the other."""
    return f"checkin:{checkin_id}:voice"


KEY_CANARY_BINDING = "key_canary"  # what the key canary is bound to: no reflection's binding
