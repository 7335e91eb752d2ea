"""The logging set-up: DEBUG shows frizon's own debug lines while the libraries that log
payloads stay at INFO, the token is replaced wherever it appears, and JSON lines name the
update being handled."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.logs import configure_logging, current_update_id

TOKEN = "7777777:AAH-very-secret-token-value_0123456789"
PAYLOAD_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Application", "aiosqlite")


@pytest.fixture
def buffer() -> Iterator[io.StringIO]:
    """Logging into a buffer for one test; every level set is restored afterwards."""
    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    names = ("bot", "handlers", "telegram", "aiosqlite")
    levels = {name: logging.getLogger(name).level for name in names}
    stream = io.StringIO()
    root.handlers = [logging.StreamHandler(stream)]
    yield stream
    root.setLevel(saved[0])
    root.handlers = saved[1]
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_debug_shows_frizons_debug_lines_and_holds_the_payload_loggers_at_info(
    buffer: io.StringIO,
) -> None:
    configure_logging("DEBUG", secrets=[TOKEN])

    logging.getLogger("bot.sending.sender").debug("frizon's own detail")
    logging.getLogger("telegram.ext.ExtBot").debug("Calling Bot API endpoint with words")
    logging.getLogger("telegram.ext.Application").info("Application started")

    output = buffer.getvalue()
    assert "frizon's own detail" in output and "Application started" in output
    assert "with words" not in output
    for name in PAYLOAD_LOGGERS:
        assert logging.getLogger(name).getEffectiveLevel() == logging.INFO, name


def test_a_quieter_level_stays_quieter_for_the_libraries_too(buffer: io.StringIO) -> None:
    configure_logging("WARNING", secrets=[])

    logging.getLogger("telegram.ext.Application").info("Application started")

    assert buffer.getvalue() == ""


def test_the_token_is_replaced_in_messages_and_arguments(buffer: io.StringIO) -> None:
    configure_logging("INFO", secrets=[TOKEN])

    logging.getLogger("bot.app.application").info("GET https://api.telegram.org/bot%s/getMe", TOKEN)

    assert "https://api.telegram.org/bot[token]/getMe" in buffer.getvalue()
    assert TOKEN.split(":")[1] not in buffer.getvalue()


def test_a_text_line_is_time_level_logger_and_message_and_names_no_update(
    buffer: io.StringIO,
) -> None:
    configure_logging("INFO", secrets=[TOKEN])

    token = current_update_id.set(4242)
    try:
        logging.getLogger("handlers.start").info("member %s enrolled as %s", 7, "student")
    finally:
        current_update_id.reset(token)

    pattern = (
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO handlers.start: member 7 enrolled as student\n"
    )
    assert re.fullmatch(pattern, buffer.getvalue())


def test_a_json_line_is_one_object_with_the_update_being_handled(buffer: io.StringIO) -> None:
    configure_logging("INFO", secrets=[TOKEN], log_format="json")

    token = current_update_id.set(4242)
    try:
        logging.getLogger("handlers.start").info("member %s enrolled as %s", 7, "student")
    finally:
        current_update_id.reset(token)
    logging.getLogger("bot.sending.sender").warning("Åsa's prompt went out late")

    first, second = (json.loads(line) for line in buffer.getvalue().splitlines())
    logged_at = datetime.fromisoformat(first.pop("time"))
    assert abs(logged_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert first == {
        "level": "INFO",
        "logger": "handlers.start",
        "message": "member 7 enrolled as student",
        "update_id": 4242,
    }
    del second["time"]
    assert second == {
        "level": "WARNING",
        "logger": "bot.sending.sender",
        "message": "Åsa's prompt went out late",
    }


async def test_the_update_id_follows_into_tasks_started_while_handling_it(
    buffer: io.StringIO,
) -> None:
    configure_logging("INFO", secrets=[], log_format="json")

    async def later() -> None:
        logging.getLogger("handlers.relay").info("in a task")

    token = current_update_id.set(99)
    try:
        task = asyncio.create_task(later())
    finally:
        current_update_id.reset(token)
    await task
    logging.getLogger("handlers.relay").info("after")

    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [(line["message"], line.get("update_id")) for line in lines] == [
        ("in a task", 99),
        ("after", None),
    ]


def test_a_json_line_carries_the_exception_with_the_token_replaced(buffer: io.StringIO) -> None:
    configure_logging("INFO", secrets=[TOKEN], log_format="json")

    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        logging.getLogger("bot.transport.polling").exception("polling failed")

    output = buffer.getvalue()
    assert output.count("\n") == 1  # the traceback stays inside the one line
    line = json.loads(output)
    assert line["message"] == "polling failed"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith(
        "RuntimeError: GET https://api.telegram.org/bot[token]/getMe failed"
    )
    assert TOKEN.split(":")[1] not in output
