"""Encryption at rest for reflection text and voice notes' file ids: AES-256-GCM with a
key the operator holds.

The key is 32 random bytes, written as URL-safe base64 (`frizon key`). A stored value is
a version byte, a 12-byte random nonce and the ciphertext with its tag, so a changed
or truncated value fails to decrypt instead of returning wrong text; the tag also
covers the row the value belongs to, so a value moved to another row fails too.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

UNBOUND = b"\x01"  # the first format: readable still, no longer written
VERSION = b"\x02"  # bound to its row, see encrypt()
NONCE_BYTES = 12


class KeyProblem(ValueError):
    """A key that cannot be used; the message says why, never the key."""


class CannotDecrypt(Exception):
    """Stored text that this key cannot read (another key, or damaged data)."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


class ReflectionCipher:
    def __init__(self, key: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(key.strip().encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise KeyProblem("the reflection key is not URL-safe base64") from None
        if len(raw) != 32:
            raise KeyProblem("the reflection key must be 32 bytes (44 base64 characters)")
        self._aead = AESGCM(raw)

    def encrypt(self, text: str, *, bound_to: str) -> bytes:
        """`bound_to` names where the value is stored (e.g. "checkin:42"): authenticated,
        not stored, so a value copied to another row does not decrypt there."""
        nonce = os.urandom(NONCE_BYTES)
        body = self._aead.encrypt(nonce, text.encode("utf-8"), VERSION + bound_to.encode())
        return VERSION + nonce + body

    def decrypt(self, stored: bytes, *, bound_to: str) -> str:
        version = stored[:1]
        if version not in (VERSION, UNBOUND) or len(stored) < 1 + NONCE_BYTES + 16:
            raise CannotDecrypt("unknown format")
        nonce, body = stored[1 : 1 + NONCE_BYTES], stored[1 + NONCE_BYTES :]
        associated = version if version == UNBOUND else version + bound_to.encode()
        try:
            return self._aead.decrypt(nonce, body, associated).decode("utf-8")
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
