"""The bot token never appears in the logs, even at DEBUG level."""

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.logs import configure_logging
from db.models import Role
from tests.e2e.harness import running_bot

SECRET_TOKEN = "7777777:AAH-very-secret-token-value_0123456789"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Route all logging through the production set-up into a buffer; restore afterwards."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    saved_levels = {name: logging.getLogger(name).level for name in ("aiohttp", "httpx")}
    buffer = io.StringIO()
    root.handlers = [logging.StreamHandler(buffer)]
    configure_logging("DEBUG", secrets=[SECRET_TOKEN])
    # Be harsher than production: let the HTTP clients log all they would.
    logging.getLogger("aiohttp").setLevel(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    yield buffer
    root.handlers = saved_handlers
    root.setLevel(saved_level)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)


async def test_the_token_is_not_logged_during_a_whole_flow(
    log_output: io.StringIO,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    async with running_bot(database_url, sessionmaker, clock, token=SECRET_TOKEN) as bot:
        programme = await bot.programme()
        await bot.enrolled(programme, Role.STUDENT, "Ana")
        stranger = bot.user("Stranger")
        bot.says(stranger, "/start not-a-valid-token-at-all")
        await bot.hears(stranger)

    output = log_output.getvalue()
    assert "enrolled as student" in output  # the logs were captured at all
    assert "/bot[token]" in output  # a URL that carried the token was redacted
    assert SECRET_TOKEN not in output
    assert SECRET_TOKEN.split(":")[1] not in output
