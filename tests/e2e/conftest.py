from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from tests.e2e.harness import RunningBot, running_bot


@pytest.fixture
async def bot(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_bot(database_url, sessionmaker, clock) as running:
        yield running
