"""Invite tokens: random, URL-safe, fit Telegram's 64-character /start payload; stored hashed."""

import hashlib
import re
import secrets

TOKEN_BYTES = 24  # 192 bits of randomness, 32 characters once encoded
_WELL_FORMED = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The stored form: a leaked database gives no usable links."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_well_formed(token: str) -> bool:
    """Telegram deep links allow A-Z, a-z, 0-9, _ and -, up to 64 characters."""
    return _WELL_FORMED.fullmatch(token) is not None
