"""The ``/bot<token>/<method>`` routes: check the token, find the method, carry out a test's
fault, answer in Telegram's envelope; and the file downloads getFile points to."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from bot.sandbox.botapi import bot_settings, media, messages, updates
from bot.sandbox.botapi.table import MethodTable
from bot.sandbox.errors import ApiError, too_many_requests
from bot.sandbox.faults import Fault
from bot.sandbox.limits import Limits, RateLimiter
from bot.sandbox.params import Params, read_params
from bot.sandbox.state import SandboxState
from bot.sandbox.webhooks import Webhook

log = logging.getLogger(__name__)

# The methods frizon uses, each in the module of its area.
METHODS = MethodTable.joined(updates.METHODS, messages.METHODS, media.METHODS, bot_settings.METHODS)


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
            method = METHODS.get(request.match_info["method"])
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
            self.state.too_many_at = [*self.state.too_many_at[-999:], time.monotonic()]
            self.state.too_many_by_limit.update(
                overall=self._limiter.refused_overall, per_chat=self._limiter.refused_per_chat
            )
            raise too_many_requests(retry_after)
        self.state.limited_calls += 1


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
