import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.transport.webhook import WebhookSettings

# For the tests that kill `frizon run` (a module's own `sandbox` overrides this one).
from tests.e2e.bot_process import bot_process, environment, sandbox  # noqa: F401
from tests.e2e.harness import RunningBot, running_bot

WEBHOOK_SECRET = "e2e-flows-webhook-secret"
MAKE_CRASH = os.environ.get("FRIZON_INSTANCE_STORM_RESTART_POSTGRES") == "1"  # set by make crash


@pytest.fixture(params=["polling", "webhook"])
def updates_by(request: pytest.FixtureRequest) -> str:
    """How the bot receives updates: the flows hold either way."""
    return str(request.param)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Webhook mode on SQLite only: the flows on PostgreSQL run by polling (what a
    webhook adds across instances on PostgreSQL has tests of its own). Halves the cost.
    And the long runs marked crash_only only under `make crash`."""
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        chosen = params.params if params is not None else {}
        both = chosen.get("updates_by") == "webhook" and chosen.get("database_url") == "postgresql"
        long_run = item.get_closest_marker("crash_only") is not None and not MAKE_CRASH
        (dropped if both or long_run else kept).append(item)
    if dropped:
        items[:] = kept
        config.hook.pytest_deselected(items=dropped)


@pytest.fixture
async def bot(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    updates_by: str,
) -> AsyncIterator[RunningBot]:
    webhook = (
        WebhookSettings(secret_token=WEBHOOK_SECRET, port=0) if updates_by == "webhook" else None
    )
    async with running_bot(database_url, sessionmaker, clock, webhook=webhook) as running:
        yield running
