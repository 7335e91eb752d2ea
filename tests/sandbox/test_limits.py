"""The flood limiter: bursts, refill and whole-second retry_after."""

from __future__ import annotations

from bot.sandbox.limits import Limits, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_overall_limit_allows_that_many_sends_in_a_second() -> None:
    limiter = RateLimiter(Limits(overall_per_second=3), clock=FakeClock())
    assert [limiter.acquire(chat) for chat in (1, 2, 3, 4)] == [None, None, None, 1]


def test_the_overall_limit_refills_with_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Limits(overall_per_second=1), clock=clock)
    limiter.acquire(1)
    clock.now += 1.0
    assert limiter.acquire(2) is None


def test_a_chat_may_burst_then_waits_for_a_refill() -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        Limits(overall_per_second=None, per_chat_per_second=0.5, per_chat_burst=2), clock=clock
    )
    assert [limiter.acquire(7) for _ in range(3)] == [None, None, 2]
    assert limiter.acquire(8) is None  # other chats have their own bucket
    clock.now += 2.0
    assert limiter.acquire(7) is None


def test_retry_after_is_rounded_up_to_whole_seconds() -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        Limits(overall_per_second=None, per_chat_per_second=0.4, per_chat_burst=1), clock=clock
    )
    limiter.acquire(1)
    clock.now += 0.1
    assert limiter.acquire(1) == 3  # (1 - 0.04) / 0.4 = 2.4 seconds


def test_refused_sends_are_not_counted() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Limits(overall_per_second=1), clock=clock)
    limiter.acquire(1)
    for _ in range(5):
        limiter.acquire(1)
    clock.now += 1.0
    assert limiter.acquire(1) is None


def test_no_limits_never_refuse() -> None:
    limiter = RateLimiter(Limits(overall_per_second=None), clock=FakeClock())
    assert all(limiter.acquire(1) is None for _ in range(1000))


def test_each_refusal_is_counted_against_the_limit_that_refused_it() -> None:
    limiter = RateLimiter(
        Limits(overall_per_second=3, per_chat_per_second=1, per_chat_burst=2), clock=FakeClock()
    )
    answers = [limiter.acquire(chat) for chat in (1, 1, 1, 2, 3)]

    assert answers == [None, None, 1, None, 1]
    assert (limiter.refused_overall, limiter.refused_per_chat) == (1, 1)
