"""Receiving updates by webhook: answered 200 only once handled and committed.

PTB's own webhook server answers Telegram before the handlers run, so a process that
dies mid-update loses it. Here a request is checked (the secret header, compared in
constant time: 403 and nothing touched without it; 400 for a body that is not an
update), waits for its chat's turn (``chat_order``: in order per chat, across instances
on PostgreSQL), is skipped if it was handled before, else handled durably — and only
then answered. A failure of the moment answers 500, so Telegram delivers it again.

A handler slower than Telegram's patience makes Telegram post the update again, maybe
to another instance; that request waits for the chat's turn, finds the update handled,
and answers 200 without handling it twice.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.core.config import TelegramConfig
from bot.transport.chat_order import ChatOrder
from bot.transport.handling import DurableHandling, is_transient, lane_of

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few kilobytes; a document is a file_id


@dataclass(frozen=True)
class WebhookSettings:
    """Where Telegram posts (``url``; None: this server's own loopback address, as in the
    sandbox) and where frizon listens, behind the proxy."""

    secret_token: str
    listen: str = "127.0.0.1"
    port: int = 8443
    url: str | None = None
    path: str = "/telegram"
    max_connections: int = 40

    @classmethod
    def from_config(cls, telegram: TelegramConfig) -> WebhookSettings:
        secret = telegram.secret_token
        url = telegram.webhook_url
        return cls(
            # The sandbox needs no secret from anyone: one is made for this run.
            secret_token=secret.get_secret_value() if secret else secrets.token_urlsafe(32),
            listen=telegram.listen,
            port=telegram.port,
            url=url,
            path=(urlsplit(url).path or "/") if url else "/telegram",
            max_connections=telegram.max_connections,
        )


class WebhookServer:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        handling: DurableHandling,
        order: ChatOrder,
        settings: WebhookSettings,
    ) -> None:
        self._bot = application.bot
        self._handling = handling
        self._order = order
        self._settings = settings
        self._secret = settings.secret_token.encode()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The address Telegram is told to post to."""
        if self._settings.url is not None:
            return self._settings.url
        return f"http://{self._settings.listen}:{self.port}{self._settings.path}"

    async def register(self) -> None:
        """setWebhook: this address, the secret, every kind of update, the parallelism."""
        await self._bot.set_webhook(
            url=self.url,
            secret_token=self._settings.secret_token,
            allowed_updates=Update.ALL_TYPES,
            max_connections=self._settings.max_connections,
        )

    @property
    def port(self) -> int:
        """The port it listens on (the one the system chose, when asked for 0)."""
        if self._runner is None or not self._runner.addresses:
            return self._settings.port
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(self._settings.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)  # the URL path may hold a secret
        await self._runner.setup()
        settings = self._settings
        await web.TCPSite(self._runner, settings.listen, settings.port).start()
        log.info("webhook listening on %s:%s", settings.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("a webhook request without the right secret token was refused")
            return web.Response(status=403)
        update = await self._update_in(request)
        if update is None:
            return web.Response(status=400, text="not a Telegram update")
        try:
            async with self._order.turn_of(lane_of(update)):
                if await self._handling.processed_among([update]):
                    log.info("update %s was handled before; skipping it", update.update_id)
                    self._handling.skipped(update)
                    return web.Response()
                handled = await self._handling.handle(update)
        except Exception as error:
            if is_transient(error):
                log.warning(
                    "update %s could not be handled now; Telegram will send it again",
                    update.update_id,
                )
            else:
                log.exception("unexpected failure while handling update %s", update.update_id)
            return web.Response(status=500)
        return web.Response() if handled else web.Response(status=500)

    async def _update_in(self, request: web.Request) -> Update | None:
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return None
        try:
            return Update.de_json(data, self._bot)
        except (KeyError, TypeError, ValueError):
            return None
