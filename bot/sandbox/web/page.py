"""``SandboxPage``: the page's static files and its JSON API, one set of routes per area."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sandbox.state import SandboxState
from bot.sandbox.web.chats import ChatRoutes
from bot.sandbox.web.controls import Control, Controls
from bot.sandbox.web.events import EventStream
from bot.sandbox.web.media import MediaRoutes
from bot.sandbox.web.panels import PageChats, Panel

STATIC_DIR = Path(__file__).parent.parent / "static"


class SandboxPage:
    """Routes for the page; the panels and controls are set by the application."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.chats = PageChats(state)
        self.controls = Controls()
        self.instance = secrets.token_hex(8)  # a restarted sandbox is another instance

    def set_clock(self, now: Callable[[], datetime], timezone: str) -> None:
        self.controls.set_clock(now, timezone)

    def dump(self) -> dict[str, Any]:
        """The page's own state: the chats added on it and the suggestions used."""
        return self.chats.dump()

    def load(self, data: dict[str, Any]) -> None:
        self.chats.load(data)

    def set_panels(self, panels: Sequence[Panel]) -> None:
        self.chats.set_panels(panels)

    def add_control(self, control: Control) -> None:
        self.controls.add_control(control)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.index)
        app.router.add_static("/sandbox/static", STATIC_DIR)
        ChatRoutes(self.chats, self.instance).add_routes(app)
        MediaRoutes(self.chats).add_routes(app)
        self.controls.add_routes(app)
        EventStream(self.chats, self.instance).add_routes(app)

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html")
