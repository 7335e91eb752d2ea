"""The page's controls (buttons the application adds: move the clock, reset the demo) and
the sandbox's clock line."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.sandbox.web.json_api import error_response

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Control:
    """A page button that runs ``handler`` and shows the text it returns.

    With ``confirm`` the page asks that question first; with ``reload`` it reloads
    once the sandbox has started again (the control restarts it)."""

    name: str
    label: str
    handler: Callable[[], Awaitable[str]]
    confirm: str | None = None
    reload: bool = False


class Controls:
    """The controls by name, and the time the page shows (the sandbox's, maybe moved)."""

    def __init__(self) -> None:
        self._by_name: dict[str, Control] = {}
        self._now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._timezone = "UTC"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/sandbox/api/clock", self.get_clock)
        app.router.add_get("/sandbox/api/controls", self.get_controls)
        app.router.add_post("/sandbox/api/controls/{name}", self.run_control)

    def set_clock(self, now: Callable[[], datetime], timezone: str) -> None:
        ZoneInfo(timezone)  # a wrong name fails here, not in every browser
        self._now, self._timezone = now, timezone

    def add_control(self, control: Control) -> None:
        self._by_name[control.name] = control

    async def get_clock(self, request: web.Request) -> web.Response:
        """The sandbox's time (moved by the clock controls) and the zone the page shows
        it in, with the clock line as the page prints it."""
        now = self._now().astimezone(ZoneInfo(self._timezone))
        return web.json_response(
            {
                "now": now.timestamp(),
                "timezone": self._timezone,
                "line": f"Sandbox clock: {now:%a %d %b %Y %H:%M} ({self._timezone})",
            }
        )

    async def get_controls(self, request: web.Request) -> web.Response:
        controls = [
            {"name": c.name, "label": c.label, "confirm": c.confirm, "reload": c.reload}
            for c in self._by_name.values()
        ]
        return web.json_response({"controls": controls})

    async def run_control(self, request: web.Request) -> web.Response:
        control = self._by_name.get(request.match_info["name"])
        if control is None:
            return error_response(404, f"no control named {request.match_info['name']!r}")
        try:
            text = await control.handler()
        except Exception:
            # A failing demo control must not take the page down; the log has the traceback.
            log.exception("sandbox control %s failed", control.name)
            return error_response(500, f"{control.label} failed; see the log")
        return web.json_response({"text": text})
