"""Media on the page: a sample photo, voice note or document, a real file picked, a voice
note recorded; and the bytes of a file, shown, downloaded or played."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web

from bot.sandbox.files import MAX_DOWNLOAD_SIZE
from bot.sandbox.web.json_api import (
    BadInput,
    error_response,
    guarded,
    json_body,
    optional,
    required,
)
from bot.sandbox.web.panels import PageChats

DEFAULT_FILE_NAME = "document.pdf"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_VOICE_SIZE = MAX_DOWNLOAD_SIZE  # a bigger voice note the bot could not download


class MediaRoutes:
    """The routes of ``/sandbox/api/chats/<user id>/media|document|voice`` and ``/files``."""

    def __init__(self, chats: PageChats) -> None:
        self._chats = chats
        self._state = chats.state

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/sandbox/api/chats/{user_id}/media", self.send_media)
        app.router.add_post("/sandbox/api/chats/{user_id}/document", self.send_document)
        app.router.add_post("/sandbox/api/chats/{user_id}/voice", self.send_voice)
        app.router.add_get("/sandbox/api/files/{file_id}", self.get_file)

    async def send_media(self, request: web.Request) -> web.Response:
        return await guarded(self._send_media(request))

    async def _send_media(self, request: web.Request) -> web.Response:
        """A sample photo, voice note or document (no file travels), the text as caption."""
        user = self._chats.user(request)
        body = await json_body(request)
        kind = required(body, "kind", str)
        caption = optional(body, "caption", str)
        reply_to = optional(body, "reply_to_message_id", int)
        if kind == "photo":
            update = self._state.user_sends_photo(
                user.id, caption=caption, reply_to_message_id=reply_to
            )
        elif kind == "voice":
            update = self._state.user_sends_voice(
                user.id, caption=caption, reply_to_message_id=reply_to
            )
        elif kind == "document":
            update = self._state.user_sends_document(
                user.id,
                optional(body, "file_name", str) or DEFAULT_FILE_NAME,
                caption=caption,
                reply_to_message_id=reply_to,
                file_size=optional(body, "file_size", int),
            )
        else:
            raise BadInput("'kind' must be photo, voice or document")
        return web.json_response({"update_id": update.get("update_id")}, status=201)

    async def send_document(self, request: web.Request) -> web.Response:
        return await guarded(self._send_document(request))

    async def _send_document(self, request: web.Request) -> web.Response:
        """A real file picked on the page (multipart: file, caption, reply_to_message_id)."""
        user = self._chats.user(request)
        upload = await _Upload.read(request)
        # Browsers report an unknown type as "" or octet-stream; then the name decides.
        mime_type = upload.file.content_type
        update = self._state.user_sends_document(
            user.id,
            upload.file.filename or DEFAULT_FILE_NAME,
            caption=upload.caption,
            reply_to_message_id=upload.reply_to,
            content=upload.file.file.read(),
            mime_type=None if mime_type == "application/octet-stream" else mime_type,
        )
        return web.json_response({"update_id": update.get("update_id")}, status=201)

    async def send_voice(self, request: web.Request) -> web.Response:
        return await guarded(self._send_voice(request))

    async def _send_voice(self, request: web.Request) -> web.Response:
        """A voice note recorded or picked on the page (multipart: file, duration — the
        seconds the page measured —, caption, reply_to_message_id), sent with its bytes."""
        user = self._chats.user(request)
        upload = await _Upload.read(request)
        content = upload.file.file.read()
        if len(content) > MAX_VOICE_SIZE:
            raise BadInput(
                f"This recording is {len(content) / 1024 / 1024:.1f} MB; a voice note can be "
                f"at most {MAX_VOICE_SIZE // 1024 // 1024} MB, the most a bot can download. "
                "Send a shorter one."
            )
        update = self._state.user_sends_voice(
            user.id,
            caption=upload.caption,
            reply_to_message_id=upload.reply_to,
            content=content,
            measured_seconds=_form_seconds(upload.form.get("duration")),
        )
        return web.json_response({"update_id": update.get("update_id")}, status=201)

    async def get_file(self, request: web.Request) -> web.Response:
        """A file's bytes, for the page: charts shown inline, documents downloadable."""
        file_id = request.match_info["file_id"]
        content = self._state.file_content(file_id)
        media = self._state.files.media(file_id)
        if content is None or media is None:
            return error_response(404, "no such file, or a sample without content")
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
