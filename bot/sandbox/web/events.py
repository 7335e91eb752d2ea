"""The page's event stream: every chat on the page over one connection (Server-Sent Events)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox.web.json_api import query_number
from bot.sandbox.web.panels import PageChats

# The page's event stream says something this often even when nothing happens, so a
# connection the browser dropped is noticed (the write fails) and proxies keep it open.
KEEPALIVE_SECONDS = 15.0
RECONNECT_MILLISECONDS = 2000  # how soon the browser reconnects (a restart, a drop)


class EventStream:
    """The route of ``/sandbox/api/events``."""

    def __init__(self, chats: PageChats, instance: str) -> None:
        self._chats = chats
        self._state = chats.state
        self._instance = instance

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/sandbox/api/events", self.stream_events)

    async def stream_events(self, request: web.Request) -> web.StreamResponse:
        """Every chat on the page over one connection (Server-Sent Events).

        A browser opens at most six connections to a host, so a long poll per chat made
        sends wait behind the polls once a few chats were open. This stream says
        ``instance`` first (a restarted sandbox is another one), then a ``chat`` event
        whenever a chat on the page has new or edited messages or shows another keyboard,
        command menu or block; each batch ends with the newest ``seq`` as the event id, so
        a reconnecting browser (``Last-Event-ID``) gets only what it missed.
        """
        after = _event_id(request.headers.get("Last-Event-ID")) or query_number(
            request, "after", int, 0
        )
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        shown: dict[int, Any] = {}  # per chat: the keyboard, menu and block last sent
        try:
            await response.write(
                _event("instance", {"instance": self._instance}, retry=RECONNECT_MILLISECONDS)
            )
            while not self._state.closed:
                newest = self._state.last_seq
                batch = self._changed_chats(after, shown)
                if batch:
                    await response.write(
                        b"".join(_event("chat", view) for view in batch[:-1])
                        + _event("chat", batch[-1], event_id=newest)
                    )
                after = max(after, newest)
                if not await self._state.wait_for_change(KEEPALIVE_SECONDS):
                    await response.write(b": still here\n\n")
        except ConnectionError:
            pass  # the page was closed or reloaded
        return response

    def _changed_chats(self, after: int, shown: dict[int, Any]) -> list[dict[str, Any]]:
        """Each chat on the page with messages after ``after`` or another look than the
        one in ``shown`` (updated), as the page applies it."""
        batch = []
        for user_id in dict.fromkeys(panel.user_id for panel in self._chats.all()):
            user = self._chats.known(user_id)
            if user is None:
                continue
            view = self._chats.view(user, self._state.messages(user_id, after_seq=after), after)
            look = (view["reply_keyboard"], view["commands"], view["blocked"])
            if view["messages"] or shown.get(user_id) != look:
                shown[user_id] = look
                batch.append({"user_id": user_id, **view})
        return batch


def _event(
    name: str, data: dict[str, Any], *, event_id: int | None = None, retry: int | None = None
) -> bytes:
    """One Server-Sent Event; JSON has no raw line breaks, so ``data`` is one line."""
    lines = [f"event: {name}", f"data: {json.dumps(data, separators=(',', ':'))}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def _event_id(raw: str | None) -> int | None:
    return int(raw) if raw is not None and raw.isdigit() else None
