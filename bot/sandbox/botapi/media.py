"""The bot's files: sendPhoto, sendVoice, sendDocument (a file_id sent before, or an
upload), and getFile, which says where the bot downloads a file from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.message_params import html_source, read_caption, reply_target
from bot.sandbox.botapi.table import MethodTable
from bot.sandbox.errors import bad_request
from bot.sandbox.html import FormattedText
from bot.sandbox.markup import validate_reply_markup
from bot.sandbox.params import Params
from bot.sandbox.records import MediaKind

if TYPE_CHECKING:  # for annotations only: routes.py imports this module
    from bot.sandbox.botapi.routes import BotApi

METHODS = MethodTable()


async def _send_media(api: BotApi, params: Params, kind: MediaKind) -> Any:
    """sendPhoto, sendVoice, sendDocument: a file_id sent before, or a multipart upload."""
    chat_id = params.chat_id()
    caption = read_caption(params) or FormattedText("")
    markup = validate_reply_markup(params.get_json("reply_markup"))
    reply_to, allow_without_reply = reply_target(params)
    upload = params.get_upload(kind)
    file_id = None if upload else params.get_str(kind)
    if upload is None and not file_id:
        raise bad_request(f"there is no {kind} in the request")
    if upload is not None and not upload.data:
        raise bad_request("file must be non-empty")
    media = api.state.files.require(file_id, kind) if file_id else None
    api.state.require_reachable(chat_id)
    api.throttle(chat_id)
    if upload is not None:
        content_type = upload.content_type
        media = api.state.files.add(
            kind,
            file_name=upload.filename or ("file" if kind == "document" else None),
            # aiohttp fills in octet-stream when a part names no type; guess from the name.
            mime_type=None if content_type == "application/octet-stream" else content_type,
            content=upload.data,
        )
    return api.state.bot_sends(
        chat_id,
        caption,
        html=html_source(params.get_str("caption"), params.get_str("parse_mode")),
        reply_markup=markup,
        reply_to_message_id=reply_to,
        allow_sending_without_reply=allow_without_reply,
        media=media,
    )


@METHODS.method("sendPhoto")
async def send_photo(api: BotApi, params: Params) -> Any:
    return await _send_media(api, params, "photo")


@METHODS.method("sendVoice")
async def send_voice(api: BotApi, params: Params) -> Any:
    return await _send_media(api, params, "voice")


@METHODS.method("sendDocument")
async def send_document(api: BotApi, params: Params) -> Any:
    return await _send_media(api, params, "document")


@METHODS.method("getFile")
async def get_file(api: BotApi, params: Params) -> Any:
    """A ``File`` whose ``file_path`` downloads from ``/file/bot<token>/``; 20 MB at most."""
    return api.state.files.get_file(params.get_str("file_id") or "")
