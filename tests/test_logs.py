"""The logging set-up: DEBUG shows frizon's own debug lines while the libraries that log
payloads stay at INFO, and the token is replaced wherever it appears."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.core.logs import configure_logging

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
