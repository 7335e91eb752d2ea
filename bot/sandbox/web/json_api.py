"""How the page's JSON API reads a request and answers a bad one: a 400 with the reason, a
404 for a user the sandbox does not have."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")
N = TypeVar("N", int, float)


class BadInput(Exception):
    """The page sent something unusable; answered with 400 and the reason."""


class UnknownUser(Exception):
    """The page asked about a user the sandbox does not have; answered with 404."""


async def guarded(handler: Awaitable[web.Response]) -> web.Response:
    """Turn bad input (ours or the state's ``ValueError``) into a 400 with the reason."""
    try:
        return await handler
    except UnknownUser as error:
        return error_response(404, str(error))
    except (BadInput, ValueError) as error:
        return error_response(400, str(error))


def error_response(status: int, message: str) -> web.Response:
    """The page's error answer: ``{"error": message}``."""
    return web.json_response({"error": message}, status=status)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; ``BadInput`` for anything else."""
    try:
        body = await request.json()
    except ValueError:
        raise BadInput("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def required(body: dict[str, Any], name: str, kind: type[T]) -> T:
    """A field that must be there, of type ``kind``."""
    value = optional(body, name, kind)
    if value is None:
        raise BadInput(f"{name!r} is required")
    return value


def optional(body: dict[str, Any], name: str, kind: type[T]) -> T | None:
    """A field of type ``kind``, or ``None`` when absent."""
    value = body.get(name)
    # bool is an int in Python, but a JSON true is not a message id.
    wrong_bool = kind is int and isinstance(value, bool)
    if value is not None and (not isinstance(value, kind) or wrong_bool):
        raise BadInput(f"{name!r} must be of type {kind.__name__}")
    return value


def query_number(request: web.Request, name: str, kind: type[N], default: N) -> N:
    """A number from the query string; ``default`` when absent or empty."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise BadInput(f"{name!r} must be a number") from None
