"""Webhook delivery as Telegram does it: POST each pending update to the bot's URL.

While a webhook is set, getUpdates answers 409 and this loop takes the pending
updates instead: one update per chat at a time, in order, and up to
``max_connections`` chats at once. A 2xx answer confirms an update; anything else
(another status, a refused connection, no answer within ``answer_timeout``) keeps
it pending and tries again after a back-off: ``first_retry`` seconds, doubling on
each failure of that update up to ``longest_retry`` (1, 2, 4 … 60 s by default).
Only that chat waits; other chats go on. An update is retried until delivered or
dropped (deleteWebhook / setWebhook with drop_pending_updates), as Telegram keeps
updates for a day. The answer's body is read and ignored: replying with a method
in the body, which Telegram allows, is not supported.

The sandbox delivers only to loopback hosts (it must never call out of the
machine), on any port, over http or https; https is checked against the system's
CAs, a CA file given to the server, and the certificate uploaded with setWebhook.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import json
import logging
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.wakeup import Wakeup

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
DEFAULT_MAX_CONNECTIONS = 40
_GETUPDATES_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_SET_WEBHOOK_CONFLICT = "Conflict: terminated by setWebhook request"


@dataclass(frozen=True)
class WebhookTiming:
    """How patient delivery is; tests shorten it."""

    answer_timeout: float = 60.0  # seconds for the bot to answer one update
    first_retry: float = 1.0  # seconds before the first re-delivery
    longest_retry: float = 60.0  # the back-off doubles up to this

    def retry_delay(self, failures: int) -> float:
        """Seconds to wait after an update's ``failures``-th failed delivery (1, 2, …)."""
        return min(self.longest_retry, self.first_retry * 2.0 ** (failures - 1))


@dataclass(frozen=True)
class WebhookSettings:
    """What setWebhook registered; kept across restarts with the rest of the state."""

    url: str
    secret_token: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    allowed_updates: list[str] | None = None  # as given, for getWebhookInfo
    certificate: str | None = None  # PEM of the uploaded self-signed certificate


@dataclass
class _Retry:
    failures: int
    due: float  # on the monotonic clock


class Webhook:
    """The registered webhook (if any), its delivery loop and its last error."""

    def __init__(
        self,
        updates: UpdateQueue,
        *,
        timing: WebhookTiming = WebhookTiming(),
        ca_file: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._updates = updates
        self._timing = timing
        self._ca_file = ca_file
        self._clock = clock
        self.settings: WebhookSettings | None = None
        self._last_error: tuple[int, str] | None = None
        self._kick = Wakeup()  # a delivery ended, or a webhook was set or deleted
        self._loop: asyncio.Task[None] | None = None
        self._in_flight: dict[Any, asyncio.Task[None]] = {}  # by chat
        self._retries: dict[int, _Retry] = {}  # by update_id
        self._session: aiohttp.ClientSession | None = None
        self._started = False
        # setWebhook and deleteWebhook one at a time: two at once (instances starting
        # together) would each start a delivery loop, one with the settings replaced.
        self._changing = asyncio.Lock()

    @property
    def active(self) -> bool:
        return self.settings is not None

    def refuse_polling(self) -> None:
        """getUpdates: Telegram's 409 while a webhook is set."""
        if self.active:
            raise ApiError(409, _GETUPDATES_CONFLICT)

    async def set(
        self,
        url: str,
        *,
        secret_token: str | None,
        max_connections: int | None,
        allowed_updates: list[str] | None,
        certificate: bytes | None,
        drop_pending_updates: bool,
    ) -> None:
        """setWebhook: check everything first, then replace the webhook and deliver."""
        _check_url(url)
        if secret_token is not None and not _SECRET.fullmatch(secret_token):
            raise bad_request("secret token contains unallowed characters")
        connections = DEFAULT_MAX_CONNECTIONS if max_connections is None else max_connections
        if not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        pem = _certificate_pem(certificate) if certificate is not None else None
        if allowed_updates is None:  # "the previous setting will be used"
            shown = self.settings.allowed_updates if self.settings else None
        else:
            shown = allowed_updates or None  # an empty list is the default set
        settings = WebhookSettings(url, secret_token, connections, shown, pem)
        self._ssl_context(settings)  # a certificate that does not load fails here
        async with self._changing:
            await self._stop_delivery()
            if drop_pending_updates:
                self._updates.drop_pending()
            if allowed_updates is not None:
                self._updates.allow(allowed_updates)
            self._updates.interrupt(_SET_WEBHOOK_CONFLICT)  # a long poll ends, as on Telegram
            self.settings = settings
            self._last_error = None
            if self._started:
                self._start_delivery()

    async def delete(self, *, drop_pending_updates: bool) -> None:
        """deleteWebhook: stop delivering; what is pending waits for getUpdates."""
        async with self._changing:
            await self._stop_delivery()
            self.settings = None
            self._last_error = None
            if drop_pending_updates:
                self._updates.drop_pending()

    def info(self) -> dict[str, Any]:
        """getWebhookInfo, with Telegram's fields (optional ones only when they apply)."""
        settings = self.settings
        info: dict[str, Any] = {
            "url": settings.url if settings else "",
            "has_custom_certificate": bool(settings and settings.certificate),
            "pending_update_count": len(self._updates.pending),
        }
        if settings is None:
            return info
        if self._last_error is not None:
            info["last_error_date"], info["last_error_message"] = self._last_error
        info["max_connections"] = settings.max_connections
        if settings.allowed_updates is not None:
            info["allowed_updates"] = settings.allowed_updates
        return info

    def dump(self) -> dict[str, Any] | None:
        return asdict(self.settings) if self.settings else None

    def load(self, data: dict[str, Any] | None) -> None:
        """Take over a dumped webhook; delivery resumes at ``start()``."""
        self.settings = WebhookSettings(**data) if data else None

    def start(self) -> None:
        """The server is up: deliver if a webhook is set (also one loaded from a restart)."""
        self._started = True
        if self.settings is not None:
            self._start_delivery()

    async def stop(self) -> None:
        self._started = False
        await self._stop_delivery()

    # Delivery ---------------------------------------------------------------------

    def _start_delivery(self) -> None:
        assert self.settings is not None
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=self.settings.max_connections, ssl=self._ssl_context(self.settings)
            ),
            timeout=aiohttp.ClientTimeout(total=self._timing.answer_timeout),
        )
        self._loop = asyncio.create_task(self._deliver_forever(self.settings, self._session))

    async def _stop_delivery(self) -> None:
        tasks = [*self._in_flight.values(), *([self._loop] if self._loop else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._in_flight.clear()
        self._retries.clear()
        self._loop = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver_forever(
        self, settings: WebhookSettings, session: aiohttp.ClientSession
    ) -> None:
        while not self._updates.closed:
            next_due = self._start_due(settings, session)
            wait = 1.0 if next_due is None else max(0.0, next_due - time.monotonic())
            await _first_of(self._updates.wait_for_change(wait), self._kick.wait(wait))

    def _start_due(self, settings: WebhookSettings, session: aiohttp.ClientSession) -> float | None:
        """Start delivering each chat's oldest update where allowed; the next retry's time."""
        if len(self._in_flight) >= settings.max_connections:
            return None  # a delivery that ends wakes the loop again
        now = time.monotonic()
        next_due: float | None = None
        seen: set[Any] = set()
        for update in self._updates.pending:
            chat = _chat_of(update)
            if chat in seen:
                continue  # a later update of a chat waits for the earlier one
            seen.add(chat)
            if chat in self._in_flight:
                continue
            retry = self._retries.get(update["update_id"])
            if retry is not None and retry.due > now:
                next_due = retry.due if next_due is None else min(next_due, retry.due)
                continue
            if len(self._in_flight) >= settings.max_connections:
                break
            self._in_flight[chat] = asyncio.create_task(
                self._deliver(settings, session, chat, update)
            )
        return next_due

    async def _deliver(
        self,
        settings: WebhookSettings,
        session: aiohttp.ClientSession,
        chat: Any,
        update: dict[str, Any],
    ) -> None:
        update_id = update["update_id"]
        try:
            error = await _post(settings, session, update)
            if error is None:
                self._retries.pop(update_id, None)
                self._updates.remove(update_id)
            else:
                earlier = self._retries.get(update_id)
                failures = earlier.failures + 1 if earlier is not None else 1
                delay = self._timing.retry_delay(failures)
                self._retries[update_id] = _Retry(failures, time.monotonic() + delay)
                self._last_error = (int(self._clock()), error)
                log.debug("webhook delivery of update %s failed: %s", update_id, error)
        finally:
            self._in_flight.pop(chat, None)
            self._kick.notify()

    def _ssl_context(self, settings: WebhookSettings) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self._ca_file is not None:
            context.load_verify_locations(cafile=str(self._ca_file))
        if settings.certificate is not None:
            try:
                context.load_verify_locations(cadata=settings.certificate)
            except ssl.SSLError:
                raise bad_request("bad webhook: Failed to set custom certificate file") from None
        return context


async def _post(
    settings: WebhookSettings, session: aiohttp.ClientSession, update: dict[str, Any]
) -> str | None:
    """One delivery; ``None`` when the bot answered 2xx, else Telegram's words for what
    went wrong."""
    headers = {"Content-Type": "application/json"}
    if settings.secret_token is not None:
        headers[SECRET_HEADER] = settings.secret_token
    try:
        # Telegram follows no redirect: a 3xx is a wrong response like any other.
        async with session.post(
            settings.url, data=json.dumps(update), headers=headers, allow_redirects=False
        ) as answer:
            await answer.read()  # a method call in the body is not carried out
            if 200 <= answer.status < 300:
                return None
            return f"Wrong response from the webhook: {answer.status} {answer.reason or ''}".strip()
    except TimeoutError:
        return "Read timeout expired"
    except aiohttp.ClientConnectorCertificateError as error:
        return f"SSL error {{{error.certificate_error}}}"
    except aiohttp.ClientSSLError as error:
        return f"SSL error {{{error}}}"
    except aiohttp.ClientConnectorError as error:
        if error.os_error.errno == errno.ECONNREFUSED:
            return "Connection refused"
        return error.os_error.strerror or str(error)
    except aiohttp.ServerDisconnectedError:
        return "Connection closed by the webhook"
    except aiohttp.ClientError as error:
        return str(error) or type(error).__name__


def _check_url(url: str) -> None:
    """http(s) to a loopback host only: the sandbox never calls out of this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: an HTTP or HTTPS URL must be provided for webhook")
    if not _is_loopback(parts.hostname):
        raise bad_request(
            f"bad webhook: the sandbox delivers only to this machine; {parts.hostname} is not "
            "a loopback host (use localhost, 127.0.0.1 or [::1])"
        )
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise bad_request("bad webhook: invalid port in the webhook URL") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _certificate_pem(upload: bytes) -> str:
    """The uploaded certificate as PEM; Telegram takes PEM, and DER is converted."""
    try:
        if upload.lstrip().startswith(b"-----BEGIN"):
            return upload.decode("ascii")
        return ssl.DER_cert_to_PEM_cert(upload)
    except (UnicodeDecodeError, ValueError):
        raise bad_request("bad webhook: Failed to set custom certificate file") from None


def _chat_of(update: dict[str, Any]) -> Any:
    """The chat an update belongs to, which orders its delivery; ``None`` for none."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if chat:
            return chat["id"]
        sender = payload.get("from")
        if sender:
            return sender["id"]
    return None


async def _first_of(*waits: Any) -> None:
    """Wait until the first of these awaitables finishes; cancel the rest."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
