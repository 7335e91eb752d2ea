"""The page's chats and messages: the panels, a chat added, messages polled and sent, a
button pressed and its answer, the bot blocked and unblocked."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.splitting import split_typed_text
from bot.sandbox.web.json_api import BadInput, guarded, json_body, optional, query_number, required
from bot.sandbox.web.panels import PageChats, Panel

MAX_WAIT_SECONDS = 25.0
CALLBACK_ANSWER_WAIT_SECONDS = 3.0
GUEST_TITLE = "Guest"
GUEST_SUGGESTION = "/start"


class ChatRoutes:
    """The routes of ``/sandbox/api/panels``, ``/users`` and ``/chats/<user id>/...``."""

    def __init__(self, chats: PageChats, instance: str) -> None:
        self._chats = chats
        self._state = chats.state
        self._instance = instance

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/sandbox/api/panels", self.get_panels)
        app.router.add_post("/sandbox/api/users", self.add_user)
        app.router.add_get("/sandbox/api/chats/{user_id}/messages", self.poll_messages)
        app.router.add_post("/sandbox/api/chats/{user_id}/messages", self.send_message)
        app.router.add_post("/sandbox/api/chats/{user_id}/callback", self.press_button)
        app.router.add_get("/sandbox/api/callbacks/{query_id}", self.get_callback_answer)
        app.router.add_post("/sandbox/api/chats/{user_id}/block", self.set_blocked)

    async def get_panels(self, request: web.Request) -> web.Response:
        panels = []
        for panel in self._chats.all():
            user = self._chats.known(panel.user_id)
            used = (
                panel.suggestion is not None
                and (panel.user_id, panel.suggestion) in self._chats.used
            )
            panels.append(
                {
                    "title": panel.title,
                    "key": panel.title.lower(),
                    "user_id": panel.user_id,
                    "suggestion": None if used else panel.suggestion,
                    "user": user.to_telegram() if user else None,
                    "name": user.full_name if user else f"user {panel.user_id}",
                }
            )
        return web.json_response({"panels": panels, "instance": self._instance})

    async def add_user(self, request: web.Request) -> web.Response:
        return await guarded(self._add_user(request))

    async def _add_user(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        user = self._state.add_user(
            required(body, "first_name", str),
            last_name=optional(body, "last_name", str),
            username=optional(body, "username", str),
            language_code=optional(body, "language_code", str) or "en",
        )
        self._chats.guests.append(Panel(GUEST_TITLE, user.id, GUEST_SUGGESTION))
        return web.json_response(user.to_telegram(), status=201)

    async def poll_messages(self, request: web.Request) -> web.Response:
        return await guarded(self._poll_messages(request))

    async def _poll_messages(self, request: web.Request) -> web.Response:
        user = self._chats.user(request)
        after = query_number(request, "after", int, 0)
        wait = min(MAX_WAIT_SECONDS, max(0.0, query_number(request, "wait", float, 0.0)))
        messages = await self._state.wait_for_messages(user.id, after_seq=after, timeout=wait)
        return web.json_response(self._chats.view(user, messages, after))

    async def send_message(self, request: web.Request) -> web.Response:
        return await guarded(self._send_message(request))

    async def _send_message(self, request: web.Request) -> web.Response:
        user = self._chats.user(request)
        body = await json_body(request)
        text = required(body, "text", str)
        reply_to = optional(body, "reply_to_message_id", int)
        parts = split_typed_text(text)
        if not parts:
            raise BadInput("the text is empty")
        update_ids = []
        for index, part in enumerate(parts):  # the reply goes with the first part only
            update = self._state.user_sends_text(
                user.id, part, reply_to_message_id=reply_to if index == 0 else None
            )
            update_ids.append(update.get("update_id"))
        if any(p.user_id == user.id and p.suggestion == text.strip() for p in self._chats.all()):
            self._chats.used.add((user.id, text.strip()))  # a suggestion is a one-off first step
        return web.json_response({"update_id": update_ids[0], "update_ids": update_ids}, status=201)

    async def press_button(self, request: web.Request) -> web.Response:
        return await guarded(self._press_button(request))

    async def _press_button(self, request: web.Request) -> web.Response:
        user = self._chats.user(request)
        body = await json_body(request)
        query_id = self._state.user_presses_button(
            user.id, required(body, "message_id", int), required(body, "data", str)
        )
        # Like a Telegram client, show the answer if the bot gives one promptly.
        answer = await self._state.callbacks.wait_for_answer(query_id, CALLBACK_ANSWER_WAIT_SECONDS)
        return web.json_response({"query_id": query_id, "answer": answer})

    async def get_callback_answer(self, request: web.Request) -> web.Response:
        answer = self._state.callback_answer(request.match_info["query_id"])
        return web.json_response({"query_id": request.match_info["query_id"], "answer": answer})

    async def set_blocked(self, request: web.Request) -> web.Response:
        return await guarded(self._set_blocked(request))

    async def _set_blocked(self, request: web.Request) -> web.Response:
        user = self._chats.user(request)
        body = await json_body(request)
        if required(body, "blocked", bool):
            self._state.block(user.id)
        else:
            self._state.unblock(user.id)
        return web.json_response({"blocked": self._state.is_blocked(user.id)})
