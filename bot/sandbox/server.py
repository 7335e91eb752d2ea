"""``SandboxServer``: the fake Bot API and the web page on one local aiohttp server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sandbox.botapi import BotApi
from bot.sandbox.limits import Limits
from bot.sandbox.state import SandboxState
from bot.sandbox.web import Control, Panel, SandboxPage
from bot.sandbox.webhooks import Webhook, WebhookTiming

log = logging.getLogger(__name__)

_DEFAULT_BOT_ID = 7000000001
# Telegram takes uploads from bots up to 50 MB; aiohttp's own default would stop at 1 MB.
MAX_REQUEST_SIZE = 50 * 1024 * 1024


class SandboxServer:
    """Serves ``/bot<token>/<method>`` and the page at ``url``; start and stop it in one loop.

    When ``state`` is given, its bot identity is replaced by the one this
    server announces (``bot_username``, and the id from the token's prefix).
    ``webhook_ca_file`` is a CA (PEM) to trust for https webhooks besides the
    system's and a certificate uploaded with setWebhook; ``webhook_timing`` sets
    how long a webhook may take to answer and how re-deliveries back off.
    """

    def __init__(
        self,
        *,
        token: str,
        host: str = "127.0.0.1",
        port: int = 8765,
        limits: Limits = Limits(),  # noqa: B008 - frozen, so a shared default is safe
        bot_username: str = "frizon_sandbox_bot",
        state: SandboxState | None = None,
        webhook_ca_file: Path | None = None,
        webhook_timing: WebhookTiming = WebhookTiming(),  # noqa: B008 - frozen
    ) -> None:
        self._host = host
        self._port = port
        self._state = state if state is not None else SandboxState()
        self._state.bot = replace(self._state.bot, id=_bot_id(token), username=bot_username)
        self._page = SandboxPage(self._state)
        self._app = web.Application(client_max_size=MAX_REQUEST_SIZE)
        self._webhook = Webhook(self._state.updates, timing=webhook_timing, ca_file=webhook_ca_file)
        BotApi(state=self._state, token=token, limits=limits, webhook=self._webhook).add_routes(
            self._app
        )
        self._page.add_routes(self._app)
        self._runner: web.AppRunner | None = None

    @property
    def state(self) -> SandboxState:
        return self._state

    @property
    def port(self) -> int:
        """The port; after ``start()`` the real one (even when 0 asked for any)."""
        return self._port

    @property
    def url(self) -> str:
        """``http://host:port``; after ``start()`` the port is the real one (even for 0)."""
        return f"http://{self._host}:{self._port}"

    @property
    def bot_api_base_url(self) -> str:
        """For PTB's ``base_url``: it appends the token itself."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """For PTB's ``base_file_url``: where getFile's paths download from (token appended)."""
        return f"{self.url}/file/bot"

    def set_panels(self, panels: Sequence[Panel]) -> None:
        """The chats the page shows, side by side."""
        self._page.set_panels(panels)

    def add_control(
        self,
        name: str,
        label: str,
        handler: Callable[[], Awaitable[str]],
        *,
        confirm: str | None = None,
        reload: bool = False,
    ) -> None:
        """A page button; pressing it awaits ``handler`` and shows the text it returns
        (after the question ``confirm``; reloading the page after it with ``reload``)."""
        self._page.add_control(Control(name, label, handler, confirm, reload))

    def set_clock(self, now: Callable[[], datetime], timezone: str) -> None:
        """The time the page shows (its clock line and every message's time), in
        ``timezone``: the sandbox's moved clock, in the demo programme's zone."""
        self._page.set_clock(now, timezone)

    def dump(self) -> dict[str, Any]:
        """The fake Telegram, its webhook and the page, as JSON values (see
        ``bot.sandbox.store``)."""
        return {
            "telegram": self._state.dump(),
            "page": self._page.dump(),
            "webhook": self._webhook.dump(),
        }

    def load(self, data: dict[str, Any]) -> None:
        """Go on from ``dump``; before ``start()``, on a server with nothing in it yet."""
        self._state.load(data["telegram"])
        self._page.load(data["page"])
        self._webhook.load(data.get("webhook"))  # absent in files from before webhooks

    async def start(self) -> None:
        # access_log=None: aiohttp would log every URL, and Bot API URLs contain the token.
        self._runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        log.info("sandbox listening on %s", self.url)
        self._webhook.start()

    async def stop(self) -> None:
        """Release long polls, then shut the server down."""
        self._state.close()
        await self._webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _bot_id(token: str) -> int:
    """Telegram tokens start with the bot's id (``123456:ABC...``)."""
    prefix = token.split(":", 1)[0]
    return int(prefix) if prefix.isdigit() else _DEFAULT_BOT_ID
