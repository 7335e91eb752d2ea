"""The bot's messages: sendMessage, copyMessage, the two edits, sendChatAction, and
answerCallbackQuery (the answer to a button press)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.message_params import html_source, read_caption, reply_target
from bot.sandbox.botapi.table import MethodTable
from bot.sandbox.errors import bad_request
from bot.sandbox.html import format_message_text
from bot.sandbox.markup import validate_reply_markup
from bot.sandbox.params import Params

if TYPE_CHECKING:  # for annotations only: routes.py imports this module
    from bot.sandbox.botapi.routes import BotApi

METHODS = MethodTable()


@METHODS.method("sendMessage")
async def send_message(api: BotApi, params: Params) -> Any:
    chat_id = params.chat_id()
    source = params.get_str("text", "") or ""
    parse_mode = params.get_str("parse_mode")
    formatted = format_message_text(source, parse_mode)
    markup = validate_reply_markup(params.get_json("reply_markup"))
    reply_to, allow_without_reply = reply_target(params)
    api.state.require_reachable(chat_id)
    api.throttle(chat_id)
    return api.state.bot_sends(
        chat_id,
        formatted,
        html=html_source(source, parse_mode),
        reply_markup=markup,
        reply_to_message_id=reply_to,
        allow_sending_without_reply=allow_without_reply,
    )


@METHODS.method("copyMessage")
async def copy_message(api: BotApi, params: Params) -> Any:
    """Resend a message's content without a link to the original; answers a ``MessageId``."""
    chat_id = params.chat_id()
    from_chat_id = params.chat_id("from_chat_id")
    message_id = params.required_int("message_id", "message identifier is not specified")
    caption = read_caption(params)
    markup = validate_reply_markup(params.get_json("reply_markup"))
    reply_to, allow_without_reply = reply_target(params)
    api.state.require_reachable(chat_id)
    api.state.message_to_copy(from_chat_id, message_id)  # before the send is counted
    api.throttle(chat_id)
    return api.state.bot_copies(
        chat_id,
        from_chat_id,
        message_id,
        caption=caption,
        caption_html=html_source(params.get_str("caption"), params.get_str("parse_mode")),
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


@METHODS.method("editMessageText")
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


@METHODS.method("editMessageReplyMarkup")
async def edit_message_reply_markup(api: BotApi, params: Params) -> Any:
    chat_id, message_id = _edit_target(params)
    markup = validate_reply_markup(params.get_json("reply_markup"), inline_only=True)
    api.state.require_reachable(chat_id)
    api.throttle(chat_id)
    return api.state.bot_edits(chat_id, message_id, formatted=None, reply_markup=markup)


@METHODS.method("answerCallbackQuery")
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


@METHODS.method("sendChatAction")
async def send_chat_action(api: BotApi, params: Params) -> Any:
    api.state.require_reachable(params.chat_id())
    if not params.has("action"):
        raise bad_request("action is empty")
    return True
