"""The fake Telegram's files: ids, what each file is, its bytes, and where getFile finds it.

Every photo, voice note and document has bytes the bot can download, as on Telegram:
an upload's own bytes (the bot's sendDocument, a file a person picked on the page), or
for a sample file sent without content a stable filler of its stated size.
"""

from __future__ import annotations

import base64
import mimetypes
import secrets
from pathlib import PurePosixPath
from typing import Any

from bot.sandbox.audio import audio_type, voice_duration
from bot.sandbox.errors import bad_request
from bot.sandbox.records import MediaKind, media_file_size, photo_thumbnail_id

# Telegram's file ids start with a few bytes naming the file type; the rest is opaque.
_FILE_ID_PREFIXES: dict[MediaKind, str] = {
    "photo": "AgACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
}
# The folders and default extensions of Telegram's file_path ("documents/file_3.csv").
_FOLDERS: dict[MediaKind, tuple[str, str]] = {
    "photo": ("photos", ".jpg"),
    "voice": ("voice", ".oga"),
    "document": ("documents", ""),
}
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files: "file is too big"
_FILLER = b"frizon sandbox sample file\n"


class FileStore:
    """Files by file_id, and the same files by the file_path getFile hands out."""

    def __init__(self) -> None:
        self._media: dict[str, dict[str, Any]] = {}  # file_id (a photo's two sizes) -> media
        self._contents: dict[str, bytes] = {}  # real bytes, by the full-size file_id
        self._paths: dict[str, str] = {}  # file_path -> the file_id it serves
        self._path_of: dict[str, str] = {}  # and back
        self._next_number = 1

    def add(
        self,
        kind: MediaKind,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        content: bytes | None = None,
        file_size: int | None = None,
        duration: int | None = None,
    ) -> dict[str, Any]:
        """A new file with fresh ids, remembered so the bot can send or download it.

        Its ``media`` dict has kind, file_id, file_unique_id, file_name, mime_type and
        file_size (the content's length, else the given one, else a made-up one); a
        voice note's also its ``duration`` in seconds (given, else read from the content;
        ``None`` for a sample, whose duration follows from its size).
        """
        number = self._next_number
        self._next_number += 1
        # A fixed-length random part then the counter: opaque, yet never the same twice.
        file_id = f"{_FILE_ID_PREFIXES[kind]}{secrets.token_urlsafe(24)}{number}"
        unique_id = f"AQAD{secrets.token_urlsafe(6)}{number}"
        if kind == "voice":
            # The bytes say what they are; a sample is Ogg, as Telegram's apps record.
            mime_type = (audio_type(content) if content else None) or mime_type or "audio/ogg"
            if duration is None and content:
                duration = voice_duration(content, None)
        elif kind == "document" and mime_type is None:
            mime_type = mimetypes.guess_type(file_name or "")[0] or "application/octet-stream"
        if content is not None:
            file_size = len(content)
            self._contents[file_id] = content
        if file_size is None:
            file_size = 4096 + secrets.randbelow(200_000)
        media = {
            "kind": kind,
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_name": file_name if kind == "document" else None,
            "mime_type": mime_type if kind != "photo" else None,
            "file_size": file_size,
        }
        if kind == "voice":
            media["duration"] = duration
        self._media[file_id] = media
        folder, extension = _FOLDERS[kind]
        if kind == "document":
            extension = PurePosixPath(file_name or "").suffix[:16]
        self._add_path(f"{folder}/file_{number}{extension}", file_id)
        if kind == "photo":
            self._media[photo_thumbnail_id(file_id)] = media
            self._add_path(f"{folder}/file_{number}_s{extension}", photo_thumbnail_id(file_id))
        return dict(media)

    def dump(self) -> dict[str, Any]:
        """Every file with its bytes and paths, as JSON values (bytes in base64)."""
        return {
            "next_number": self._next_number,
            "media": [m for file_id, m in self._media.items() if m["file_id"] == file_id],
            "contents": {k: base64.b64encode(v).decode("ascii") for k, v in self._contents.items()},
            "paths": self._paths,
        }

    def load(self, data: dict[str, Any]) -> None:
        """The files of ``dump``, as they were."""
        self._next_number = int(data["next_number"])
        for media in data["media"]:
            self._media[media["file_id"]] = media
            if media["kind"] == "photo":
                self._media[photo_thumbnail_id(media["file_id"])] = media
        self._contents = {k: base64.b64decode(v) for k, v in data["contents"].items()}
        for file_path, file_id in data["paths"].items():
            self._add_path(file_path, file_id)

    def require(self, file_id: str, kind: MediaKind) -> dict[str, Any]:
        """The media behind a file_id the bot sends again, or Telegram's 400."""
        media = self._media.get(file_id)
        if media is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if media["kind"] != kind:
            raise bad_request("type of file mismatch")
        return dict(media)

    def content(self, file_id: str) -> bytes | None:
        """The bytes someone uploaded for this file; ``None`` for a sample file."""
        media = self._media.get(file_id)
        return self._contents.get(media["file_id"]) if media else None

    def media(self, file_id: str) -> dict[str, Any] | None:
        """What a file is (kind, name, type, size), or ``None`` for an unknown id."""
        media = self._media.get(file_id)
        return dict(media) if media else None

    def get_file(self, file_id: str) -> dict[str, Any]:
        """getFile's ``File``: ids, size and the path to download it from; Telegram's 400s."""
        media = self._media.get(file_id)
        if media is None:
            raise bad_request("invalid file_id")
        size = self._size(file_id)
        if size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        thumbnail = file_id != media["file_id"]
        unique_id = media["file_unique_id"]
        return {
            "file_id": file_id,
            "file_unique_id": photo_thumbnail_id(unique_id) if thumbnail else unique_id,
            "file_size": size,
            "file_path": self._path_of[file_id],
        }

    def download(self, file_path: str) -> bytes | None:
        """The bytes at a file_path getFile gave out; ``None`` for any other path."""
        file_id = self._paths.get(file_path)
        if file_id is None:
            return None
        media = self._media[file_id]
        size = self._size(file_id)
        if size > MAX_DOWNLOAD_SIZE:
            return None  # getFile never gave this path out
        content = self._contents.get(media["file_id"]) if file_id == media["file_id"] else None
        if content is None:  # a sample file or a photo's small size: filler of its size
            content = (_FILLER * (size // len(_FILLER) + 1))[:size]
        return content

    def _add_path(self, file_path: str, file_id: str) -> None:
        self._paths[file_path] = file_id
        self._path_of[file_id] = file_path

    def _size(self, file_id: str) -> int:
        media = self._media[file_id]
        size = media_file_size(media)
        return size if file_id == media["file_id"] else max(1, size // 16)
