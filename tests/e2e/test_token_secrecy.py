"""Nothing secret reaches the logs, at INFO and at DEBUG, in readable lines and in JSON
lines: not the bot token, not the words of a reflection, not the words of a message
relayed between student and mentor."""

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.core.logs import configure_logging
from tests.e2e.harness import running_bot

SECRET_TOKEN = "7777777:AAH-very-secret-token-value_0123456789"
REFLECTION = "Quixotic-reflection: the registrar shouted at me in theatre"
RELAYED = "Quixotic-relay: may I tell you about the registrar on Thursday?"
HARSH = ("aiohttp", "httpx")  # the HTTP clients: let them log all they would


@dataclass(frozen=True)
class Captured:
    buffer: io.StringIO
    log_format: str


# JSON lines are checked at DEBUG only: it logs all that INFO does and more.
@pytest.fixture(params=[("INFO", "text"), ("DEBUG", "text"), ("DEBUG", "json")], ids="-".join)
def log_output(request: pytest.FixtureRequest) -> Iterator[Captured]:
    """Route all logging through the production set-up, at the configured level and
    format, into a buffer; restore every logger afterwards."""
    manager = logging.Logger.manager
    root = logging.getLogger()
    saved_root = root.level, list(root.handlers)
    saved_levels = {
        name: logger.level
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    buffer = io.StringIO()
    root.handlers = [logging.StreamHandler(buffer)]
    level, log_format = request.param
    configure_logging(level, secrets=[SECRET_TOKEN], log_format=log_format)
    for name in HARSH:  # harsher than production
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield Captured(buffer, log_format)
    root.setLevel(saved_root[0])
    root.handlers = saved_root[1]
    for name, logger in manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.setLevel(saved_levels.get(name, logging.NOTSET))


async def test_no_token_and_no_ones_words_are_logged_during_a_whole_flow(
    log_output: Captured,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    async with running_bot(database_url, sessionmaker, clock, token=SECRET_TOKEN) as bot:
        _, ana, lars = await bot.ana_and_lars()
        stranger = bot.user("Stranger")
        bot.says(stranger, "/start not-a-valid-token-at-all")
        await bot.hears(stranger)
        # A reflection, written and shared: the words pass through the bot twice.
        bot.says(ana, "/checkin")
        await bot.presses(ana, await bot.hears(ana, "How are you doing"), "Low")
        await bot.hears(ana, "write a few lines")
        bot.says(ana, REFLECTION)
        await bot.presses(ana, await bot.hears(ana, "share this entry"), "Share with Lars")
        await bot.hears(lars, REFLECTION)
        # A message relayed to the mentor.
        bot.says(ana, "/mentor")
        await bot.hears(ana, "You are writing to Lars")
        bot.says(ana, RELAYED)
        await bot.hears(lars, RELAYED)

    output = log_output.buffer.getvalue()
    assert "enrolled as student" in output  # the logs were captured at all
    assert SECRET_TOKEN not in output
    assert SECRET_TOKEN.split(":")[1] not in output
    assert "Quixotic" not in output, [line for line in output.splitlines() if "Quixotic" in line]

    if log_output.log_format == "json":  # every line an object; handlers' name their update
        lines = [json.loads(line) for line in output.splitlines()]
        handler_lines = [line for line in lines if line["logger"].startswith("handlers.")]
        enrolments = [line for line in handler_lines if "enrolled as" in line["message"]]
        assert len(enrolments) == 2, handler_lines
        assert all(isinstance(line.get("update_id"), int) for line in handler_lines)
        assert enrolments[0]["update_id"] != enrolments[1]["update_id"]
