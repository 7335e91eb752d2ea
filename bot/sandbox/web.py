"""The sandbox web page: its JSON API (chats, buttons, blocking, controls) and static files."""

from __future__ import annotations

import json
import logging
import math
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.sandbox.files import MAX_DOWNLOAD_SIZE
from bot.sandbox.records import SandboxUser
from bot.sandbox.splitting import split_typed_text
from bot.sandbox.state import SandboxState

log = logging.getLogger(__name__)

T = TypeVar("T")
N = TypeVar("N", int, float)

STATIC_DIR = Path(__file__).parent / "static"
MAX_WAIT_SECONDS = 25.0
# The page's event stream says something this often even when nothing happens, so a
# connection the browser dropped is noticed (the write fails) and proxies keep it open.
KEEPALIVE_SECONDS = 15.0
RECONNECT_MILLISECONDS = 2000  # how soon the browser reconnects (a restart, a drop)
CALLBACK_ANSWER_WAIT_SECONDS = 3.0
DEFAULT_FILE_NAME = "document.pdf"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_VOICE_SIZE = MAX_DOWNLOAD_SIZE  # a bigger voice note the bot could not download
GUEST_TITLE = "Guest"
GUEST_SUGGESTION = "/start"


@dataclass(frozen=True)
class Panel:
    """One chat shown on the page: whose it is, their role, and a first thing to send."""

    title: str
    user_id: int
    suggestion: str | None = None


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


class BadInput(Exception):
    """The page sent something unusable; answered with 400 and the reason."""


class UnknownUser(Exception):
    """The page asked about a user the sandbox does not have; answered with 404."""


class SandboxPage:
    """Routes for the page; the panels and controls are set by the application."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.panels: list[Panel] = []
        self.guests: list[Panel] = []  # chats added on the page ("New chat as")
        self.used: set[tuple[int, str]] = set()  # suggestions sent: (user id, text)
        self.controls: dict[str, Control] = {}
        self.instance = secrets.token_hex(8)  # a restarted sandbox is another instance
        self._now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._timezone = "UTC"

    def set_clock(self, now: Callable[[], datetime], timezone: str) -> None:
        ZoneInfo(timezone)  # a wrong name fails here, not in every browser
        self._now, self._timezone = now, timezone

    def dump(self) -> dict[str, Any]:
        """The page's own state: the chats added on it and the suggestions used."""
        return {
            "guests": [asdict(guest) for guest in self.guests],
            "used": sorted([user_id, text] for user_id, text in self.used),
        }

    def load(self, data: dict[str, Any]) -> None:
        self.guests = [Panel(**guest) for guest in data["guests"]]
        self.used = {(int(user_id), str(text)) for user_id, text in data["used"]}

    def set_panels(self, panels: Sequence[Panel]) -> None:
        self.panels = list(panels)

    def add_control(self, control: Control) -> None:
        self.controls[control.name] = control

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.index)
        app.router.add_static("/sandbox/static", STATIC_DIR)
        app.router.add_get("/sandbox/api/panels", self.get_panels)
        app.router.add_get("/sandbox/api/clock", self.get_clock)
        app.router.add_get("/sandbox/api/controls", self.get_controls)
        app.router.add_post("/sandbox/api/controls/{name}", self.run_control)
        app.router.add_post("/sandbox/api/users", self.add_user)
        app.router.add_get("/sandbox/api/events", self.stream_events)
        app.router.add_get("/sandbox/api/chats/{user_id}/messages", self.poll_messages)
        app.router.add_post("/sandbox/api/chats/{user_id}/messages", self.send_message)
        app.router.add_post("/sandbox/api/chats/{user_id}/media", self.send_media)
        app.router.add_post("/sandbox/api/chats/{user_id}/document", self.send_document)
        app.router.add_post("/sandbox/api/chats/{user_id}/voice", self.send_voice)
        app.router.add_post("/sandbox/api/chats/{user_id}/callback", self.press_button)
        app.router.add_get("/sandbox/api/files/{file_id}", self.get_file)
        app.router.add_get("/sandbox/api/callbacks/{query_id}", self.get_callback_answer)
        app.router.add_post("/sandbox/api/chats/{user_id}/block", self.set_blocked)

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def get_panels(self, request: web.Request) -> web.Response:
        panels = []
        for panel in [*self.panels, *self.guests]:
            user = self._known(panel.user_id)
            used = panel.suggestion is not None and (panel.user_id, panel.suggestion) in self.used
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
        return web.json_response({"panels": panels, "instance": self.instance})

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
            for c in self.controls.values()
        ]
        return web.json_response({"controls": controls})

    async def run_control(self, request: web.Request) -> web.Response:
        control = self.controls.get(request.match_info["name"])
        if control is None:
            return _error(404, f"no control named {request.match_info['name']!r}")
        try:
            text = await control.handler()
        except Exception:
            # A failing demo control must not take the page down; the log has the traceback.
            log.exception("sandbox control %s failed", control.name)
            return _error(500, f"{control.label} failed; see the log")
        return web.json_response({"text": text})

    async def add_user(self, request: web.Request) -> web.Response:
        return await _guarded(self._add_user(request))

    async def _add_user(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.state.add_user(
            _field(body, "first_name", str),
            last_name=_optional(body, "last_name", str),
            username=_optional(body, "username", str),
            language_code=_optional(body, "language_code", str) or "en",
        )
        self.guests.append(Panel(GUEST_TITLE, user.id, GUEST_SUGGESTION))
        return web.json_response(user.to_telegram(), status=201)

    async def stream_events(self, request: web.Request) -> web.StreamResponse:
        """Every chat on the page over one connection (Server-Sent Events).

        A browser opens at most six connections to a host, so a long poll per chat made
        sends wait behind the polls once a few chats were open. This stream says
        ``instance`` first (a restarted sandbox is another one), then a ``chat`` event
        whenever a chat on the page has new or edited messages or shows another keyboard,
        command menu or block; each batch ends with the newest ``seq`` as the event id, so
        a reconnecting browser (``Last-Event-ID``) gets only what it missed.
        """
        after = _event_id(request.headers.get("Last-Event-ID")) or _query_number(
            request, "after", int, 0
        )
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        shown: dict[int, Any] = {}  # per chat: the keyboard, menu and block last sent
        try:
            await response.write(
                _event("instance", {"instance": self.instance}, retry=RECONNECT_MILLISECONDS)
            )
            while not self.state.closed:
                newest = self.state.last_seq
                batch = self._changed_chats(after, shown)
                if batch:
                    await response.write(
                        b"".join(_event("chat", view) for view in batch[:-1])
                        + _event("chat", batch[-1], event_id=newest)
                    )
                after = max(after, newest)
                if not await self.state.wait_for_change(KEEPALIVE_SECONDS):
                    await response.write(b": still here\n\n")
        except ConnectionError:
            pass  # the page was closed or reloaded
        return response

    def _changed_chats(self, after: int, shown: dict[int, Any]) -> list[dict[str, Any]]:
        """Each chat on the page with messages after ``after`` or another look than the
        one in ``shown`` (updated), as the page applies it."""
        batch = []
        for user_id in dict.fromkeys(panel.user_id for panel in self._all()):
            user = self._known(user_id)
            if user is None:
                continue
            view = self._chat_view(user, self.state.messages(user_id, after_seq=after), after)
            look = (view["reply_keyboard"], view["commands"], view["blocked"])
            if view["messages"] or shown.get(user_id) != look:
                shown[user_id] = look
                batch.append({"user_id": user_id, **view})
        return batch

    async def poll_messages(self, request: web.Request) -> web.Response:
        return await _guarded(self._poll_messages(request))

    async def _poll_messages(self, request: web.Request) -> web.Response:
        user = self._user(request)
        after = _query_number(request, "after", int, 0)
        wait = min(MAX_WAIT_SECONDS, max(0.0, _query_number(request, "wait", float, 0.0)))
        messages = await self.state.wait_for_messages(user.id, after_seq=after, timeout=wait)
        return web.json_response(self._chat_view(user, messages, after))

    async def send_message(self, request: web.Request) -> web.Response:
        return await _guarded(self._send_message(request))

    async def _send_message(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _json_body(request)
        text = _field(body, "text", str)
        reply_to = _optional(body, "reply_to_message_id", int)
        parts = split_typed_text(text)
        if not parts:
            raise BadInput("the text is empty")
        update_ids = []
        for index, part in enumerate(parts):  # the reply goes with the first part only
            update = self.state.user_sends_text(
                user.id, part, reply_to_message_id=reply_to if index == 0 else None
            )
            update_ids.append(update.get("update_id"))
        if any(p.user_id == user.id and p.suggestion == text.strip() for p in self._all()):
            self.used.add((user.id, text.strip()))  # a suggestion is a one-off first step
        return web.json_response({"update_id": update_ids[0], "update_ids": update_ids}, status=201)

    async def send_media(self, request: web.Request) -> web.Response:
        return await _guarded(self._send_media(request))

    async def _send_media(self, request: web.Request) -> web.Response:
        """A sample photo, voice note or document (no file travels), the text as caption."""
        user = self._user(request)
        body = await _json_body(request)
        kind = _field(body, "kind", str)
        caption = _optional(body, "caption", str)
        reply_to = _optional(body, "reply_to_message_id", int)
        if kind == "photo":
            update = self.state.user_sends_photo(
                user.id, caption=caption, reply_to_message_id=reply_to
            )
        elif kind == "voice":
            update = self.state.user_sends_voice(
                user.id, caption=caption, reply_to_message_id=reply_to
            )
        elif kind == "document":
            update = self.state.user_sends_document(
                user.id,
                _optional(body, "file_name", str) or DEFAULT_FILE_NAME,
                caption=caption,
                reply_to_message_id=reply_to,
                file_size=_optional(body, "file_size", int),
            )
        else:
            raise BadInput("'kind' must be photo, voice or document")
        return web.json_response({"update_id": update.get("update_id")}, status=201)

    async def send_document(self, request: web.Request) -> web.Response:
        return await _guarded(self._send_document(request))

    async def _send_document(self, request: web.Request) -> web.Response:
        """A real file picked on the page (multipart: file, caption, reply_to_message_id)."""
        user = self._user(request)
        upload = await _Upload.read(request)
        # Browsers report an unknown type as "" or octet-stream; then the name decides.
        mime_type = upload.file.content_type
        update = self.state.user_sends_document(
            user.id,
            upload.file.filename or DEFAULT_FILE_NAME,
            caption=upload.caption,
            reply_to_message_id=upload.reply_to,
            content=upload.file.file.read(),
            mime_type=None if mime_type == "application/octet-stream" else mime_type,
        )
        return web.json_response({"update_id": update.get("update_id")}, status=201)

    async def send_voice(self, request: web.Request) -> web.Response:
        return await _guarded(self._send_voice(request))

    async def _send_voice(self, request: web.Request) -> web.Response:
        """A voice note recorded or picked on the page (multipart: file, duration — the
        seconds the page measured —, caption, reply_to_message_id), sent with its bytes."""
        user = self._user(request)
        upload = await _Upload.read(request)
        content = upload.file.file.read()
        if len(content) > MAX_VOICE_SIZE:
            raise BadInput(
                f"This recording is {len(content) / 1024 / 1024:.1f} MB; a voice note can be "
                f"at most {MAX_VOICE_SIZE // 1024 // 1024} MB, the most a bot can download. "
                "Send a shorter one."
            )
        update = self.state.user_sends_voice(
            user.id,
            caption=upload.caption,
            reply_to_message_id=upload.reply_to,
            content=content,
            measured_seconds=_form_seconds(upload.form.get("duration")),
        )
        return web.json_response({"update_id": update.get("update_id")}, status=201)

    async def press_button(self, request: web.Request) -> web.Response:
        return await _guarded(self._press_button(request))

    async def _press_button(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _json_body(request)
        query_id = self.state.user_presses_button(
            user.id, _field(body, "message_id", int), _field(body, "data", str)
        )
        # Like a Telegram client, show the answer if the bot gives one promptly.
        answer = await self.state.callbacks.wait_for_answer(query_id, CALLBACK_ANSWER_WAIT_SECONDS)
        return web.json_response({"query_id": query_id, "answer": answer})

    async def get_callback_answer(self, request: web.Request) -> web.Response:
        answer = self.state.callback_answer(request.match_info["query_id"])
        return web.json_response({"query_id": request.match_info["query_id"], "answer": answer})

    async def set_blocked(self, request: web.Request) -> web.Response:
        return await _guarded(self._set_blocked(request))

    async def _set_blocked(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _json_body(request)
        if _field(body, "blocked", bool):
            self.state.block(user.id)
        else:
            self.state.unblock(user.id)
        return web.json_response({"blocked": self.state.is_blocked(user.id)})

    def _chat_view(
        self, user: SandboxUser, messages: list[dict[str, Any]], after: int
    ) -> dict[str, Any]:
        return {
            "messages": [self._with_file_url(message) for message in messages],
            "last_seq": max((m["seq"] for m in messages), default=after),
            "reply_keyboard": self.state.reply_keyboard(user.id),
            "commands": self.state.commands_for(user.id),
            "blocked": self.state.is_blocked(user.id),
        }

    def _with_file_url(self, message: dict[str, Any]) -> dict[str, Any]:
        """A file with real bytes (a chart, an export) gets a URL the page can show."""
        file_id = message.get("file_id")
        if not file_id or self.state.file_content(file_id) is None:
            return message
        return {**message, "file_url": f"/sandbox/api/files/{file_id}"}

    async def get_file(self, request: web.Request) -> web.Response:
        """A file's bytes, for the page: charts shown inline, documents downloadable."""
        file_id = request.match_info["file_id"]
        content = self.state.file_content(file_id)
        media = self.state.files.media(file_id)
        if content is None or media is None:
            return _error(404, "no such file, or a sample without content")
        if media["kind"] == "photo":
            kind = "image/png" if content.startswith(PNG_SIGNATURE) else "image/jpeg"
            return web.Response(body=content, content_type=kind)
        if media["kind"] == "voice":  # played in the page's audio player, not downloaded
            return _playable(request, content, media["mime_type"] or "audio/ogg")
        name = media["file_name"] or DEFAULT_FILE_NAME
        return web.Response(
            body=content,
            content_type=media["mime_type"] or "application/octet-stream",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )

    def _all(self) -> list[Panel]:
        return [*self.panels, *self.guests]

    def _known(self, user_id: int) -> SandboxUser | None:
        try:
            return self.state.user(user_id)
        except ValueError:
            return None

    def _user(self, request: web.Request) -> SandboxUser:
        raw = request.match_info["user_id"]
        user = self._known(int(raw)) if raw.isdigit() else None
        if user is None:
            raise UnknownUser(f"no sandbox user {raw}")
        return user


@dataclass(frozen=True)
class _Upload:
    """A file the page sent as multipart/form-data, with the caption and reply beside it."""

    form: Mapping[str, object]  # the whole form, for the fields of one kind of upload
    file: web.FileField
    caption: str | None
    reply_to: int | None

    @classmethod
    async def read(cls, request: web.Request) -> _Upload:
        if not request.content_type.startswith("multipart/"):
            raise BadInput("send the file as multipart/form-data")
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise BadInput("'file' must be a file")
        reply_to = form.get("reply_to_message_id")
        if reply_to is not None and not (isinstance(reply_to, str) and reply_to.isdigit()):
            raise BadInput("'reply_to_message_id' must be a number")
        caption = form.get("caption")
        return cls(
            form,
            upload,
            caption if isinstance(caption, str) else None,
            int(reply_to) if reply_to else None,
        )


def _playable(request: web.Request, content: bytes, content_type: str) -> web.Response:
    """The bytes, or the one range of them a browser's player asks for to seek."""
    headers = {"Accept-Ranges": "bytes"}
    try:
        wanted = request.http_range
    except ValueError:
        wanted = slice(None)  # a range we do not understand: the whole file, as HTTP allows
    if wanted.start is None and wanted.stop is None:
        return web.Response(body=content, content_type=content_type, headers=headers)
    start, stop, _ = wanted.indices(len(content))
    if start >= stop:
        headers["Content-Range"] = f"bytes */{len(content)}"
        return web.Response(status=416, headers=headers)
    headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(content)}"
    return web.Response(
        status=206, body=content[start:stop], content_type=content_type, headers=headers
    )


def _form_seconds(raw: object) -> float | None:
    """A duration field the page measured, in seconds; ``None`` when missing or no number."""
    if not isinstance(raw, str):
        return None
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) else None


async def _guarded(handler: Awaitable[web.Response]) -> web.Response:
    """Turn bad input (ours or the state's ``ValueError``) into a 400 with the reason."""
    try:
        return await handler
    except UnknownUser as error:
        return _error(404, str(error))
    except (BadInput, ValueError) as error:
        return _error(400, str(error))


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


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise BadInput("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def _field(body: dict[str, Any], name: str, kind: type[T]) -> T:
    value = _optional(body, name, kind)
    if value is None:
        raise BadInput(f"{name!r} is required")
    return value


def _optional(body: dict[str, Any], name: str, kind: type[T]) -> T | None:
    value = body.get(name)
    # bool is an int in Python, but a JSON true is not a message id.
    wrong_bool = kind is int and isinstance(value, bool)
    if value is not None and (not isinstance(value, kind) or wrong_bool):
        raise BadInput(f"{name!r} must be of type {kind.__name__}")
    return value


def _query_number(request: web.Request, name: str, kind: type[N], default: N) -> N:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise BadInput(f"{name!r} must be a number") from None
