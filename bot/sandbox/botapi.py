"""The ``/bot<token>/<method>`` routes: the Bot API methods frizon uses, with Telegram's errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.sandbox.commands import scope_key, validate_commands
from bot.sandbox.errors import ApiError, bad_request, too_many_requests
from bot.sandbox.faults import Fault
from bot.sandbox.html import (
    MAX_CAPTION_LENGTH,
    FormattedText,
    format_message_text,
    parse_html,
    utf16_len,
)
from bot.sandbox.limits import Limits, RateLimiter
from bot.sandbox.markup import validate_reply_markup
from bot.sandbox.params import Params, read_params
from bot.sandbox.records import MediaKind
from bot.sandbox.state import SandboxState
from bot.sandbox.webhooks import Webhook

log = logging.getLogger(__name__)

_TRIMMED = " \t\r\n\v\f\0"  # what Telegram trims around texts and captions
_ENTITIES_ERROR = "can't parse entities JSON object"

Method = Callable[["BotApi", Params], Awaitable[Any]]
_METHODS: dict[str, Method] = {}


def _method(name: str) -> Callable[[Method], Method]:
    """Register a Bot API method; Telegram matches method names case-insensitively."""

    def register(handler: Method) -> Method:
        _METHODS[name.lower()] = handler
        return handler

    return register


class BotApi:
    """Serves Bot API calls for one token against a ``SandboxState``."""

    def __init__(
        self, *, state: SandboxState, token: str, limits: Limits, webhook: Webhook
    ) -> None:
        self.state = state
        self.webhook = webhook
        self._token = token
        self._limiter = RateLimiter(limits)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self.download)

    async def handle(self, request: web.Request) -> web.Response:
        """One Bot API call: authenticate, dispatch, answer in Telegram's envelope."""
        try:
            if request.match_info["token"] != self._token:
                raise ApiError(401, "Unauthorized")
            method = _METHODS.get(request.match_info["method"].lower())
            if method is None:
                raise ApiError(404, "Not Found")
            params = await read_params(request)
            fault = self.state.faults.next_for(
                request.match_info["method"], chat_id=_chat_of(params)
            )
            if fault is not None and fault.kind == "reset":
                # The connection drops before anything is done: the client sees no answer.
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=502)
            if fault is not None and fault.kind != "slow":
                raise _fault_error(fault)
            result = await method(self, params)
            if fault is not None:  # carried out, but the answer comes too late
                await asyncio.sleep(fault.seconds)
        except ApiError as error:
            # Never log the token: only the method name.
            log.debug("%s -> %s", request.match_info["method"], error.description)
            return web.json_response(error.to_telegram(), status=error.error_code)
        return web.json_response({"ok": True, "result": result})

    async def download(self, request: web.Request) -> web.Response:
        """``/file/bot<token>/<file_path>``: a file's bytes, for a path getFile gave out.

        A wrong token or an unknown path is a 404, as on Telegram's file server.
        """
        found = None
        if request.match_info["token"] == self._token:
            found = self.state.files.download(request.match_info["file_path"])
        if found is None:
            error = ApiError(404, "Not Found")
            return web.json_response(error.to_telegram(), status=error.error_code)
        return web.Response(body=found, content_type="application/octet-stream")

    def throttle(self, chat_id: int) -> None:
        """Count one send or edit against the rate limits; 429 when over them."""
        retry_after = self._limiter.acquire(chat_id)
        if retry_after is not None:
            self.state.too_many_requests += 1  # benchmarks report how often the bot hit it
            raise too_many_requests(retry_after)


def _chat_of(params: Params) -> int | None:
    """The chat a call is about, for faults aimed at one chat; None if it names none."""
    try:
        return params.get_int("chat_id")
    except ApiError:
        return None


def _fault_error(fault: Fault) -> ApiError:
    if fault.kind == "too_many_requests":
        return too_many_requests(max(1, round(fault.seconds)))
    return ApiError(502, "Bad Gateway")


@_method("getMe")
async def get_me(api: BotApi, params: Params) -> Any:
    return {
        **api.state.bot.to_telegram(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@_method("getUpdates")
async def get_updates(api: BotApi, params: Params) -> Any:
    api.webhook.refuse_polling()
    return await api.state.updates.get(
        offset=params.get_int("offset"),
        limit=min(100, max(1, params.get_int("limit", 100) or 100)),
        wait_seconds=max(0, params.get_int("timeout", 0) or 0),
        allowed_updates=_allowed_updates(params),
    )


def _allowed_updates(params: Params) -> list[str] | None:
    allowed = params.get_json("allowed_updates")
    if allowed is not None and not (
        isinstance(allowed, list) and all(isinstance(kind, str) for kind in allowed)
    ):
        raise bad_request("allowed_updates must be an array of strings")
    return allowed


@_method("setWebhook")
async def set_webhook(api: BotApi, params: Params) -> Any:
    """Deliver updates by POST (bot/sandbox/webhooks.py); an empty url removes the webhook."""
    url = params.get_str("url", "") or ""
    drop = params.get_bool("drop_pending_updates")
    if not url:
        await api.webhook.delete(drop_pending_updates=drop)
        return True
    certificate = params.get_upload("certificate")
    await api.webhook.set(
        url,
        secret_token=params.get_str("secret_token") or None,
        max_connections=params.get_int("max_connections"),
        allowed_updates=_allowed_updates(params),
        certificate=certificate.data if certificate is not None else None,
        drop_pending_updates=drop,
    )
    return True


@_method("getWebhookInfo")
async def get_webhook_info(api: BotApi, params: Params) -> Any:
    return api.webhook.info()


async def _true(api: BotApi, params: Params) -> Any:
    """Methods with nothing to simulate; Telegram answers ``true``."""
    return True


for _name in ("logOut", "close", "setChatMenuButton"):
    _method(_name)(_true)


@_method("deleteWebhook")
async def delete_webhook(api: BotApi, params: Params) -> Any:
    await api.webhook.delete(drop_pending_updates=params.get_bool("drop_pending_updates"))
    return True


@_method("sendChatAction")
async def send_chat_action(api: BotApi, params: Params) -> Any:
    api.state.require_reachable(params.chat_id())
    if not params.has("action"):
        raise bad_request("action is empty")
    return True


def _reply_target(params: Params) -> tuple[int | None, bool]:
    """The message to reply to and allow_sending_without_reply, old style or reply_parameters."""
    reply = params.get_json("reply_parameters") or {}
    if not isinstance(reply, dict):
        raise bad_request("can't parse reply parameters JSON object")
    reply_to = reply.get("message_id", params.get_int("reply_to_message_id"))
    allow = reply.get("allow_sending_without_reply") or params.get_bool(
        "allow_sending_without_reply"
    )
    return (int(reply_to) if reply_to is not None else None), bool(allow)


def _html_source(source: str | None, parse_mode: str | None) -> str | None:
    """The source to keep as ``html``: only what was sent with parse mode HTML."""
    return source if (parse_mode or "").lower() == "html" else None


@_method("sendMessage")
async def send_message(api: BotApi, params: Params) -> Any:
    chat_id = params.chat_id()
    source = params.get_str("text", "") or ""
    parse_mode = params.get_str("parse_mode")
    formatted = format_message_text(source, parse_mode)
    markup = validate_reply_markup(params.get_json("reply_markup"))
    reply_to, allow_without_reply = _reply_target(params)
    api.state.require_reachable(chat_id)
    api.throttle(chat_id)
    return api.state.bot_sends(
        chat_id,
        formatted,
        html=_html_source(source, parse_mode),
        reply_markup=markup,
        reply_to_message_id=reply_to,
        allow_sending_without_reply=allow_without_reply,
    )


def _caption(params: Params) -> FormattedText | None:
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


async def _send_media(api: BotApi, params: Params, kind: MediaKind) -> Any:
    """sendPhoto, sendVoice, sendDocument: a file_id sent before, or a multipart upload."""
    chat_id = params.chat_id()
    caption = _caption(params) or FormattedText("")
    markup = validate_reply_markup(params.get_json("reply_markup"))
    reply_to, allow_without_reply = _reply_target(params)
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
        html=_html_source(params.get_str("caption"), params.get_str("parse_mode")),
        reply_markup=markup,
        reply_to_message_id=reply_to,
        allow_sending_without_reply=allow_without_reply,
        media=media,
    )


@_method("sendPhoto")
async def send_photo(api: BotApi, params: Params) -> Any:
    return await _send_media(api, params, "photo")


@_method("sendVoice")
async def send_voice(api: BotApi, params: Params) -> Any:
    return await _send_media(api, params, "voice")


@_method("sendDocument")
async def send_document(api: BotApi, params: Params) -> Any:
    return await _send_media(api, params, "document")


@_method("getFile")
async def get_file(api: BotApi, params: Params) -> Any:
    """A ``File`` whose ``file_path`` downloads from ``/file/bot<token>/``; 20 MB at most."""
    return api.state.files.get_file(params.get_str("file_id") or "")


@_method("copyMessage")
async def copy_message(api: BotApi, params: Params) -> Any:
    """Resend a message's content without a link to the original; answers a ``MessageId``."""
    chat_id = params.chat_id()
    from_chat_id = params.chat_id("from_chat_id")
    message_id = params.required_int("message_id", "message identifier is not specified")
    caption = _caption(params)
    markup = validate_reply_markup(params.get_json("reply_markup"))
    reply_to, allow_without_reply = _reply_target(params)
    api.state.require_reachable(chat_id)
    api.state.message_to_copy(from_chat_id, message_id)  # before the send is counted
    api.throttle(chat_id)
    return api.state.bot_copies(
        chat_id,
        from_chat_id,
        message_id,
        caption=caption,
        caption_html=_html_source(params.get_str("caption"), params.get_str("parse_mode")),
        reply_markup=markup,
        reply_to_message_id=reply_to,
        allow_sending_without_reply=allow_without_reply,
    )


def _edit_target(params: Params) -> tuple[int, int]:
    if params.has("inline_message_id"):
        raise bad_request("message to edit not found")  # no inline mode in the sandbox
    return params.chat_id(), params.required_int(
        "message_id", "message identifier is not specified"
    )


@_method("editMessageText")
async def edit_message_text(api: BotApi, params: Params) -> Any:
    chat_id, message_id = _edit_target(params)
    source = params.get_str("text", "") or ""
    parse_mode = params.get_str("parse_mode")
    formatted = format_message_text(source, parse_mode)
    markup = validate_reply_markup(params.get_json("reply_markup"), inline_only=True)
    api.state.require_reachable(chat_id)
    api.throttle(chat_id)
    return api.state.bot_edits(
        chat_id,
        message_id,
        formatted=formatted,
        html=source if (parse_mode or "").lower() == "html" else None,
        reply_markup=markup,
    )


@_method("editMessageReplyMarkup")
async def edit_message_reply_markup(api: BotApi, params: Params) -> Any:
    chat_id, message_id = _edit_target(params)
    markup = validate_reply_markup(params.get_json("reply_markup"), inline_only=True)
    api.state.require_reachable(chat_id)
    api.throttle(chat_id)
    return api.state.bot_edits(chat_id, message_id, formatted=None, reply_markup=markup)


@_method("answerCallbackQuery")
async def answer_callback_query(api: BotApi, params: Params) -> Any:
    query_id = params.get_str("callback_query_id")
    if not query_id:
        raise bad_request("query_id is empty")
    text = params.get_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    api.state.callbacks.answer(
        query_id, text=text, show_alert=params.get_bool("show_alert"), url=params.get_str("url")
    )
    return True


def _command_scope(api: BotApi, params: Params) -> tuple[str, str]:
    scope = params.get_json("scope")
    if scope is not None and not isinstance(scope, dict):
        raise bad_request("can't parse scope JSON object")
    key = scope_key(scope)
    if key.startswith("chat:"):
        api.state.require_chat(int(key.removeprefix("chat:")))
    return key, params.get_str("language_code", "") or ""


@_method("setMyCommands")
async def set_my_commands(api: BotApi, params: Params) -> Any:
    commands = validate_commands(params.get_json("commands"))
    api.state.commands.set(*_command_scope(api, params), commands)
    api.state.changed()  # the page shows the new menu
    return True


@_method("getMyCommands")
async def get_my_commands(api: BotApi, params: Params) -> Any:
    return api.state.commands.get(*_command_scope(api, params))


@_method("deleteMyCommands")
async def delete_my_commands(api: BotApi, params: Params) -> Any:
    api.state.commands.delete(*_command_scope(api, params))
    api.state.changed()
    return True
