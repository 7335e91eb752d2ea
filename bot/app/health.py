"""/healthz, /readyz and /metrics on a local port of their own ([health] in the config).

``/healthz`` answers 200 while the process serves at all. ``/readyz`` answers 200 only
when the database answers, its schema is the one this code migrates to, and the Bot API
answered lately (else it asks getMe once, now); its JSON body says which of those
passed and whether this instance leads. ``/metrics`` is Prometheus's text format, the
outbox's depth counted at the scrape. Nothing here is the webhook's server: a probe never
waits behind updates, and the webhook's port is the only one a proxy needs to expose.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import TelegramError

from bot.core.clock import Clock
from bot.core.config import HealthConfig
from bot.core.metrics import Metrics
from bot.outbox.depth import outbox_depth
from db.migrate import current_revision, head_revision

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds: a probe that waits longer than this has its answer


class HealthUnavailable(Exception):
    """The health port cannot be listened on; the message is one line for people."""


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


class HealthServer:
    def __init__(
        self,
        *,
        settings: HealthConfig,
        sessionmaker: async_sessionmaker[AsyncSession],
        bot: Bot,
        metrics: Metrics,
        clock: Clock,
        leading: Callable[[], bool],
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._engine: AsyncEngine = sessionmaker.kw["bind"]
        self._bot = bot
        self._metrics = metrics
        self._clock = clock
        self._leading = leading
        self._head = head_revision()  # read once: the code does not change while it runs
        self._asking = asyncio.Lock()  # one getMe at a time, however many probes wait
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The port it listens on (the one the system chose, when asked for 0)."""
        if self._runner is None or not self._runner.addresses:
            return self._settings.port
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._alive)
        app.router.add_get("/readyz", self._ready)
        app.router.add_get("/metrics", self._metrics_page)
        self._runner = web.AppRunner(app, access_log=None)  # a probe every few seconds
        await self._runner.setup()
        settings = self._settings
        try:
            await web.TCPSite(self._runner, settings.listen, settings.port).start()
        except OSError as error:
            await self.stop()
            raise HealthUnavailable(
                f"cannot serve health and metrics on {settings.listen}:{settings.port}: "
                f"{error.strerror or error}; set health.port (FRIZON_HEALTH_PORT) to a free port"
            ) from None
        log.info(
            "health and metrics on http://%s:%s (/healthz, /readyz, /metrics)",
            self._settings.listen,
            self.port,
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _alive(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _ready(self, request: web.Request) -> web.Response:
        database, schema = await self._database_checks()
        checks = {"database": database, "schema": schema, "bot_api": await self._bot_api_check()}
        ready = all(check.ok for check in checks.values())
        body = {
            "ready": ready,
            "role": "leader" if self._leading() else "follower",
            "checks": {name: check.as_json() for name, check in checks.items()},
        }
        return web.json_response(body, status=200 if ready else 503)

    async def _database_checks(self) -> tuple[Check, Check]:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                revision = await current_revision(self._engine)
        except Exception as error:  # whatever it is, the database is not answering
            # The class only: a driver's message may name the host, the user or a password.
            return Check(False, f"unreachable ({type(error).__name__})"), Check(False, "unknown")
        if revision != self._head:
            return Check(True, "reachable"), Check(
                False, f"at {revision or 'nothing'}; this frizon needs {self._head}"
            )
        return Check(True, "reachable"), Check(True, f"at head ({self._head})")

    async def _bot_api_check(self) -> Check:
        within = self._settings.bot_api_within.total_seconds()
        since = self._metrics.since_bot_api_answered()
        if since is None or since > within:
            async with self._asking:
                await self._ask_bot_api(within)
            since = self._metrics.since_bot_api_answered()
        if since is None or since > within:
            return Check(False, f"no answer in the last {within:.0f} s")
        return Check(True, f"answered {since:.0f} s ago")

    async def _ask_bot_api(self, within: float) -> None:
        """getMe, unless another probe's getMe was answered while this one waited."""
        since = self._metrics.since_bot_api_answered()
        if since is not None and since <= within:
            return
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self._bot.get_me()  # the request itself records any answer
        except (TelegramError, TimeoutError) as error:
            log.info("readiness: the Bot API did not answer getMe (%s)", type(error).__name__)

    async def _metrics_page(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), self._sessionmaker() as session:
                self._metrics.set_outbox_depth(await outbox_depth(session, now=self._clock.now()))
        except Exception as error:  # the rest is still worth scraping; the error is counted
            log.info("metrics: the outbox could not be counted (%s)", type(error).__name__)
            self._metrics.set_outbox_depth(())
        return web.Response(
            body=self._metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
