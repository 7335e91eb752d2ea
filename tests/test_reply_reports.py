"""Several instances, one send budget: replies made on a follower reach the leader's
budget through PostgreSQL's LISTEN/NOTIFY, and the leader's own are not heard twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.transport.reply_reports import ReplyReports
from bot.transport.send_budget import SendBudget

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


class Frozen:
    """A clock that stands still, so what was heard stays in the budget's window."""

    def __call__(self) -> float:
        return 100.0


def heard(budget: SendBudget) -> int:
    return round(budget.replies_per_second() * 3.0)


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - another task's state, polled
            await asyncio.sleep(0.05)


@pytest.fixture
async def two_instances(
    database_url: str, engine: AsyncEngine
) -> AsyncIterator[tuple[tuple[SendBudget, ReplyReports], tuple[SendBudget, ReplyReports]]]:
    made = []
    for _ in range(2):
        budget = SendBudget(25.0, window=3.0, clock=Frozen())
        reports = ReplyReports(database_url, engine, budget)
        reports.start()
        made.append((budget, reports))
    yield made[0], made[1]
    for _, reports in made:
        await reports.stop()


@ON_POSTGRESQL
async def test_a_followers_replies_reach_the_leaders_budget(
    two_instances: tuple[tuple[SendBudget, ReplyReports], tuple[SendBudget, ReplyReports]],
) -> None:
    (leader, leading), (follower, _) = two_instances
    leading.lead()
    await asyncio.sleep(0.5)  # the leader is listening

    follower.replied(4)
    await until(lambda: heard(leader) == 4)
    follower.replied(3)
    await until(lambda: heard(leader) == 7)
    leader.replied(2)  # its own: counted once, as they were made
    await asyncio.sleep(1.5)  # more than two reports' time

    assert heard(leader) == 9
    assert leader.outbox_rate() == 22.0
    assert heard(follower) == 7  # a follower hears nobody else


@ON_POSTGRESQL
async def test_an_instance_that_stops_leading_stops_hearing_and_reports_instead(
    two_instances: tuple[tuple[SendBudget, ReplyReports], tuple[SendBudget, ReplyReports]],
) -> None:
    (first, first_reports), (second, second_reports) = two_instances
    first_reports.lead()
    await asyncio.sleep(0.5)
    second.replied(5)
    await until(lambda: heard(first) == 5)

    await first_reports.follow()
    second_reports.lead()
    await asyncio.sleep(0.5)
    first.replied(6)
    await until(lambda: heard(second) == 11)  # its own five and the new follower's six
    second.replied(1)
    await asyncio.sleep(1.5)

    assert heard(first) == 11  # what it heard while leading, and its own six
