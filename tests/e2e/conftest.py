from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock

# For the tests that kill `frizon run` (a module's own `sandbox` overrides this one).
from tests.e2e.bot_process import bot_process, environment, sandbox  # noqa: F401
from tests.e2e.harness import RunningBot, running_bot


@pytest.fixture
async def bot(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_bot(database_url, sessionmaker, clock) as running:
        yield running
