"""How the bot talks HTTP to the Bot API: python-telegram-bot's request interface on aiohttp.

PTB's default client (httpx) checks every pooled connection on every request, which
cost the sender most of its time at a few hundred messages a second; aiohttp, already
used by the sandbox server, does not. Errors map to PTB's as its own client does:
time-outs to TimedOut, other transport failures to NetworkError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# The same defaults as PTB's own client, in seconds.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0


class AiohttpRequest(BaseRequest):
    """At most `connections` requests at once; more wait up to the pool time-out.
    `answered` is told of every answer that shows the Bot API working (for /readyz)."""

    def __init__(
        self, connections: int = 256, *, answered: Callable[[], None] | None = None
    ) -> None:
        self._connections = connections
        self._answered = answered
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout = aiohttp.ClientTimeout(
            # aiohttp's "connect" includes waiting for a pooled connection; its read time-out
            # starts once the request is written, so a long upload is not cut short by it.
            connect=_add(
                _seconds(connect_timeout, CONNECT_TIMEOUT), _seconds(pool_timeout, POOL_TIMEOUT)
            ),
            sock_read=_seconds(read_timeout, READ_TIMEOUT),
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                body = await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        if self._answered is not None and _answered(response.status):
            self._answered()
        return response.status, body


def _answered(status: int) -> bool:
    """The Bot API is there and takes the token: anything but a server error, and but
    401 or 404 (what it answers to a token it does not know)."""
    return status < 500 and status not in (401, 404)


def _body(request_data: RequestData | None) -> Any:
    """Form fields (each JSON-encoded, as the Bot API expects), multipart when there are files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename or name, content_type=mimetype)
    return form


def _seconds(value: ODVInput[float], default: float) -> float | None:
    if isinstance(value, DefaultValue):
        return default
    return value


def _add(first: float | None, second: float | None) -> float | None:
    """None means no limit, and no limit plus anything is still none."""
    return None if first is None or second is None else first + second
