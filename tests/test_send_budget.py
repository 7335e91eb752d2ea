"""One token, one send budget: the outbox sends what the replies leave of `sending.rate`,
measured over the last few seconds, and never stops altogether."""

from __future__ import annotations

import pytest

from bot.sending.pacing import OutboxPace
from bot.transport.send_budget import FLOOR, SendBudget


class Seconds:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_without_replies_the_outbox_has_the_whole_rate() -> None:
    assert SendBudget(25.0, clock=Seconds()).outbox_rate() == 25.0


def test_replies_here_and_elsewhere_are_taken_from_the_outbox_rate() -> None:
    budget = SendBudget(25.0, window=3.0, clock=Seconds())
    budget.replied(6)
    budget.replied_elsewhere(9)

    assert budget.replies_per_second() == 5.0
    assert budget.outbox_rate() == 20.0


def test_replies_older_than_the_window_no_longer_count() -> None:
    clock = Seconds()
    budget = SendBudget(25.0, window=3.0, clock=clock)
    budget.replied(9)
    clock.now += 2.0
    budget.replied_elsewhere(3)

    assert budget.outbox_rate() == 21.0
    clock.now += 1.5  # the first nine are 3.5 s old
    assert budget.outbox_rate() == 24.0
    clock.now += 2.0
    assert budget.outbox_rate() == 25.0


def test_however_busy_the_replies_the_outbox_still_sends() -> None:
    budget = SendBudget(25.0, window=3.0, clock=Seconds())
    budget.replied_elsewhere(300)

    assert budget.outbox_rate() == FLOOR


def test_only_this_instances_replies_are_reported_and_each_once() -> None:
    budget = SendBudget(25.0, clock=Seconds())
    budget.replied(2)
    budget.replied_elsewhere(7)
    budget.replied()

    assert budget.take_unreported() == 3
    assert budget.take_unreported() == 0
    assert budget.replies == 3


def test_no_rate_means_no_limit_for_the_outbox() -> None:
    budget = SendBudget(None, clock=Seconds())
    budget.replied(50)
    assert budget.outbox_rate() is None
    assert OutboxPace(budget).interval() == 0.0


def test_the_outbox_pace_spaces_its_sends_by_what_the_budget_leaves() -> None:
    clock = Seconds()
    budget = SendBudget(25.0, window=3.0, clock=clock)
    pace = OutboxPace(budget)
    assert pace.interval() == pytest.approx(1 / 25)

    budget.replied_elsewhere(45)
    assert pace.interval() == pytest.approx(1 / 10)
    clock.now += 4.0
    assert pace.interval() == pytest.approx(1 / 25)
