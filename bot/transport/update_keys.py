"""What identifies an update by its content, so a re-delivered one is recognised.

An update's ``update_id`` identifies it only on one Bot API server and only while its
numbering lasts: the sandbox counted from 1 again after a restart, Telegram picks a new
random starting id after a week without updates, and another server (a different
``FRIZON_TELEGRAM_BASE_URL``) numbers its own way. What Telegram does guarantee is the
content's identity: a message id is unique within its chat and never reused, a
callback query id is unique. A re-delivered update carries the same content, so the
key below is the same; a new update has a new key whatever its ``update_id``.

The key stored is a digest of that identity: the identity names a chat, which in a
private chat is the person's Telegram id, and an erased member's id must not stay
in the database in any table.
"""

from __future__ import annotations

import hashlib
import json

from telegram import Message, Update

# Updates that carry a message: the chat and the message id identify it, the date
# too (a server whose message numbering restarted is then still not fooled).
_MESSAGES = (
    "message",
    "channel_post",
    "business_message",
)
_EDITS = (
    "edited_message",
    "edited_channel_post",
    "edited_business_message",
)
# Updates with an id of their own that Telegram makes unique.
_WITH_IDS = ("callback_query", "inline_query", "shipping_query", "pre_checkout_query")
KEY_LENGTH = 40  # hex digits: 160 bits of SHA-256


def update_key(update: Update) -> str:
    """The stored key: a digest of ``update_identity``."""
    return hashlib.sha256(update_identity(update).encode("utf-8")).hexdigest()[:KEY_LENGTH]


def update_identity(update: Update) -> str:
    """A text naming what the update is about, the same on every re-delivery."""
    for kind in _MESSAGES:
        message = getattr(update, kind, None)
        if isinstance(message, Message):
            return f"{kind}:{message.chat.id}:{message.message_id}:{_stamp(message)}"
    for kind in _EDITS:
        message = getattr(update, kind, None)
        if isinstance(message, Message):
            edited = int(message.edit_date.timestamp()) if message.edit_date else 0
            return f"{kind}:{message.chat.id}:{message.message_id}:{edited}"
    for kind in _WITH_IDS:
        item = getattr(update, kind, None)
        if item is not None:
            return f"{kind}:{item.id}"
    return f"content:{_digest(update)}"


def _stamp(message: Message) -> int:
    return int(message.date.timestamp())


def _digest(update: Update) -> str:
    """Anything else (a membership change, a poll answer): a digest of all of its content
    but the update id, which is the same on a re-delivery and differs for a new event."""
    content = update.to_dict()
    content.pop("update_id", None)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
