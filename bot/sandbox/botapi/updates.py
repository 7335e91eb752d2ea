"""How updates reach the bot: getUpdates, or a webhook (set, asked about, deleted); and
logOut and close, which end a bot's session with a server and change nothing here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.table import MethodTable, answer_true
from bot.sandbox.errors import bad_request
from bot.sandbox.params import Params

if TYPE_CHECKING:  # for annotations only: routes.py imports this module
    from bot.sandbox.botapi.routes import BotApi

METHODS = MethodTable()


@METHODS.method("getUpdates")
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


@METHODS.method("setWebhook")
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


@METHODS.method("getWebhookInfo")
async def get_webhook_info(api: BotApi, params: Params) -> Any:
    return api.webhook.info()


@METHODS.method("deleteWebhook")
async def delete_webhook(api: BotApi, params: Params) -> Any:
    await api.webhook.delete(drop_pending_updates=params.get_bool("drop_pending_updates"))
    return True


METHODS.add("logOut", answer_true)
METHODS.add("close", answer_true)
