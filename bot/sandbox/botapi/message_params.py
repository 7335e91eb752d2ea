"""What every send reads alike: the message it replies to, the HTML source the sandbox keeps,
and a caption (of a photo, a voice note, a document or a copy)."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.html import (
    MAX_CAPTION_LENGTH,
    FormattedText,
    format_message_text,
    parse_html,
    utf16_len,
)
from bot.sandbox.params import Params

_TRIMMED = " \t\r\n\v\f\0"  # what Telegram trims around texts and captions
_ENTITIES_ERROR = "can't parse entities JSON object"


def reply_target(params: Params) -> tuple[int | None, bool]:
    """The message to reply to and allow_sending_without_reply, old style or reply_parameters."""
    reply = params.get_json("reply_parameters") or {}
    if not isinstance(reply, dict):
        raise bad_request("can't parse reply parameters JSON object")
    reply_to = reply.get("message_id", params.get_int("reply_to_message_id"))
    allow = reply.get("allow_sending_without_reply") or params.get_bool(
        "allow_sending_without_reply"
    )
    return (int(reply_to) if reply_to is not None else None), bool(allow)


def html_source(source: str | None, parse_mode: str | None) -> str | None:
    """The source to keep as ``html``: only what was sent with parse mode HTML."""
    return source if (parse_mode or "").lower() == "html" else None


def read_caption(params: Params) -> FormattedText | None:
    """The ``caption`` parameter (``None`` when absent), parsed like a text but may be empty.

    ``parse_mode`` wins over ``caption_entities``, as on Telegram.
    """
    source = params.get_str("caption")
    if source is None:
        return None
    parse_mode = params.get_str("parse_mode")
    mode = (parse_mode or "").lower()
    if mode not in ("", "html"):
        raise bad_request("unsupported parse_mode")
    if mode == "html":
        parsed = parse_html(source)
    else:
        parsed = FormattedText(source, _caption_entities(params, source))
    if utf16_len(parsed.text.strip(_TRIMMED)) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    if not parsed.text.strip(_TRIMMED):
        return FormattedText("")
    if parsed.entities and mode == "":
        return parsed  # entities given by offset: kept as sent
    return format_message_text(source, parse_mode)  # trims and moves entities like a text


def _caption_entities(params: Params, text: str) -> list[dict[str, Any]]:
    entities = params.get_json("caption_entities")
    if entities is None:
        return []
    size = utf16_len(text)
    if not isinstance(entities, list):
        raise bad_request(_ENTITIES_ERROR)
    for entity in entities:
        if not (
            isinstance(entity, dict)
            and isinstance(entity.get("type"), str)
            and isinstance(entity.get("offset"), int)
            and isinstance(entity.get("length"), int)
        ):
            raise bad_request(_ENTITIES_ERROR)
        if not 0 <= entity["offset"] < entity["offset"] + entity["length"] <= size:
            raise bad_request("entity beginning or end is out of bounds")
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))
