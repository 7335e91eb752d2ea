"""Bot API request parameters from a query string, a form, multipart or a JSON body."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.errors import ApiError, bad_request

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
# Telegram takes uploads of up to 50 MB; aiohttp's own default would stop at 1 MiB.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_ATTACH = "attach://"


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request (sendDocument with a file from disk)."""

    filename: str | None
    content_type: str | None
    data: bytes


async def read_params(request: web.Request) -> Params:
    """Collect parameters the way Telegram does: query string first, then the body."""
    values: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as error:
                raise bad_request("can't parse JSON body") from error
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            values.update(body)
        elif request.content_type in _FORMS:
            try:
                form = await request.clone(client_max_size=MAX_UPLOAD_BYTES).post()
            except web.HTTPRequestEntityTooLarge:
                raise ApiError(413, "Request Entity Too Large") from None
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    with value.file:  # aiohttp spools it to a temporary file and leaves it open
                        data = value.file.read()
                    values[key] = Upload(value.filename or None, value.content_type, data)
                else:
                    values[key] = value
    return Params(values)


class Params:
    """Typed access to parameters; form values arrive as strings, JSON ones as values.

    PTB sends complex values (reply_markup, scope, ...) as JSON strings inside a
    form, so ``get_json()`` decodes strings and passes decoded values through.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def has(self, name: str) -> bool:
        return self._values.get(name) not in (None, "")

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self._values.get(name)
        if isinstance(value, Upload):
            raise bad_request(f"{name} must be a string, not a file")
        return default if value is None else str(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self._values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_int(self, name: str, missing: str) -> int:
        """An integer that must be present; ``missing`` is Telegram's complaint otherwise."""
        value = self.get_int(name)
        if value is None:
            raise bad_request(missing)
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        """``chat_id`` (or ``from_chat_id``); ``@username`` chats do not exist in the sandbox."""
        value = self._values.get(name)
        if value in (None, ""):
            raise bad_request(f"{name} is empty")
        if isinstance(value, str) and value.startswith("@"):
            raise bad_request("chat not found")
        return self.required_int(name, f"{name} is empty")

    def get_upload(self, name: str) -> Upload | None:
        """The file uploaded as ``name``, directly or named by an ``attach://<part>`` value."""
        value = self._values.get(name)
        if isinstance(value, str) and value.startswith(_ATTACH):
            value = self._values.get(value.removeprefix(_ATTACH))
        return value if isinstance(value, Upload) else None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def get_json(self, name: str) -> Any:
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
